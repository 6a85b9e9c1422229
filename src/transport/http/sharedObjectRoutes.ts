import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ActorGridError } from '../../errors';
import type { Dispatcher } from '../../protocol/Dispatcher';
import { sseEvent } from '../../protocol/NotificationFrame';
import { SHARED_OBJECT_METHODS } from '../../protocol/sharedObjectMethods';
import { routeNotFound } from './httpErrors';
import { bodyObject } from './bodyObject';
import { httpSession } from './HttpResponder';
import { SseStreams } from './SseStreams';
import { noneMatch, versionHeader, withPrecondition } from './versionHeaders';

/** Options of the shared-object routes. */
export interface SharedObjectRoutesOptions {
  /** Runs the `sharedObject.*` methods (see `registerSharedObjectMethods`). */
  dispatcher: Dispatcher;
  /** How often an idle SSE stream gets a comment line, so proxies keep it open. @default 15000 */
  keepAliveMs?: number;
  /** Receives the plugin's SSE streams, so the node can count them (metrics). */
  onStreams?: (streams: SseStreams) => void;
  /** Unsent bytes an SSE stream may hold before its reader counts as stuck and the stream ends. @default 8 MiB */
  maxBufferedBytes?: number;
}

const PREFIX = '/shared/';

/**
 * The object's name from the raw URL (`/shared/{name}` or `/shared/{name}/events`), percent-decoded,
 * so that a name of up to 256 characters, or holding an encoded slash, stays whole.
 */
function target(request: FastifyRequest): { name: string; events: boolean } {
  const path = request.url.split('?', 1)[0];
  if (!path.startsWith(PREFIX)) throw routeNotFound(request.method, request.url);
  let tail = path.slice(PREFIX.length);
  const events = tail.endsWith('/events');
  if (events) tail = tail.slice(0, -'/events'.length);
  if (tail === '' || tail.includes('/')) throw routeNotFound(request.method, request.url);
  try {
    return { name: decodeURIComponent(tail), events };
  } catch {
    throw new ActorGridError('INVALID_ARGUMENTS', 'the name is not valid percent-encoding', { field: 'name' });
  }
}

/**
 * HTTP for shared objects (PROTOCOL.md): `GET /shared/{name}` → `{version, slots}` with
 * `ETag: "<version>"` (and 304 for a matching `If-None-Match`); `PATCH /shared/{name}` with
 * `{set?, delete?}`, optional `If-Match: "<version>"` (→ `ifVersion`, 412 on conflict) and
 * `Idempotency-Key` → `{version}`; `GET /shared/{name}/events`, Server-Sent Events: `event: snapshot`
 * (`{name, version, set, reset: true}`) then `event: sync` per version, `id` = version, resumed with
 * `Last-Event-ID`. Each route decodes and calls the dispatcher, nothing else.
 */
async function sharedObjectRoutesPlugin(app: FastifyInstance, options: SharedObjectRoutesOptions): Promise<void> {
  const { dispatcher } = options;
  const streams = new SseStreams(app, dispatcher, options.keepAliveMs ?? 15000, options.maxBufferedBytes);
  options.onStreams?.(streams);

  app.get('/shared/*', async (request, reply) => {
    const { name, events } = target(request);
    if (events) {
      const since = versionHeader(request.headers['last-event-id'], 'Last-Event-ID');
      const params = { name, ...(since === undefined ? {} : { since }) };
      await streams.start(request, reply, SHARED_OBJECT_METHODS.subscribe, params, (result) => {
        const { version, slots } = result as { version: number; slots?: Record<string, unknown> };
        // A fresh subscriber (or one whose Last-Event-ID is gone) starts from a snapshot; a resumed one from a comment.
        return slots === undefined ? `: resuming ${name} after version ${version}\n\n` : sseEvent('snapshot', JSON.stringify({ name, version, set: slots, reset: true }), version);
      });
      return reply;
    }
    const result = (await dispatcher.call(SHARED_OBJECT_METHODS.get, { name }, httpSession(request))) as { version: number };
    const etag = `"${result.version}"`;
    reply.header('etag', etag);
    if (noneMatch(request.headers['if-none-match'], result.version)) return reply.code(304).send();
    return result;
  });

  app.patch('/shared/*', async (request, reply) => {
    const { name, events } = target(request);
    if (events) throw routeNotFound(request.method, request.url);
    const ifVersion = versionHeader(request.headers['if-match'], 'If-Match');
    const key = request.headers['idempotency-key'];
    const params = {
      ...bodyObject(request.body, ['set', 'delete']),
      name,
      ...(ifVersion === undefined ? {} : { ifVersion }),
      ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
    };
    return withPrecondition(ifVersion, async () => {
      const result = (await dispatcher.call(SHARED_OBJECT_METHODS.update, params, httpSession(request))) as { version: number };
      reply.header('etag', `"${result.version}"`);
      return result;
    }, reply);
  });
}

Object.assign(sharedObjectRoutesPlugin, { [Symbol.for('fastify.display-name')]: 'actorgrid-shared-objects' });

/** The shared-object routes plugin; see `SharedObjectRoutesOptions`. */
export const sharedObjectRoutes: FastifyPluginAsync<SharedObjectRoutesOptions> = sharedObjectRoutesPlugin;
