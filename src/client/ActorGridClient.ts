import WebSocket from 'ws';
import { createActorRef, type ActorRef, type UntypedActor } from '../actor/ActorRef';
import { ActorGridError } from '../errors';
import { ConnectionClosedError, fromJsonRpcError, isRecord, RequestTimeoutError, TransportError } from './clientErrors';
import { createClientCodec, type ClientCodec, type ClientEncoding } from './clientCodec';

/** Options of {@link ActorGridClient}. */
export interface ActorGridClientOptions {
  /**
   * `json` sends text frames, `msgpack` binary frames; replies come back in the same encoding.
   * @default "json"
   */
  encoding?: ClientEncoding;
  /** How long a request waits for its reply; 0 waits forever. @default 30000 */
  requestTimeoutMs?: number;
  /** How long `connect()` waits for the WebSocket handshake. @default 10000 */
  connectTimeoutMs?: number;
  /**
   * Largest request frame sent, in bytes; a larger call is refused locally with PAYLOAD_TOO_LARGE
   * (the node would answer it without an id, so it could not be matched to the call). Keep it at the
   * node's `limits.maxPayloadBytes`; 0 disables the check. @default 1048576
   */
  maxPayloadBytes?: number;
  /** Extra headers of the upgrade request (e.g. `authorization`). */
  headers?: Record<string, string>;
  /**
   * Receives what belongs to no request: error replies without an id (the node could not read a
   * frame), frames this client cannot decode, and exceptions thrown by notification handlers.
   * @default emits a process warning
   */
  onError?: (err: Error) => void;
}

/** Options of one call or request. */
export interface CallOptions {
  /** Applies the call at most once: a repeat with the same key, on any node, returns the first result. At most 128 characters. */
  idempotencyKey?: string;
  /** Overrides the client's `requestTimeoutMs` for this request. */
  timeoutMs?: number;
}

/** A server → client JSON-RPC notification, e.g. `destination.message`. */
export interface Notification {
  method: string;
  params: unknown;
}

interface Pending {
  /** The connection it was sent on: only that connection's close rejects it. */
  socket: WebSocket;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * A client of one actorgrid node over its WebSocket (JSON-RPC 2.0, PROTOCOL.md). Requests run
 * concurrently on the one connection and are matched to their replies by id. Errors the node sends
 * reject with an `ActorGridError` carrying the string code (`err.code`, `err.retryable`); when the
 * connection closes, every request still waiting rejects with a `ConnectionClosedError`
 * (retryable, outcome unknown). The client never retries or reconnects by itself: call `connect()`
 * again (to this node or another) and retry, with idempotency keys for calls that change state.
 *
 * @example
 * const client = new ActorGridClient('http://127.0.0.1:8080', { encoding: 'msgpack' });
 * await client.connect();
 * const n = await client.call('Counter', 'hits', 'increment', [1], { idempotencyKey: 'order-17' });
 * const counter = client.actor<Counter>('Counter', 'hits');
 * await counter.get();
 * await client.close();
 */
export class ActorGridClient {
  /** The WebSocket URL, e.g. `ws://127.0.0.1:8080/ws`. */
  readonly url: string;
  private readonly codec: ClientCodec;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxPayloadBytes: number;
  private readonly headers: Record<string, string> | undefined;
  private readonly onError: (err: Error) => void;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Set<(notification: Notification) => void>();
  private socket: WebSocket | undefined;
  private opening: Promise<void> | undefined;
  private nextId = 1;

  /**
   * @param url the node's WebSocket URL (`ws://host:port/ws`), or its HTTP URL (`http://host:port`,
   *   as the CLI prints it), to which `/ws` is added.
   */
  constructor(url: string, options: ActorGridClientOptions = {}) {
    this.url = webSocketUrl(url);
    this.codec = createClientCodec(options.encoding ?? 'json');
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.headers = options.headers;
    this.onError = options.onError ?? ((err) => process.emitWarning(err));
  }

  /** True while the connection is open. */
  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Opens the connection. Resolves once it is open (at once if it already is); rejects with a
   * `TransportError` (UNAVAILABLE) if the node cannot be reached or refuses the upgrade (a draining
   * node answers 503). After the connection closed, `connect()` opens a new one.
   */
  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  /**
   * Calls `method` of actor `(type, id)` with positional `args` (JSON-RPC `actor.call`) and resolves
   * with its return value (`null` for a method that returns nothing).
   *
   * @example
   * await client.call('Account', 'bob', 'deposit', [100], { idempotencyKey: 'payment-981' });
   */
  call<R = unknown>(type: string, id: string, method: string, args: unknown[] = [], options: CallOptions = {}): Promise<R> {
    const params: Record<string, unknown> = { type, id, method, args };
    if (options.idempotencyKey !== undefined) params.idempotencyKey = options.idempotencyKey;
    return this.request<R>('actor.call', params, `${type}/${id}.${method}`, options.timeoutMs);
  }

  /**
   * Sends any JSON-RPC request (e.g. `destination.subscribe`) and resolves with its result.
   *
   * @example
   * const { subscription } = await client.rpc<{ subscription: string }>('destination.subscribe', { destination: 'news' });
   */
  rpc<R = unknown>(method: string, params?: Record<string, unknown> | unknown[], options: Pick<CallOptions, 'timeoutMs'> = {}): Promise<R> {
    return this.request<R>(method, params, method, options.timeoutMs);
  }

  /**
   * Calls `handler` with every notification the node sends (e.g. `destination.message`). Returns a
   * function that removes it. A handler that throws is reported to `onError`.
   */
  onNotification(handler: (notification: Notification) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /**
   * A typed ref to actor `(type, id)` whose methods are calls over this client (without idempotency
   * keys: use `call` for those).
   *
   * @example
   * const cart = client.actor<ShoppingCart>('ShoppingCart', 'ann');
   * const line = await cart.add('apple', 3); // typed as CartItem
   */
  actor<T = UntypedActor>(type: string, id: string): ActorRef<T> {
    return createActorRef<T>(type, id, (method, args) => this.call(type, id, method, args));
  }

  /**
   * Closes the connection (code 1000) and resolves once it is closed. Requests still waiting reject
   * with a `ConnectionClosedError`. Harmless when not connected.
   */
  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else socket.close(1000, 'client closing');
    // A node that never answers the close frame: give up on the handshake after a while.
    const timer = setTimeout(() => socket.terminate(), this.connectTimeoutMs);
    try {
      await closed;
    } finally {
      clearTimeout(timer);
    }
  }

  private open(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(this.url, { headers: this.headers, handshakeTimeout: this.connectTimeoutMs, perMessageDeflate: false });
      this.socket = socket;
      let opened = false;
      let failure: Error | undefined;
      socket.on('unexpected-response', (_request, response) => {
        failure = new TransportError(`${this.url} refused the WebSocket upgrade with HTTP ${response.statusCode}`, { outcomeUnknown: false });
        response.resume();
        socket.terminate();
      });
      socket.on('error', (err) => {
        failure ??= new TransportError(`WebSocket ${this.url}: ${err.message}`, { cause: err, outcomeUnknown: opened });
      });
      socket.once('open', () => {
        opened = true;
        resolve();
      });
      socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
      socket.once('close', (code, reason) => {
        if (this.socket === socket) this.socket = undefined;
        const why = reason.toString();
        this.rejectAll(
          socket,
          new ConnectionClosedError(
            `the connection to ${this.url} closed (${code}${why ? ` ${why}` : ''}) before the reply arrived; the outcome is unknown (retry with the same idempotency key)`,
            { closeCode: code, ...(why ? { reason: why } : {}) },
            { cause: failure },
          ),
        );
        if (!opened) reject(failure ?? new TransportError(`could not connect to ${this.url} (closed with ${code})`, { outcomeUnknown: false }));
      });
    });
  }

  /** Sends one request; `what` names it in errors, e.g. `Counter/hits.increment`. */
  private request<R>(method: string, params: unknown, what: string, timeoutMs = this.requestTimeoutMs): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const socket = this.socket;
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        reject(new TransportError(`not connected to ${this.url}: call connect() first`, { outcomeUnknown: false }));
        return;
      }
      const id = this.nextId++;
      const message: Record<string, unknown> = { jsonrpc: '2.0', id, method };
      if (params !== undefined) message.params = params;
      let payload: string | Buffer;
      try {
        payload = this.codec.encode(message);
      } catch (err) {
        reject(new ActorGridError('INVALID_ARGUMENTS', `cannot encode the request as ${this.codec.name}: ${(err as Error).message}`, undefined, { cause: err }));
        return;
      }
      const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
      if (this.maxPayloadBytes > 0 && size > this.maxPayloadBytes) {
        reject(new ActorGridError('PAYLOAD_TOO_LARGE', `request of ${size} bytes; at most ${this.maxPayloadBytes}`, { maxPayloadBytes: this.maxPayloadBytes }));
        return;
      }
      const pending: Pending = { socket, resolve: resolve as (value: unknown) => void, reject, timer: undefined };
      if (timeoutMs > 0) {
        pending.timer = setTimeout(() => {
          if (this.pending.delete(id)) reject(new RequestTimeoutError(what, timeoutMs));
        }, timeoutMs);
      }
      this.pending.set(id, pending);
      socket.send(payload, { binary: this.codec.binary }, (err) => {
        if (err && this.settle(id)) reject(new TransportError(`could not send ${what} to ${this.url}: ${err.message}`, { cause: err }));
      });
    });
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    let message: unknown;
    try {
      message = this.codec.decode(toBuffer(data), isBinary);
    } catch (err) {
      this.report(err);
      return;
    }
    for (const entry of Array.isArray(message) ? message : [message]) this.dispatch(entry);
  }

  private dispatch(entry: unknown): void {
    if (!isRecord(entry)) return this.report(new ActorGridError('INVALID_REQUEST', 'the node sent a frame that is no JSON-RPC object'));
    if (typeof entry.method === 'string' && entry.id === undefined) {
      const notification: Notification = { method: entry.method, params: entry.params };
      for (const handler of [...this.handlers]) {
        try {
          handler(notification);
        } catch (err) {
          this.report(err);
        }
      }
      return;
    }
    const pending = typeof entry.id === 'number' ? this.settle(entry.id) : undefined;
    const error = 'error' in entry ? fromJsonRpcError(entry.error) : undefined;
    if (!pending) {
      // id null: the node could not read a frame; anything else is a reply that came after its timeout.
      if (error && entry.id === null) this.report(error);
      return;
    }
    if (error) pending.reject(error);
    else pending.resolve(entry.result);
  }

  /** Removes a pending request and stops its timer; undefined when it was already settled. */
  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }

  private rejectAll(socket: WebSocket, err: Error): void {
    for (const [id, pending] of [...this.pending]) if (pending.socket === socket) this.settle(id)?.reject(err);
  }

  private report(err: unknown): void {
    try {
      this.onError(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // The error hook itself failed: nothing sensible is left to do with it.
    }
  }
}

/** `http://h:p` → `ws://h:p/ws`, `https:` → `wss:`; a `ws:`/`wss:` URL is used as given. */
export function webSocketUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
    if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/ws';
  } else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(`expected an http(s) or ws(s) URL, got ${url}`);
  }
  return parsed.toString();
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
