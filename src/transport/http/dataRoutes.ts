import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ActorGridError } from '../../errors';
import { DATA_METHODS } from '../../protocol/dataMethods';
import type { Dispatcher } from '../../protocol/Dispatcher';
import { sseEvent } from '../../protocol/NotificationFrame';
import { bodyObject } from './bodyObject';
import { httpSession } from './HttpResponder';
import { SseStreams } from './SseStreams';
import { noneMatch, versionHeader, withPrecondition } from './versionHeaders';

/** Options of the data routes. */
export interface DataRoutesOptions {
  /** Runs the `data.*` methods (see `registerDataMethods`). */
  dispatcher: Dispatcher;
  /** How often an idle SSE stream gets a comment line, so proxies keep it open. @default 15000 */
  keepAliveMs?: number;
  /** Receives the plugin's SSE streams, so the node can count them (metrics). */
  onStreams?: (streams: SseStreams) => void;
  /** Unsent bytes an SSE stream may hold before its reader counts as stuck and the stream ends. @default 8 MiB */
  maxBufferedBytes?: number;
}

type Query = Record<string, string | undefined>;

/** `where`, `orderBy` (`priority,-title`: a leading `-` sorts descending), `limit`, `offset` from a URL. */
function queryParams(request: FastifyRequest): Record<string, unknown> {
  const q = request.query as Query;
  const number = (field: string): number | undefined => {
    const text = q[field];
    if (text === undefined) return undefined;
    if (!/^\d{1,15}$/.test(text)) throw new ActorGridError('INVALID_ARGUMENTS', `${field} must be a whole number`, { field });
    return Number(text);
  };
  const limit = number('limit');
  const offset = number('offset');
  return {
    ...(q.where === undefined ? {} : { where: q.where }),
    ...(q.orderBy === undefined ? {} : { orderBy: q.orderBy.split(',').filter((f) => f !== '') }),
    ...(limit === undefined ? {} : { limit }),
    ...(offset === undefined ? {} : { offset }),
  };
}


/**
 * HTTP for collections (PROTOCOL.md "Data"): `GET /data/{collection}?where=&orderBy=&limit=&offset=`
 * → `{records, cursor}`; `GET /data/{collection}/{id}` → the record with `ETag: "<version>"` (304 on
 * a matching If-None-Match, NOT_FOUND when absent); `POST /data/{collection}` with `{id?, value}`;
 * `PATCH /data/{collection}/{id}` with `{set}` or `{value}` and optional `If-Match` (412 on a
 * conflict); `DELETE /data/{collection}/{id}` (optional `If-Match`); `Idempotency-Key` on the
 * writes. `GET /data/{collection}/events?where=&orderBy=&limit=` is Server-Sent Events: `snapshot`
 * (`{records, cursor}`), then `change` and `reset` events, `id` = cursor, resumed with Last-Event-ID.
 * Each route decodes and calls the dispatcher, nothing else.
 */
async function dataRoutesPlugin(app: FastifyInstance, options: DataRoutesOptions): Promise<void> {
  const { dispatcher } = options;
  const streams = new SseStreams(app, dispatcher, options.keepAliveMs ?? 15000, options.maxBufferedBytes);
  options.onStreams?.(streams);
  const key = (request: FastifyRequest): Record<string, string> => {
    const value = request.headers['idempotency-key'];
    return typeof value === 'string' ? { idempotencyKey: value } : {};
  };

  app.get('/data/:collection/events', async (request, reply) => {
    const { collection } = request.params as { collection: string };
    const lastEventId = request.headers['last-event-id'];
    const after = typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : undefined;
    const params = { ...queryParams(request), collection, watch: true, ...(after === undefined ? {} : { after }) };
    await streams.start(request, reply, DATA_METHODS.query, params, (result) => {
      const { records, cursor, reset } = result as { records: unknown[]; cursor: string; reset?: boolean };
      if (after !== undefined && !reset) return `: resuming ${collection} after ${cursor}\n\n`;
      return sseEvent('snapshot', JSON.stringify({ collection, records, cursor }), cursor);
    });
    return reply;
  });

  app.get('/data/:collection', async (request) => {
    const { collection } = request.params as { collection: string };
    return dispatcher.call(DATA_METHODS.query, { ...queryParams(request), collection }, httpSession(request));
  });

  app.get('/data/:collection/:id', async (request, reply) => {
    const { collection, id } = request.params as { collection: string; id: string };
    const record = (await dispatcher.call(DATA_METHODS.get, { collection, id }, httpSession(request))) as { version: number } | null;
    if (!record) throw new ActorGridError('NOT_FOUND', `no record ${JSON.stringify(id)} in collection ${collection}`, { collection, id });
    reply.header('etag', `"${record.version}"`);
    if (noneMatch(request.headers['if-none-match'], record.version)) return reply.code(304).send();
    return record;
  });

  app.post('/data/:collection', async (request, reply) => {
    const { collection } = request.params as { collection: string };
    const params = { ...bodyObject(request.body, ['id', 'value']), collection, ...key(request) };
    const result = (await dispatcher.call(DATA_METHODS.create, params, httpSession(request))) as { version: number };
    reply.code(201).header('etag', `"${result.version}"`);
    return result;
  });

  app.patch('/data/:collection/:id', async (request, reply) => {
    const { collection, id } = request.params as { collection: string; id: string };
    const ifVersion = versionHeader(request.headers['if-match'], 'If-Match');
    const params = { ...bodyObject(request.body, ['set', 'value']), collection, id, ...(ifVersion === undefined ? {} : { ifVersion }), ...key(request) };
    return withPrecondition(ifVersion, async () => {
      const result = (await dispatcher.call(DATA_METHODS.update, params, httpSession(request))) as { version: number };
      reply.header('etag', `"${result.version}"`);
      return result;
    }, reply);
  });

  app.delete('/data/:collection/:id', async (request, reply) => {
    const { collection, id } = request.params as { collection: string; id: string };
    const ifVersion = versionHeader(request.headers['if-match'], 'If-Match');
    const params = { collection, id, ...(ifVersion === undefined ? {} : { ifVersion }), ...key(request) };
    return withPrecondition(ifVersion, () => dispatcher.call(DATA_METHODS.delete, params, httpSession(request)), reply);
  });
}

Object.assign(dataRoutesPlugin, { [Symbol.for('fastify.display-name')]: 'actorgrid-data' });

/** The data routes plugin; see `DataRoutesOptions`. */
export const dataRoutes: FastifyPluginAsync<DataRoutesOptions> = dataRoutesPlugin;
