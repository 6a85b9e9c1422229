import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { DestinationService, SubscribeInput } from '../../destinations/DestinationService';
import type { SubscriberSink } from '../../destinations/Subscription';
import { ActorGridError } from '../../errors';
import { checkPublishParams } from '../../protocol/destinationMethods';
import type { Session } from '../../protocol/Session';

/** Options of the destination routes. */
export interface DestinationRoutesOptions {
  destinations: DestinationService;
  /** How often an idle SSE stream gets a comment line, so proxies keep it open. @default 15000 */
  keepAliveMs?: number;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ActorGridError('INVALID_ARGUMENTS', 'the body must be a JSON object {body, headers?, subtopic?}', { field: 'body' });
  }
  for (const key of Object.keys(body)) {
    if (!['body', 'headers', 'subtopic'].includes(key)) throw new ActorGridError('INVALID_ARGUMENTS', `unknown field "${key}"`, { field: key });
  }
  return body as Record<string, unknown>;
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
 * reconnecting with `Last-Event-ID` resumes right after that message.
 */
async function destinationRoutesPlugin(app: FastifyInstance, options: DestinationRoutesOptions): Promise<void> {
  const { destinations } = options;
  const keepAliveMs = options.keepAliveMs ?? 15000;
  const open = new Set<() => void>();
  // SSE responses never end by themselves: end them when the node closes, or close() would wait forever.
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.post<{ Params: { name: string } }>('/destinations/:name/messages', async (request) => {
    const session: Session = { id: String(request.id), transport: 'http', remote: request.ip };
    return destinations.publish(request.params.name, checkPublishParams(objectBody(request.body)), { session });
  });

  app.get<{ Params: { name: string }; Querystring: Record<string, string | undefined> }>('/destinations/:name/events', async (request, reply) => {
    const session: Session = { id: String(request.id), transport: 'http', remote: request.ip };
    const input: SubscribeInput = {};
    const { subtopic, selector } = request.query;
    if (subtopic) input.subtopic = subtopic;
    if (selector) input.selector = selector;
    const after = afterFrom(request.headers['last-event-id'], request.query.after);
    if (after !== undefined) input.after = after;

    const raw = reply.raw;
    const sink: SubscriberSink = {
      get bufferedBytes() {
        return raw.writableLength;
      },
      message: (_id, encoded) => void raw.write(encoded.sse()),
      gap: (_id, destination, from, to) => void raw.write(`event: gap\ndata: ${JSON.stringify({ destination, from, to })}\n\n`),
    };
    const { subscription, seq, activate } = await destinations.subscribe(request.params.name, input, sink, { session });
    reply.hijack();
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.write(`: subscribed to ${request.params.name} at seq ${seq}\n\n`);
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), keepAliveMs);
    keepAlive.unref();
    const end = (): void => {
      clearInterval(keepAlive);
      destinations.unsubscribe(subscription);
      open.delete(close);
    };
    const close = (): void => {
      end();
      raw.end();
    };
    open.add(close);
    request.raw.once('close', end);
    raw.once('close', end);
    activate();
  });
}

Object.assign(destinationRoutesPlugin, { [Symbol.for('fastify.display-name')]: 'actorgrid-destinations' });

/** The destination routes plugin; see `DestinationRoutesOptions`. */
export const destinationRoutes: FastifyPluginAsync<DestinationRoutesOptions> = destinationRoutesPlugin;
