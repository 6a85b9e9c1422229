import type { AuthTarget } from '../auth/AuthPrincipal';
import { ActorGridError, clip } from '../errors';
import type { ClientPrincipal } from '../push';
import type { Session } from './Session';

/** Checks that `params` is an object with only `allowed` keys; `null` values count as absent. */
export function paramsObject(params: unknown, allowed: readonly string[], shape: string): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ActorGridError('INVALID_ARGUMENTS', `params must be an object ${shape}`, { field: 'params' });
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (!allowed.includes(key)) throw new ActorGridError('INVALID_ARGUMENTS', `unknown parameter "${clip(key)}"`, { field: clip(key) });
    if (value !== null && value !== undefined) out[key] = value;
  }
  return out;
}

/** A required (or optional) non-empty string parameter. */
export function stringParam(p: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = p[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw new ActorGridError('INVALID_ARGUMENTS', `${field} must be a non-empty string`, { field });
  }
  return value;
}

/** An optional boolean parameter (absent: false). */
export function booleanParam(p: Record<string, unknown>, field: string): boolean {
  const value = p[field];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ActorGridError('INVALID_ARGUMENTS', `${field} must be a boolean`, { field });
  return value;
}

/** The client behind a session, as hooks see it: an identity, not the session (with its subject and roles once authenticated). */
export function principalOf(session: Session): ClientPrincipal {
  const auth = session.identity?.principal;
  return {
    id: session.id,
    transport: session.transport,
    ...(session.remote === undefined ? {} : { remote: session.remote }),
    ...(auth ? { subject: auth.subject, roles: auth.roles } : {}),
  };
}

/** A target extractor for the guard: `{kind, name: params[field], op}`, when the params name one. */
export function named(kind: AuthTarget['kind'], field: string, op: string | ((params: Record<string, unknown>) => string)): (params: unknown) => AuthTarget | undefined {
  return (params) => {
    const p = params as Record<string, unknown> | null;
    const name = p && typeof p === 'object' ? p[field] : undefined;
    return typeof name === 'string' ? { kind, name, op: typeof op === 'string' ? op : op(p!) } : undefined;
  };
}
