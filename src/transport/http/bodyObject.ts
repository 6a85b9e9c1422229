import { ActorGridError } from '../../errors';

/**
 * A JSON request body that must be an object with only `allowed` fields: INVALID_ARGUMENTS naming
 * `body`, or the unknown field, otherwise.
 */
export function bodyObject(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const shape = allowed.map((field, i) => (i === 0 && field === 'body' ? field : `${field}?`)).join(', ');
    throw new ActorGridError('INVALID_ARGUMENTS', `the body must be a JSON object {${shape}}`, { field: 'body' });
  }
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new ActorGridError('INVALID_ARGUMENTS', `unknown field "${key}"`, { field: key });
  }
  return body as Record<string, unknown>;
}
