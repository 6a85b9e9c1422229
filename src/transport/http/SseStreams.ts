import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from '../../protocol/Dispatcher';
import type { Session } from '../../protocol/Session';
import { httpSession } from './HttpResponder';
import { SsePushChannel } from './SsePushChannel';

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' };

/**
 * The Server-Sent Event streams of one routes plugin. `open` runs a subscribe method through the
 * dispatcher with a session whose push channel is the response (`encoding: 'sse'`), then turns the
 * response into an event stream: a first comment or event, keep-alive comments, and an end when the
 * client goes away or the node closes (SSE responses never end by themselves). A HEAD request is
 * subscribed and unsubscribed (so it answers what GET would: 200, or the coded error) and gets the
 * headers only.
 */
export class SseStreams {
  private readonly open = new Set<() => void>();

  /** Streams of this plugin open right now. */
  get size(): number {
    return this.open.size;
  }

  constructor(
    app: FastifyInstance,
    private readonly dispatcher: Dispatcher,
    private readonly keepAliveMs: number,
    /** Unsent bytes a stream may hold at a keep-alive tick before its reader counts as stuck and the stream ends. @default 8 MiB */
    private readonly maxBufferedBytes = 8 * 1024 * 1024,
  ) {
    app.addHook('preClose', async () => {
      for (const close of [...this.open]) close();
    });
  }

  /**
   * Subscribes through `method` with `params`; errors are thrown before anything is written, so the
   * transport answers them as usual. `first(result)` is the stream's first text (a comment or an
   * event), written before anything the subscription delivers.
   */
  async start(request: FastifyRequest, reply: FastifyReply, method: string, params: Record<string, unknown>, first: (result: unknown) => string): Promise<void> {
    const raw = reply.raw;
    const abort = new AbortController();
    // A reader this far behind is not reading: drop the connection (as a WebSocket is terminated).
    // Ending it would wait behind what it does not read. It may resume with Last-Event-ID.
    const push = new SsePushChannel(raw, this.maxBufferedBytes);
    const session: Session = { ...httpSession(request), signal: abort.signal, push };
    const context = this.dispatcher.newContext(session);
    let result: unknown;
    try {
      result = await this.dispatcher.call(method, params, session, context);
    } catch (err) {
      abort.abort();
      throw err;
    }
    if (request.method === 'HEAD') {
      // The headers a GET would get, and the end: a HEAD response has no body to stream.
      abort.abort();
      context.replied();
      await reply.code(200).headers(SSE_HEADERS).send();
      return;
    }
    reply.hijack();
    raw.writeHead(200, SSE_HEADERS);
    raw.write(first(result));
    const keepAlive = setInterval(() => {
      raw.write(': keep-alive\n\n');
      push.checkBacklog();
    }, this.keepAliveMs);
    keepAlive.unref();
    const end = (): void => {
      clearInterval(keepAlive);
      abort.abort();
      this.open.delete(close);
    };
    const close = (): void => {
      end();
      raw.end();
    };
    push.cutOff = (): void => {
      end();
      raw.destroy();
    };
    this.open.add(close);
    request.raw.once('close', end);
    raw.once('close', end);
    context.replied();
  }
}
