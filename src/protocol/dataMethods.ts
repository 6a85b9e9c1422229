import { ActorGridError } from '../errors';
import type { DataCall, DataQuery, DataService } from '../data/DataService';
import { parseOrderBy } from '../data/orderBy';
import type { Watch, WatchChannel } from '../data/Watch';
import { Where } from '../data/Where';
import { checkIdempotencyKey } from './callParams';
import type { Codecs } from './Codecs';
import type { Dispatcher } from './Dispatcher';
import { JSONRPC_VERSION } from './JsonRpc';
import { sseEvent } from './NotificationFrame';
import { booleanParam, named, paramsObject, stringParam } from './params';
import { describeSession, type PushChannel, type Session } from './Session';
import { SessionSubscriptions } from './SessionSubscriptions';

/** The method names, for transports that decode a request themselves (the HTTP routes). */
export const DATA_METHODS = {
  create: 'data.create',
  get: 'data.get',
  update: 'data.update',
  delete: 'data.delete',
  query: 'data.query',
  unwatch: 'data.unwatch',
} as const;

/** The notifications a watch gets. */
export const DATA_CHANGE = 'data.change';
export const DATA_RESET = 'data.reset';

/** Watches' notifications over a push channel: JSON-RPC notifications, or SSE `change` / `reset` events (`id` = cursor). */
function watchChannel(push: PushChannel, codecs: Codecs): WatchChannel {
  const send = (method: string, event: string, params: Record<string, unknown>, cursor: string): void => {
    if (push.encoding === 'sse') push.send(sseEvent(event, codecs.json.encode(params), cursor));
    else push.send(codecs[push.encoding].encode({ jsonrpc: JSONRPC_VERSION, method, params }));
  };
  return {
    get bufferedBytes() {
      return push.bufferedBytes;
    },
    sendChange: (change) => send(DATA_CHANGE, 'change', change as unknown as Record<string, unknown>, change.cursor),
    sendReset: (watch, collection, records, cursor) => send(DATA_RESET, 'reset', { watch, collection, records, cursor }, cursor),
  };
}

function wholeNumber(p: Record<string, unknown>, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = p[field];
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new ActorGridError('INVALID_ARGUMENTS', `${field} must be a whole number from ${min} to ${max}`, { field });
  }
  return value as number;
}

function callOf(p: Record<string, unknown>, session: Session): DataCall {
  const idempotencyKey = checkIdempotencyKey(p.idempotencyKey);
  const principal = session.identity?.principal;
  return { callerText: describeSession(session), ...(idempotencyKey === undefined ? {} : { idempotencyKey }), ...(principal ? { principal } : {}) };
}

/** What a data method reaches: the collection, with `op`. */
const collection = (op: string) => named('collection', 'collection', op);

/**
 * Registers `data.create`, `data.get`, `data.update`, `data.delete`, `data.query` and `data.unwatch`
 * (PROTOCOL.md "Data"). Watches need a session that can push (a WebSocket, or the session the SSE
 * route builds), end with the session, and start delivering once the reply announcing them was
 * written.
 */
export function registerDataMethods(dispatcher: Dispatcher, service: DataService, codecs: Codecs, limits: { maxResults: number; maxSubscriptions?: number; maxSelectorLength?: number }): void {
  const watches = new SessionSubscriptions<Watch>(limits.maxSubscriptions);

  dispatcher.register(DATA_METHODS.create, async (params, session) => {
    const p = paramsObject(params, ['collection', 'id', 'value', 'idempotencyKey'], '{collection, id?, value, idempotencyKey?}');
    return service.create(stringParam(p, 'collection', true)!, stringParam(p, 'id', false), p.value, callOf(p, session));
  }, { target: collection('create') });

  dispatcher.register(DATA_METHODS.get, async (params, session, context) => {
    const p = paramsObject(params, ['collection', 'id', 'watch'], '{collection, id, watch?}');
    const collection = stringParam(p, 'collection', true)!;
    const id = stringParam(p, 'id', true)!;
    if (!booleanParam(p, 'watch')) return service.get(collection, id);
    const push = SessionSubscriptions.channel(session, 'GET /data/{collection}/events');
    watches.checkRoom(session);
    const result = await service.watch(collection, { id }, watchChannel(push, codecs));
    watches.add(session, result.watch);
    context.afterReply(result.activate);
    const record = result.records[0];
    return { ...(record ?? { id, version: 0, value: null }), watch: result.watch.id, cursor: result.cursor };
  }, { target: collection('read') });

  dispatcher.register(DATA_METHODS.update, async (params, session) => {
    const p = paramsObject(params, ['collection', 'id', 'set', 'value', 'ifVersion', 'idempotencyKey'], '{collection, id, set?, value?, ifVersion?, idempotencyKey?}');
    const { set, value, ifVersion } = p;
    return service.update(stringParam(p, 'collection', true)!, stringParam(p, 'id', true)!, { set, value, ifVersion }, callOf(p, session));
  }, { target: collection('update') });

  dispatcher.register(DATA_METHODS.delete, async (params, session) => {
    const p = paramsObject(params, ['collection', 'id', 'ifVersion', 'idempotencyKey'], '{collection, id, ifVersion?, idempotencyKey?}');
    return service.delete(stringParam(p, 'collection', true)!, stringParam(p, 'id', true)!, wholeNumber(p, 'ifVersion', 0), callOf(p, session));
  }, { target: collection('delete') });

  dispatcher.register(DATA_METHODS.query, async (params, session, context) => {
    const p = paramsObject(params, ['collection', 'where', 'orderBy', 'limit', 'offset', 'watch', 'after'], '{collection, where?, orderBy?, limit?, offset?, watch?, after?}');
    const collection = stringParam(p, 'collection', true)!;
    const limit = wholeNumber(p, 'limit', 1, limits.maxResults);
    const offset = wholeNumber(p, 'offset', 0);
    const query: DataQuery = { where: Where.parse(p.where, service.registry.resolve(collection).uniform, limits.maxSelectorLength), orderBy: parseOrderBy(p.orderBy), ...(limit === undefined ? {} : { limit }), ...(offset === undefined ? {} : { offset }) };
    const watch = booleanParam(p, 'watch');
    const after = stringParam(p, 'after', false);
    if (!watch) {
      if (after !== undefined) throw new ActorGridError('INVALID_ARGUMENTS', 'after resumes a watch: give watch: true', { field: 'after' });
      return service.query(collection, query);
    }
    if (offset !== undefined) throw new ActorGridError('INVALID_ARGUMENTS', 'a watched query takes no offset (watch a window with orderBy and limit)', { field: 'offset' });
    const push = SessionSubscriptions.channel(session, 'GET /data/{collection}/events');
    watches.checkRoom(session);
    const result = await service.watch(collection, query, watchChannel(push, codecs), after);
    watches.add(session, result.watch);
    context.afterReply(result.activate);
    return { records: result.records, cursor: result.cursor, watch: result.watch.id, ...(result.reset ? { reset: true } : {}) };
  }, { target: collection('read') });

  dispatcher.register(DATA_METHODS.unwatch, async (params, session) => {
    const p = paramsObject(params, ['watch'], '{watch}');
    watches.remove(session, stringParam(p, 'watch', true)!, 'watch');
    return true;
  });
}
