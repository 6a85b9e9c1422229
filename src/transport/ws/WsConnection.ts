import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { ActorGridError, UnavailableError } from '../../errors';
import {
  encodeReply,
  isJsonRpcId,
  notification,
  type Codec,
  type Codecs,
  type Dispatcher,
  type JsonRpcReply,
  type JsonRpcResponse,
  type Session,
} from '../../protocol';
import type { CodecName } from '../../protocol/Codec';
import { WsPushChannel } from './WsPushChannel';

/** What one connection needs from the transport. */
export interface WsConnectionOptions {
  dispatcher: Dispatcher;
  codecs: Codecs;
  /** Largest frame answered normally; larger ones (up to ws's `maxPayload`) get PAYLOAD_TOO_LARGE. */
  maxPayloadBytes: number;
  /** Frames in flight at which the connection stops reading from its socket until one finishes. */
  maxInFlight: number;
  /** The peer's address. */
  remote?: string;
  /** The upgrade request's credentials (its `Authorization` header, or `?access_token=`). */
  credentials?: string;
  /** Counts payload bytes in and out (metrics). */
  countBytes?: (direction: 'in' | 'out', bytes: number) => void;
  /** Bytes that may wait unsent on the socket; past it the client is not reading, and the connection is dropped. @default unlimited */
  maxBufferedBytes?: number;
  /** How often the node pings; a connection that did not answer the previous ping is dropped. 0 = never. @default 0 */
  pingIntervalMs?: number;
}

/**
 * One WebSocket connection speaking JSON-RPC: text frames carry JSON, binary frames msgpack, and
 * each reply uses the encoding of its request. A frame that cannot be decoded is answered with a
 * -32700 error (id null) in the frame's encoding; a frame over the size limit with PAYLOAD_TOO_LARGE
 * (id null: the frame is not read). The connection stays open either way. A text frame that is not
 * valid UTF-8 is a WebSocket protocol error: ws closes the connection with 1007.
 *
 * Frames run concurrently, at most `maxInFlight` at a time. At the limit the connection pauses its
 * socket (TCP back-pressure on the client) and queues the few frames ws had already read; it runs
 * them, in order, as slots free up, and resumes reading once the queue is empty. Nothing a client
 * sends can throw out of the socket's event handlers.
 */
/** The notification a connection gets when its node starts draining (then its running requests are answered and it is closed with 1001). */
export const NODE_DRAINING = 'node.draining';

export class WsConnection {
  /** The session handlers see: id, `transport: 'ws'`, remote, `notify` and `signal`. */
  readonly session: Session;
  private readonly abort = new AbortController();
  private inFlight = 0;
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  /** Frames read while at the limit; bounded, because the socket is paused meanwhile. */
  private readonly queued: { data: WebSocket.RawData; isBinary: boolean }[] = [];
  /** Notifications use the encoding the client last sent; JSON until it sends a binary frame. */
  private notifyCodec: Codec;

  constructor(
    readonly socket: WebSocket,
    private readonly options: WsConnectionOptions,
  ) {
    this.notifyCodec = options.codecs.json;
    this.session = {
      id: randomUUID(),
      transport: 'ws',
      ...(options.remote === undefined ? {} : { remote: options.remote }),
      notify: (method, params) => this.notify(method, params),
      signal: this.abort.signal,
      identity: options.credentials === undefined ? {} : { credentials: options.credentials },
      close: (code, reason) => socket.close(code, reason),
      push: new WsPushChannel(this),
    };
    socket.on('message', (data, isBinary) => {
      if (this.inFlight < options.maxInFlight) this.onMessage(data, isBinary);
      else this.queued.push({ data, isBinary });
    });
    socket.once('close', () => {
      this.abort.abort();
      this.settleIdle();
    });
    if (options.pingIntervalMs) this.keepAlive(options.pingIntervalMs);
  }

  /** Pings every `everyMs`; a peer that did not pong since the last ping is gone (a dead network, a frozen client): drop it. */
  private keepAlive(everyMs: number): void {
    let answered = true;
    this.socket.on('pong', () => (answered = true));
    const timer = setInterval(() => {
      if (!answered) {
        this.socket.terminate();
        return;
      }
      answered = false;
      if (this.socket.readyState === WebSocket.OPEN) this.socket.ping();
    }, everyMs);
    timer.unref();
    this.socket.once('close', () => clearInterval(timer));
  }

  /** The encoding notifications use now: the one the client last sent. */
  get notifyEncoding(): CodecName {
    return this.notifyCodec.name;
  }

  /** Frames received and not yet answered, queued ones included. */
  get pending(): number {
    return this.inFlight + this.queued.length;
  }

  /** Sends a notification, encoded once. False when the socket is no longer open; throws if `params` cannot be encoded. */
  notify(method: string, params: unknown): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    const codec = this.notifyCodec;
    this.send(codec.encode(notification(method, params)), codec.binary);
    return true;
  }

  /** Sends a frame encoded elsewhere (a pushed message): binary when told, else text for a string, binary for a Buffer. */
  sendFrame(frame: string | Buffer, binary = typeof frame !== 'string'): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    this.send(frame, binary);
    return true;
  }

  private send(payload: string | Buffer, binary: boolean): void {
    const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    this.options.countBytes?.('out', length);
    this.corkUntilNextTick();
    this.socket.send(payload, { binary });
    if (this.corked) this.corkedBytes += length;
    // Replies to a client that does not read would pile up without bound: it goes instead.
    // A close frame would wait behind what it does not read, so the connection is dropped at once.
    if (this.backlog > (this.options.maxBufferedBytes ?? Number.POSITIVE_INFINITY)) this.socket.terminate();
  }

  /**
   * Frames sent in the same tick (a batch's replies, the deliveries of one message to the
   * subscriptions of one connection) leave in one write: the TCP socket is corked at the first and
   * uncorked on the next tick, instead of one write per frame. ws keeps its TCP socket in `_socket`.
   */
  private corkUntilNextTick(): void {
    if (this.corked) return;
    const tcp = (this.socket as unknown as { _socket?: { cork?: () => void; uncork?: () => void } })._socket;
    if (typeof tcp?.cork !== 'function' || typeof tcp.uncork !== 'function') return;
    tcp.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      this.corkedBytes = 0;
      tcp.uncork!();
    });
  }

  private corked = false;
  /** Bytes sent while corked, this tick: not a backlog, they have not been offered to the socket yet. */
  private corkedBytes = 0;

  /** What waits in the socket's buffers beyond this tick's frames: what the client has not read. */
  get backlog(): number {
    return Math.max(0, this.socket.bufferedAmount - this.corkedBytes);
  }

  /**
   * Stops taking requests — from now on each request is answered UNAVAILABLE (retryable) by id — and
   * resolves once the requests already running have been answered (or the socket closed).
   */
  drain(): Promise<void> {
    if (!this.draining) {
      // Tell the client first, so that it sends new requests elsewhere instead of getting UNAVAILABLE.
      try {
        this.notify(NODE_DRAINING, {});
      } catch {
        // a socket that cannot take a frame is closing anyway
      }
    }
    this.draining = true;
    if (this.pending === 0 || this.socket.readyState !== WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const { dispatcher, codecs } = this.options;
    const codec = isBinary ? codecs.msgpack : codecs.json;
    try {
      this.notifyCodec = codec;
      const bytes = toBuffer(data);
      this.options.countBytes?.('in', bytes.length);
      if (bytes.length > this.options.maxPayloadBytes) {
        const err = new ActorGridError('PAYLOAD_TOO_LARGE', `frame of ${bytes.length} bytes; at most ${this.options.maxPayloadBytes}`, {
          maxPayloadBytes: this.options.maxPayloadBytes,
        });
        this.reply(codec, dispatcher.errorResponse(err, null));
        return;
      }
      let message: unknown;
      try {
        message = codec.decode(bytes);
      } catch (err) {
        this.reply(codec, dispatcher.errorResponse(err, null, { session: this.session }));
        return;
      }
      if (this.draining) {
        this.reply(codec, this.refuse(message));
        return;
      }
      // Handlers' after-reply work (a subscription starting to deliver) runs once the reply is queued on the socket.
      const context = dispatcher.newContext(this.session);
      this.track(
        dispatcher
          .handle(message, this.session, context)
          .then((out) => this.reply(codec, out))
          .finally(() => context.replied()),
      );
    } catch (err) {
      // Only a bug gets here; report it and keep the connection.
      dispatcher.reportIfInternal(err, { session: this.session });
    }
  }

  /** UNAVAILABLE for every request (not notification) in a message that arrived while draining. */
  private refuse(message: unknown): JsonRpcReply | undefined {
    const err = new UnavailableError('the node is draining');
    const entries = Array.isArray(message) ? message : [message];
    const ids = entries.flatMap((entry) => {
      const id = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : null;
      return id === undefined ? [] : [isJsonRpcId(id) ? id : null];
    });
    const responses: JsonRpcResponse[] = ids.map((id) => this.options.dispatcher.errorResponse(err, id));
    if (responses.length === 0) return undefined;
    return Array.isArray(message) ? responses : responses[0];
  }

  private track(work: Promise<void>): void {
    this.inFlight += 1;
    if (this.inFlight >= this.options.maxInFlight && !this.socket.isPaused) this.socket.pause();
    work
      .catch((err: unknown) => this.options.dispatcher.reportIfInternal(err, { session: this.session }))
      .finally(() => this.finished());
  }

  private finished(): void {
    this.inFlight -= 1;
    if (this.socket.readyState !== WebSocket.OPEN) {
      this.queued.length = 0;
    }
    while (this.inFlight < this.options.maxInFlight && this.queued.length > 0) {
      const { data, isBinary } = this.queued.shift() as { data: WebSocket.RawData; isBinary: boolean };
      this.onMessage(data, isBinary);
    }
    if (this.socket.isPaused && this.queued.length === 0 && this.inFlight < this.options.maxInFlight && this.socket.readyState === WebSocket.OPEN) {
      this.socket.resume();
    }
    if (this.pending === 0) this.settleIdle();
  }

  private settleIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Sends a reply if there is one and the socket is still open (a closed client's answers are dropped). */
  private reply(codec: Codec, out: JsonRpcReply | undefined): void {
    if (out === undefined || this.socket.readyState !== WebSocket.OPEN) return;
    const payload = encodeReply(codec, out, this.options.dispatcher, this.session);
    this.send(payload, codec.binary);
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
