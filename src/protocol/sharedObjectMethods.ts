import { ActorGridError } from '../errors';
import type { SharedObjectUpdate } from '../shared/SharedObject';
import type { SharedObjectService, SharedObjectSubscription, SyncChannel } from '../shared/SharedObjectService';
import { resetFrame, type SyncDelivery } from '../shared/SyncItem';
import { checkIdempotencyKey } from './callParams';
import type { Codecs } from './Codecs';
import type { Dispatcher } from './Dispatcher';
import { booleanParam, named, paramsObject, principalOf, stringParam } from './params';
import { describeSession, type PushChannel } from './Session';
import { FrameSink } from './FrameSink';
import { SessionSubscriptions } from './SessionSubscriptions';

/** The method names, for transports that decode a request themselves (the HTTP routes). */
export const SHARED_OBJECT_METHODS = {
  get: 'sharedObject.get',
  update: 'sharedObject.update',
  subscribe: 'sharedObject.subscribe',
  unsubscribe: 'sharedObject.unsubscribe',
} as const;

/** A whole number >= 0, or absent. */
function versionParam(p: Record<string, unknown>, field: string): number | undefined {
  const value = p[field];
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new ActorGridError('INVALID_ARGUMENTS', `${field} must be a whole number >= 0`, { field });
  return value as number;
}

/**
 * Changes as pre-encoded `sharedObject.sync` frames over a push channel — named or, `compact`,
 * positional params (SSE: `event: sync` / `event: snapshot`).
 */
class PushSyncChannel extends FrameSink implements SyncChannel {
  sendSync(delivery: SyncDelivery, subscription: SharedObjectSubscription): void {
    const { item } = delivery;
    this.sendFrame(this.compact ? delivery.compactFrame : delivery.frame, subscription.id, `version ${item.v} of ${item.n}`);
  }

  sendReset(name: string, version: number, slots: Record<string, unknown>, subscription: SharedObjectSubscription): void {
    this.sendFrame(resetFrame(this.codecs, name, version, slots, this.compact), subscription.id, `reset of ${name} at ${version}`);
  }
}

/**
 * Registers `sharedObject.get`, `sharedObject.update`, `sharedObject.subscribe` and
 * `sharedObject.unsubscribe` (PROTOCOL.md "Shared objects"). Subscriptions need a session that can
 * push (a WebSocket, or the session the SSE route builds), end with the session, and start delivering
 * only once the reply announcing them was written.
 */
export function registerSharedObjectMethods(dispatcher: Dispatcher, service: SharedObjectService, codecs: Codecs, maxSubscriptions?: number): void {
  const subscriptions = new SessionSubscriptions<SharedObjectSubscription>(maxSubscriptions);

  dispatcher.register(SHARED_OBJECT_METHODS.get, async (params, session) => {
    const p = paramsObject(params, ['name'], '{name}');
    return service.get(stringParam(p, 'name', true)!, { client: principalOf(session) });
  }, { target: named('sharedObject', 'name', 'read') });

  dispatcher.register(SHARED_OBJECT_METHODS.update, async (params, session) => {
    const p = paramsObject(params, ['name', 'set', 'delete', 'ifVersion', 'idempotencyKey'], '{name, set?, delete?, ifVersion?, idempotencyKey?}');
    const name = stringParam(p, 'name', true)!;
    // The update's fields are checked once, by the object's actor, whoever sends it.
    const { set, delete: deleted, ifVersion } = p;
    const update = { set, delete: deleted, ifVersion } as SharedObjectUpdate;
    const idempotencyKey = checkIdempotencyKey(p.idempotencyKey);
    return service.update(name, update, { client: principalOf(session) }, {
      callerText: describeSession(session),
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      ...(session.identity?.principal ? { principal: session.identity.principal } : {}),
    });
  }, { target: named('sharedObject', 'name', 'update') });

  dispatcher.register(SHARED_OBJECT_METHODS.subscribe, async (params, session, context) => {
    const p = paramsObject(params, ['name', 'since', 'compact'], '{name, since?, compact?}');
    const name = stringParam(p, 'name', true)!;
    const push = SessionSubscriptions.channel(session, 'GET /shared/{name}/events');
    subscriptions.checkRoom(session);
    // Compact: positional params and a short id, unique on this connection (docs/protocol.md). SSE carries no ids: always named.
    const compact = booleanParam(p, 'compact') && push.encoding !== 'sse';
    const channel = new PushSyncChannel(push, codecs, compact);
    const result = await service.subscribe(name, versionParam(p, 'since'), channel, { client: principalOf(session) }, compact ? push.newSubscriptionId() : undefined);
    subscriptions.add(session, result.subscription);
    context.afterReply(result.activate);
    return {
      subscription: result.subscription.id,
      version: result.version,
      ...(result.slots === undefined ? {} : { slots: result.slots }),
      ...(result.reset ? { reset: true } : {}),
    };
  }, { target: named('sharedObject', 'name', 'read') });

  dispatcher.register(SHARED_OBJECT_METHODS.unsubscribe, async (params, session) => {
    const p = paramsObject(params, ['subscription'], '{subscription}');
    subscriptions.remove(session, stringParam(p, 'subscription', true)!);
    return true;
  });
}
