import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { ActorGridError } from '../../errors';
import { DESTINATION_METHODS } from '../../protocol/destinationMethods';
import type { Dispatcher } from '../../protocol/Dispatcher';
import { bodyObject } from './bodyObject';
import { httpSession } from './HttpResponder';
import { SseStreams } from './SseStreams';

/** Options of the destination routes. */
export interface DestinationRoutesOptions {
  /** Runs `destination.publish` and `destination.subscribe` (see `registerDestinationMethods`). */
  dispatcher: Dispatcher;
  /** How often an idle SSE stream gets a comment line, so proxies keep it open. @default 15000 */
  keepAliveMs?: number;
  /** Receives the plugin's SSE streams, so the node can count them (metrics). */
  onStreams?: (streams: SseStreams) => void;
  /** Unsent bytes an SSE stream may hold before its reader counts as stuck and the stream ends. @default 8 MiB */
  maxBufferedBytes?: number;
}

function afterFrom(lastEventId: unknown, query: unknown): number | undefined {
  const raw = typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : typeof query === 'string' && query !== '' ? query : undefined;
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) throw new ActorGridError('INVALID_ARGUMENTS', `Last-Event-ID / after must be a sequence number, got ${JSON.stringify(raw)}`, { field: 'after' });
  return Number(raw);
}

/**
 * HTTP for destinations: `POST /destinations/{name}/messages` with `{body, headers?, subtopic?}` →
 * `{seq}`, and `GET /destinations/{name}/events?subtopic=&selector=&after=`, a Server-Sent Events
 * stream whose event ids are sequences (`event: message`, and `event: gap` with `{from, to}`);
 * reconnecting with `Last-Event-ID` resumes right after that message. Both only decode the request
 * and call the dispatcher (`destination.publish`, `destination.subscribe` with a session whose push
 * channel is the SSE response); errors are thrown to the transport's error handler.
 */
async function destinationRoutesPlugin(app: FastifyInstance, options: DestinationRoutesOptions): Promise<void> {
  const { dispatcher } = options;
  const streams = new SseStreams(app, dispatcher, options.keepAliveMs ?? 15000, options.maxBufferedBytes);
  options.onStreams?.(streams);

  app.post<{ Params: { name: string } }>('/destinations/:name/messages', async (request) => {
    const params = { ...bodyObject(request.body, ['body', 'headers', 'subtopic']), destination: request.params.name };
    return dispatcher.call(DESTINATION_METHODS.publish, params, httpSession(request));
  });

  app.get<{ Params: { name: string }; Querystring: Record<string, string | undefined> }>('/destinations/:name/events', async (request, reply) => {
    const params: Record<string, unknown> = { destination: request.params.name };
    const { subtopic, selector } = request.query;
    if (subtopic) params.subtopic = subtopic;
    if (selector) params.selector = selector;
    const after = afterFrom(request.headers['last-event-id'], request.query.after);
    if (after !== undefined) params.after = after;

    await streams.start(request, reply, DESTINATION_METHODS.subscribe, params, (result) => `: subscribed to ${request.params.name} at seq ${(result as { seq: number }).seq}\n\n`);
  });
}

Object.assign(destinationRoutesPlugin, { [Symbol.for('fastify.display-name')]: 'actorgrid-destinations' });

/** The destination routes plugin; see `DestinationRoutesOptions`. */
export const destinationRoutes: FastifyPluginAsync<DestinationRoutesOptions> = destinationRoutesPlugin;
