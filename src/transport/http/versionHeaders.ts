import { ActorGridError } from '../../errors';
import { httpErrorBody } from '../../protocol';

/** `"7"` (with or without `W/`) → 7; anything else is INVALID_ARGUMENTS naming the header. */
export function versionHeader(value: string | string[] | undefined, header: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const match = typeof value === 'string' ? /^(?:W\/)?"?(\d{1,15})"?$/.exec(value.trim()) : null;
  if (!match) throw new ActorGridError('INVALID_ARGUMENTS', `${header} must be a version in quotes, e.g. "7"`, { field: header });
  return Number(match[1]);
}

/**
 * Whether `If-None-Match` matches version `version` (RFC 9110 13.1.2): `*`, or a list of entity tags
 * compared weakly, so `W/"7"` (as a proxy that compresses rewrites the tag) matches `"7"`.
 */
export function noneMatch(value: string | string[] | undefined, version: number): boolean {
  if (value === undefined) return false;
  const tags = (Array.isArray(value) ? value.join(',') : value).split(',').map((tag) => tag.trim());
  return tags.some((tag) => tag === '*' || tag.replace(/^W\//, '') === `"${version}"`);
}

/** Runs a write; a VERSION_CONFLICT against the version named in If-Match is a failed precondition (412). */
export async function withPrecondition(ifVersion: number | undefined, run: () => Promise<unknown>, reply: { code(n: number): { send(b: unknown): unknown } }): Promise<unknown> {
  try {
    return await run();
  } catch (err) {
    if (ifVersion !== undefined && err instanceof ActorGridError && err.code === 'VERSION_CONFLICT') return reply.code(412).send(httpErrorBody(err).body);
    throw err;
  }
}
