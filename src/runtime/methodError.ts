import { AccessDeniedError, ActorGridError, RequestRefusedError, type ErrorCode } from '../errors';

/**
 * Codes that pass through an actor method unchanged: runtime errors from nested calls, and
 * ACTOR_ERRORs (a nested actor's, or one a method throws on purpose with its own `data`).
 */
const PASS_THROUGH: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['LOCK_TIMEOUT', 'CONFLICT', 'UNAVAILABLE', 'REENTRANCY', 'ACTOR_ERROR']);

/**
 * The error a client gets for a method that threw: ACTOR_ERROR with the thrown message (the actor's
 * own words, meant for its callers), never a stack. Runtime errors from nested calls keep their code.
 */
export function methodError(thrown: unknown): ActorGridError {
  if (thrown instanceof ActorGridError && (PASS_THROUGH.has(thrown.code) || thrown instanceof RequestRefusedError || thrown instanceof AccessDeniedError)) return thrown;
  const data: Record<string, unknown> = {};
  if (thrown instanceof ActorGridError) data.cause = thrown.code;
  else if (thrown instanceof Error && thrown.name !== 'Error') data.name = thrown.name;
  const message = thrown instanceof Error ? thrown.message : typeof thrown === 'string' ? thrown : 'the actor method failed';
  return new ActorGridError('ACTOR_ERROR', message, Object.keys(data).length > 0 ? data : undefined, { cause: thrown });
}
