import { createActorRef, type ActorRef, type UntypedActor } from '../actor/ActorRef';
import { ActorGridError } from '../errors';
import { ConnectionClosedError, fromJsonRpcError, isRecord, RequestTimeoutError, TransportError } from './clientErrors';
import { createClientCodec, utf8Length, type ClientCodec } from './clientCodec';
import { clientSettings, type ActorGridClientOptions, type CallOptions, type ClientSettings, type ConnectionState, type Notification, type StateChange } from './clientOptions';
import { backoffDelay, NodeList } from './NodeList';
import { Destination } from './DestinationSubscription';
import { Collection } from './LiveQuery';
import { SharedObjectClient } from './SharedObjectReplica';
import { newIdempotencyKey, type Op } from './clientRequest';
import type { ClientSocket, SocketConnector } from './ClientSocket';
import { chooseConnector, reportUnhandled } from './platform';
import { ClientListeners } from './ClientListeners';

/** What a node sends before it stops taking requests on a connection (docs/protocol.md). */
const NODE_DRAINING = 'node.draining';

/**
 * A client of an actorgrid cluster over WebSocket (JSON-RPC 2.0, PROTOCOL.md), connected to one
 * node at a time. Requests run concurrently on the connection and are matched to replies by id.
 *
 * Failover (unless `reconnect: false`): when the connection is lost the client reconnects to a
 * known node (the URLs given, plus those `GET /cluster` lists) with exponential backoff and full
 * jitter, until `close()`. Every `call` carries an idempotency key (a random one when the caller
 * gives none), so a call whose connection dropped is sent again on the next connection and applied
 * once; calls failing with a retryable error (LOCK_TIMEOUT, CONFLICT, UNAVAILABLE) are retried; all
 * within the call's timeout. Requests made while reconnecting wait for the connection. Other errors
 * reject at once with an `ActorGridError` (`err.code`, `err.retryable`). Requests other than `call`
 * (`rpc`) that were on a lost connection reject with `ConnectionClosedError` (outcome unknown).
 *
 * @example
 * const client = new ActorGridClient(['http://10.0.0.1:8080', 'http://10.0.0.2:8080'], { encoding: 'msgpack' });
 * client.onStateChange(({ state }) => console.log(state)); // connecting, open, reconnecting, open, …
 * await client.connect();
 * const n = await client.call('Counter', 'hits', 'increment', [1], { idempotencyKey: 'order-17' });
 * const counter = client.actor<Counter>('Counter', 'hits');
 * await counter.get();
 * await client.close();
 */
export class ActorGridClient {
  private readonly nodes: NodeList;
  private readonly codec: ClientCodec;
  private readonly settings: ClientSettings;
  private readonly listeners: ClientListeners;
  /** Opens sockets: `ws` in Node, the standard WebSocket in browsers or when given. */
  private readonly connector: SocketConnector;
  /** Every request not settled yet. */
  private readonly ops = new Set<Op>();
  /** Requests on the wire, by wire id. */
  private readonly sent = new Map<number, Op>();
  /** Requests waiting for a connection, in the order they were made. */
  private readonly waiting = new Set<Op>();
  private current: ConnectionState = 'closed';
  private socket: ClientSocket | undefined;
  /** A socket whose node is draining (`node.draining`): nothing new goes out on it. */
  private leaving: ClientSocket | undefined;
  private lastUrl: string | undefined;
  private opening: Promise<void> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private nextId = 1;

  /**
   * @param urls one node URL or several: WebSocket (`ws://host:port/ws`) or HTTP (`http://host:port`,
   *   as the CLI prints it), to which `/ws` is added.
   */
  constructor(urls: string | readonly string[], options: ActorGridClientOptions = {}) {
    this.nodes = new NodeList([...(typeof urls === 'string' ? [urls] : urls), ...(options.urls ?? [])]);
    this.codec = createClientCodec(options.encoding ?? 'json');
    this.settings = clientSettings(options);
    this.listeners = new ClientListeners(options.onError ?? reportUnhandled);
    this.connector = chooseConnector(options.WebSocket);
    if (options.onStateChange) this.listeners.onStateChange(options.onStateChange);
  }

  /** The WebSocket URL of the node connected to, or last connected or tried. */
  get url(): string {
    return this.lastUrl ?? this.nodes.urls[0];
  }

  /** Every node URL known (WebSocket form): those given, then those learned from `GET /cluster`. */
  get urls(): readonly string[] {
    return this.nodes.urls;
  }

  /**
   * `connecting` (first `connect()`), `open`, `reconnecting` (connection lost; requests wait),
   * `closed` (before `connect()`, after `close()`, or after a loss with `reconnect: false`).
   */
  get state(): ConnectionState {
    return this.current;
  }

  /** True while the connection is open. */
  get connected(): boolean {
    return this.current === 'open' && this.socket?.isOpen === true && this.socket !== this.leaving;
  }

  /** Requests made and not settled yet (on the wire, waiting for a connection, or waiting to retry). */
  get inFlight(): number {
    return this.ops.size;
  }

  /**
   * Opens the connection: tries every known node once, in random order. Resolves once one is open
   * (at once if it already is; when reconnecting, once the client is back); rejects with a
   * `TransportError` (UNAVAILABLE) if none can be reached or all refuse the upgrade (a draining
   * node answers 503). After `close()`, `connect()` opens a new connection.
   */
  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.opening ??= this.firstConnect().finally(() => (this.opening = undefined));
    return this.opening;
  }

  /**
   * Calls `method` of actor `(type, id)` with positional `args` (JSON-RPC `actor.call`) and resolves
   * with its return value (`null` for a method that returns nothing). Carries `idempotencyKey`, or a
   * random key, so that re-sending it after a failover applies it once.
   *
   * @example
   * await client.call('Account', 'bob', 'deposit', [100], { idempotencyKey: 'payment-981' });
   */
  call<R = unknown>(type: string, id: string, method: string, args: unknown[] = [], options: CallOptions = {}): Promise<R> {
    const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
    return this.request<R>('actor.call', { type, id, method, args, idempotencyKey }, `${type}/${id}.${method}`, options.timeoutMs, this.settings.reconnect);
  }

  /**
   * Sends any JSON-RPC request (e.g. `destination.subscribe`) and resolves with its result. Waits
   * while the client reconnects; never re-sent once it went out (its outcome would be unknown).
   *
   * @example
   * const { subscription } = await client.rpc<{ subscription: string }>('destination.subscribe', { destination: 'news' });
   */
  rpc<R = unknown>(method: string, params?: Record<string, unknown> | unknown[], options: Pick<CallOptions, 'timeoutMs'> = {}): Promise<R> {
    return this.request<R>(method, params, method, options.timeoutMs, false);
  }

  /**
   * Sends a write (`data.update`, `sharedObject.update`, …) with an idempotency key (given in
   * `params.idempotencyKey`, or a random one): like `call`, it is re-sent after a failover and
   * applied once.
   *
   * @example
   * await client.idempotentRpc('data.update', { collection: 'tasks', id: 't1', set: { status: 'done' } });
   */
  idempotentRpc<R = unknown>(method: string, params: Record<string, unknown>, options: Pick<CallOptions, 'timeoutMs'> = {}): Promise<R> {
    const keyed = { ...params, idempotencyKey: params.idempotencyKey ?? newIdempotencyKey() };
    return this.request<R>(method, keyed, method, options.timeoutMs, this.settings.reconnect);
  }

  /**
   * Calls `handler` with every notification the node sends (e.g. `destination.message`). Returns a
   * function that removes it. A handler that throws is reported to `onError`.
   */
  onNotification(handler: (notification: Notification) => void): () => void {
    return this.listeners.onNotification(handler);
  }

  /** Calls `handler` on every change of `state`. Returns a function that removes it. */
  onStateChange(handler: (change: StateChange) => void): () => void {
    return this.listeners.onStateChange(handler);
  }

  /**
   * A typed ref to actor `(type, id)` whose methods are calls over this client (each with a random
   * idempotency key: use `call` to give your own).
   *
   * @example
   * const cart = client.actor<ShoppingCart>('ShoppingCart', 'ann');
   * const line = await cart.add('apple', 3); // typed as CartItem
   */
  actor<T = UntypedActor>(type: string, id: string): ActorRef<T> {
    return createActorRef<T>(type, id, (method, args) => this.call(type, id, method, args));
  }

  /**
   * A destination whose subscriptions survive failover (resumed with `after` on the next node).
   *
   * @example
   * await client.destination('chat').subscribe((m) => console.log(m.seq, m.body));
   */
  destination(name: string): Destination {
    return new Destination(this, name);
  }

  /**
   * A collection: reads, idempotent writes, and live queries that survive failover (resumed from
   * their cursor on the next node).
   *
   * @example
   * const open = await client.collection('tasks').watch({ where: "status = 'open'" });
   */
  collection<T = Record<string, unknown>>(name: string): Collection<T> {
    return new Collection<T>(this, name);
  }

  /**
   * A shared object: its replica (`subscribe`) survives failover (resumed with `since` on the next
   * node); updates are idempotent.
   *
   * @example
   * const board = await client.sharedObject('board.lobby').subscribe();
   * console.log(board.version, board.slots);
   */
  sharedObject(name: string): SharedObjectClient {
    return new SharedObjectClient(this, name);
  }

  /**
   * Closes the connection (code 1000), stops reconnecting, and resolves once it is closed. Requests
   * still waiting reject with a `ConnectionClosedError`. Harmless when not connected.
   */
  async close(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    this.setState('closed');
    const closedByClient = new ConnectionClosedError('the client was closed before the reply arrived; the outcome is unknown', { reason: 'client closing' });
    for (const op of [...this.ops]) if (op.socket === undefined) this.finish(op, closedByClient);
    const socket = this.socket;
    if (!socket) return;
    if (socket.isOpen) socket.close(1000, 'client closing');
    else socket.terminate();
    // A node that never answers the close frame: give up on the handshake after a while.
    const timer = setTimeout(() => socket.terminate(), this.settings.connectTimeoutMs);
    try {
      await socket.closed;
    } finally {
      clearTimeout(timer);
    }
  }

  private async firstConnect(): Promise<void> {
    if (this.current === 'reconnecting' || this.current === 'open') return this.whenOpen();
    this.setState('connecting');
    let last: Error | undefined;
    for (const url of this.nodes.shuffled()) {
      try {
        const socket = await this.openSocket(url);
        if (this.current !== 'connecting') {
          socket.terminate(); // closed meanwhile
          throw new TransportError('the client was closed while connecting', { outcomeUnknown: false });
        }
        this.opened(socket, url);
        return;
      } catch (err) {
        last = err as Error;
        if (this.current !== 'connecting') throw last;
      }
    }
    this.setState('closed', last);
    const failure = last ?? new TransportError('no node to connect to', { outcomeUnknown: false });
    for (const op of [...this.waiting]) this.finish(op, failure);
    throw failure;
  }

  /** Resolves on the next `open`; rejects if the client closes first. */
  private whenOpen(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const off = this.onStateChange(({ state, error }) => {
        if (state === 'open') resolve();
        else if (state === 'closed') reject(error ?? new TransportError('the client was closed', { outcomeUnknown: false }));
        else return;
        off();
      });
    });
  }

  /** One connection attempt: resolves with the open socket, or rejects with a TransportError. */
  private openSocket(url: string): Promise<ClientSocket> {
    this.lastUrl = url;
    return new Promise<ClientSocket>((resolve, reject) => {
      let opened = false;
      const socket = this.connector(url, { headers: this.settings.headers, connectTimeoutMs: this.settings.connectTimeoutMs }, {
        open: () => {
          opened = true;
          resolve(socket);
        },
        message: (data) => this.onMessage(data),
        close: (code, reason, failure) => {
          if (opened) this.lost(socket, url, code, reason, failure);
          else if (failure) reject(new TransportError(failure.message, { cause: failure.cause ?? failure, outcomeUnknown: false }));
          else reject(new TransportError(`could not connect to ${url} (closed with ${code})`, { outcomeUnknown: false }));
        },
      });
    });
  }

  private opened(socket: ClientSocket, url: string): void {
    this.socket = socket;
    this.lastUrl = url;
    this.setState('open');
    for (const op of [...this.waiting]) {
      this.waiting.delete(op);
      this.send(op);
    }
    if (this.settings.discover) void this.nodes.learnFrom(url, { headers: this.settings.headers, timeoutMs: this.settings.connectTimeoutMs });
  }

  /** The open connection closed: re-queue or reject what it carried, then reconnect (or stay closed). */
  private lost(socket: ClientSocket, url: string, code: number, why: string, failure: Error | undefined): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    const err = new ConnectionClosedError(
      `the connection to ${url} closed (${code}${why ? ` ${why}` : ''}) before the reply arrived; the outcome is unknown (retry with the same idempotency key)`,
      { closeCode: code, ...(why ? { reason: why } : {}) },
      { cause: failure },
    );
    const staying = this.settings.reconnect && this.current !== 'closed';
    for (const [id, op] of [...this.sent]) {
      if (op.socket !== socket) continue;
      this.sent.delete(id);
      op.socket = undefined;
      op.wireId = undefined;
      if (staying && op.resendable) this.waiting.add(op);
      else this.finish(op, err);
    }
    if (this.current === 'closed') return;
    if (!staying) {
      for (const op of [...this.waiting]) this.finish(op, err);
      this.setState('closed', err);
      return;
    }
    this.setState('reconnecting', err);
    this.scheduleReconnect(0, url);
  }

  /**
   * After a backoff (full jitter, growing with each failed round), tries every known node once in
   * random order, the one just lost last; a round where all fail schedules the next.
   */
  private scheduleReconnect(round: number, lostUrl: string | undefined): void {
    const delay = backoffDelay(round, this.settings.reconnectDelayMs, this.settings.maxReconnectDelayMs);
    this.reconnectTimer = setTimeout(() => void this.reconnectRound(round, lostUrl), delay);
  }

  private async reconnectRound(round: number, lostUrl: string | undefined): Promise<void> {
    const order = this.nodes.shuffled();
    if (lostUrl !== undefined && order.includes(lostUrl)) order.push(...order.splice(order.indexOf(lostUrl), 1));
    for (const url of order) {
      if (this.current !== 'reconnecting') return;
      let socket: ClientSocket;
      try {
        socket = await this.openSocket(url);
      } catch {
        continue;
      }
      if (this.current === 'reconnecting') this.opened(socket, url);
      else socket.terminate();
      return;
    }
    if (this.current === 'reconnecting') this.scheduleReconnect(round + 1, lostUrl);
  }

  private request<R>(method: string, params: unknown, what: string, timeoutMs = this.settings.requestTimeoutMs, resendable: boolean): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const op: Op = {
        method,
        params,
        what,
        resendable,
        timeoutMs,
        deadline: timeoutMs > 0 ? Date.now() + timeoutMs : Infinity,
        attempts: 0,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: undefined,
        retryTimer: undefined,
        wireId: undefined,
        socket: undefined,
      };
      if (this.current === 'closed') {
        reject(new TransportError(`not connected to ${this.url}: call connect() first`, { outcomeUnknown: false }));
        return;
      }
      this.ops.add(op);
      if (timeoutMs > 0) op.timer = setTimeout(() => this.finish(op, new RequestTimeoutError(what, timeoutMs)), timeoutMs);
      this.dispatchOp(op);
    });
  }

  /** Sends now when open, else queues for the next connection. */
  private dispatchOp(op: Op): void {
    if (this.connected) this.send(op);
    else this.waiting.add(op);
  }

  private send(op: Op): void {
    const socket = this.socket!;
    const id = this.nextId++;
    const message: Record<string, unknown> = { jsonrpc: '2.0', id, method: op.method };
    if (op.params !== undefined) message.params = op.params;
    let payload: string | Uint8Array;
    try {
      payload = this.codec.encode(message);
    } catch (err) {
      this.finish(op, new ActorGridError('INVALID_ARGUMENTS', `cannot encode the request as ${this.codec.name}: ${(err as Error).message}`, undefined, { cause: err }));
      return;
    }
    const size = typeof payload === 'string' ? utf8Length(payload) : payload.byteLength;
    if (this.settings.maxPayloadBytes > 0 && size > this.settings.maxPayloadBytes) {
      this.finish(op, new ActorGridError('PAYLOAD_TOO_LARGE', `request of ${size} bytes; at most ${this.settings.maxPayloadBytes}`, { maxPayloadBytes: this.settings.maxPayloadBytes }));
      return;
    }
    op.wireId = id;
    op.socket = socket;
    op.attempts++;
    this.sent.set(id, op);
    const url = this.lastUrl;
    socket.send(payload, (err) => {
      // A failed send is followed by the socket's close, which re-queues resendable requests.
      if (!op.resendable && this.sent.get(id) === op) this.finish(op, new TransportError(`could not send ${op.what} to ${url}: ${err.message}`, { cause: err }));
    });
  }

  private onMessage(data: string | Uint8Array): void {
    let message: unknown;
    try {
      message = this.codec.decode(data);
    } catch (err) {
      this.listeners.report(err);
      return;
    }
    for (const entry of Array.isArray(message) ? message : [message]) this.dispatch(entry);
  }

  private dispatch(entry: unknown): void {
    if (!isRecord(entry)) return this.listeners.report(new ActorGridError('INVALID_REQUEST', 'the node sent a frame that is no JSON-RPC object'));
    if (typeof entry.method === 'string' && entry.id === undefined) {
      if (entry.method === NODE_DRAINING) this.leave();
      this.listeners.notify({ method: entry.method, params: entry.params });
      return;
    }
    const op = typeof entry.id === 'number' ? this.sent.get(entry.id) : undefined;
    const error = 'error' in entry ? fromJsonRpcError(entry.error) : undefined;
    if (!op) {
      // id null: the node could not read a frame; anything else is a reply that came after its timeout.
      if (error && entry.id === null) this.listeners.report(error);
      return;
    }
    this.sent.delete(entry.id as number);
    if (this.leaving === op.socket) this.leaveIfAnswered();
    op.socket = undefined;
    op.wireId = undefined;
    if (error && op.resendable && error.retryable) this.retryLater(op, error);
    else if (error) this.finish(op, error);
    else this.finish(op, undefined, entry.result);
  }

  /** A retryable error: send again (same key) after a backoff, unless that would pass the deadline. */
  /**
   * The node said it is draining: requests from now on wait for the next connection, and once the
   * ones on this socket are answered the client closes it and reconnects (to another node first),
   * so that nothing is refused with UNAVAILABLE on the way out.
   */
  private leave(): void {
    if (!this.settings.reconnect || !this.socket) return;
    this.leaving = this.socket;
    this.leaveIfAnswered();
  }

  private leaveIfAnswered(): void {
    const socket = this.leaving;
    if (!socket || socket !== this.socket || [...this.sent.values()].some((op) => op.socket === socket)) return;
    socket.close(1000, 'node draining');
  }

  private retryLater(op: Op, error: ActorGridError): void {
    const delay = backoffDelay(op.attempts - 1, this.settings.reconnectDelayMs, this.settings.maxReconnectDelayMs);
    if (Date.now() + delay >= op.deadline || this.current === 'closed') {
      this.finish(op, error);
      return;
    }
    op.retryTimer = setTimeout(() => {
      op.retryTimer = undefined;
      if (this.ops.has(op)) this.dispatchOp(op);
    }, delay);
  }

  /** Settles a request once, wherever it stands (on the wire, queued, waiting to retry). */
  private finish(op: Op, err: Error | undefined, result?: unknown): void {
    if (!this.ops.delete(op)) return;
    clearTimeout(op.timer);
    clearTimeout(op.retryTimer);
    this.waiting.delete(op);
    if (op.wireId !== undefined && this.sent.get(op.wireId) === op) this.sent.delete(op.wireId);
    if (err) op.reject(err);
    else op.resolve(result);
  }

  private setState(state: ConnectionState, error?: Error): void {
    const previous = this.current;
    if (previous === state) return;
    this.current = state;
    this.listeners.stateChanged({ state, previous, url: this.lastUrl, ...(error ? { error } : {}) });
  }
}
