import type { AuthTarget } from '../auth/AuthPrincipal';
import { randomUUID } from 'node:crypto';
import { INTERNAL_TYPE_PREFIX } from '../actor/ActorRegistry';
import type { CallInvoker, CallRequest } from '../actor/CallRequest';
import { ActorGridError, clip } from '../errors';
import { checkActorCallParams, type CallParamLimits, type CallParams } from './callParams';
import type { Dispatcher } from './Dispatcher';
import { describeSession, type Session } from './Session';

/** The JSON-RPC method that calls an actor (PROTOCOL.md). */
export const ACTOR_CALL_METHOD = 'actor.call';

/** Options of `registerActorMethods`. */
export interface ActorMethodsOptions extends CallParamLimits {
  /**
   * Makes the `requestId` of each call over a long-lived session (WebSocket); a call over HTTP takes
   * its HTTP request's id (the session id), so the node's logs and fastify's correlate.
   * @default crypto.randomUUID
   */
  newRequestId?: () => string;
}

/**
 * The runtime's own actors (shared objects) are reached through their own methods only: to a
 * client, their types do not exist.
 */
export function refuseInternalType(type: string): void {
  if (type.startsWith(INTERNAL_TYPE_PREFIX)) throw new ActorGridError('UNKNOWN_ACTOR_TYPE', `no actor type ${JSON.stringify(clip(type))} is registered`, { type: clip(type) });
}

/**
 * Registers the actor JSON-RPC methods on a dispatcher: `actor.call` with params
 * `{type, id, method, args?, idempotencyKey?}`, checked strictly (INVALID_ARGUMENTS naming the field),
 * then run by `invoker`. The caller is described as `"<transport>:<session id>@<remote>"`.
 *
 * @example
 * registerActorMethods(dispatcher, invoker, { maxArgs: config.limits.maxArgs });
 */
export function registerActorMethods(dispatcher: Dispatcher, invoker: CallInvoker, options: ActorMethodsOptions = {}): void {
  const newRequestId = options.newRequestId ?? randomUUID;
  dispatcher.register(ACTOR_CALL_METHOD, async (params, session) => {
    const call = checkActorCallParams(params, options);
    refuseInternalType(call.type);
    return invoker.invoke(toCallRequest(call, session, session.transport === 'http' ? session.id : newRequestId()));
  }, { target: actorCallTarget });
}

/** Builds the runtime's `CallRequest` from checked client params; used by every transport. */
export function toCallRequest(call: CallParams, session: Session, requestId: string): CallRequest {
  const request: CallRequest = {
    type: call.type,
    id: call.id,
    method: call.method,
    args: call.args,
    requestId,
    caller: describeSession(session),
  };
  if (call.idempotencyKey !== undefined) request.idempotencyKey = call.idempotencyKey;
  const principal = session.identity?.principal;
  if (principal) request.principal = principal;
  return request;
}

/** What an `actor.call` reaches: the actor type's method. */
export function actorCallTarget(params: unknown): AuthTarget | undefined {
  const p = params as { type?: unknown; method?: unknown } | null;
  return typeof p?.type === 'string' && typeof p.method === 'string' ? { kind: 'actor', name: p.type, op: p.method } : undefined;
}
