import { ActorGridError, clip } from '../errors';
import {
  isJsonRpcId,
  JSONRPC_VERSION,
  type JsonRpcFailure,
  type JsonRpcId,
  type JsonRpcReply,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from './JsonRpc';
import { DispatchContext } from './DispatchContext';
import type { AuthTarget } from '../auth/AuthPrincipal';
import type { GuardedRequest } from '../auth/AuthGuard';
import type { RateLimiter } from './RateLimiter';
import type { Session } from './Session';
import { isInternalError, toErrorObject } from './wireErrors';

/**
 * Runs one JSON-RPC method. `params` is whatever the request carried (object, array or undefined);
 * `context` lets it run work once the reply has been written (see `DispatchContext`).
 */
export type MethodHandler = (params: unknown, session: Session, context: DispatchContext) => Promise<unknown>;

/** How the guard sees a method: what a call of it reaches, or that anyone may call it. */
export interface MethodAccess {
  /** What the request reaches, read from its params; undefined when they do not say (the handler then refuses them). */
  target?: (params: unknown) => AuthTarget | undefined;
  /** Anyone may call it, without credentials (`auth.login`). */
  public?: boolean;
}

/** Runs before every method (authentication, authorization); throws to refuse the request. */
export type RequestGuard = (request: GuardedRequest) => Promise<void>;

/** Where an INTERNAL error happened, for the log line. */
export interface InternalErrorContext {
  /** The JSON-RPC method, or an HTTP route such as `"POST /actors/*"`. */
  method?: string;
  /** The JSON-RPC request id, when there was one. */
  id?: JsonRpcId;
  /** The caller's session. */
  session?: Session;
}

/** Receives every error that goes out as INTERNAL, with its stack, so the node can log it. */
export type InternalErrorHook = (err: unknown, context: InternalErrorContext) => void;

/** Dispatcher settings. */
export interface DispatcherOptions {
  /** Checks every request before its method runs (auth). @default none: everything is allowed */
  guard?: RequestGuard;
  /** Requests per second per client (its authenticated subject, else its address); over it RATE_LIMITED. @default none */
  rateLimiter?: RateLimiter;
  /** Hears of every request that reached a registered method: how long it took, and its error (metrics). @default none */
  observe?: (method: string, seconds: number, error?: unknown) => void;
  /**
   * Called with the original error whenever a client is answered INTERNAL (which never carries the
   * error's message or stack). Pass the node's logger here.
   * @default logs to `console.error`
   */
  onInternalError?: InternalErrorHook;
  /**
   * Most requests in one batch; a larger batch is answered with one PAYLOAD_TOO_LARGE error.
   * @default 1000
   */
  maxBatch?: number;
}

/** A request that failed validation: the id to answer with (if readable) and why. */
type Checked = { request: JsonRpcRequest } | { invalid: ActorGridError; id: JsonRpcId };

/**
 * The one entry point for every JSON-RPC method, shared by `POST /rpc` and the WebSocket. It
 * validates JSON-RPC 2.0 requests and batches, runs the registered handler and turns anything
 * thrown into a coded error object. `handle` never rejects.
 *
 * @example
 * const dispatcher = new Dispatcher({ onInternalError: (err, ctx) => log.error({ err, ...ctx }) });
 * registerActorMethods(dispatcher, invoker);
 * const reply = await dispatcher.handle(JSON.parse(text), session); // undefined: nothing to send
 */
export class Dispatcher {
  private readonly handlers = new Map<string, MethodHandler>();
  private readonly access = new Map<string, MethodAccess>();
  private readonly guard: RequestGuard | undefined;
  private readonly observe: DispatcherOptions['observe'];
  private readonly rateLimiter: RateLimiter | undefined;
  private readonly onInternalError: InternalErrorHook;
  private readonly maxBatch: number;

  constructor(options: DispatcherOptions = {}) {
    this.onInternalError = options.onInternalError ?? defaultInternalErrorHook;
    this.maxBatch = options.maxBatch ?? 1000;
    this.guard = options.guard;
    this.observe = options.observe;
    this.rateLimiter = options.rateLimiter;
  }

  /**
   * Adds a method. Registering the same name twice is a bug and throws. `access` tells the guard
   * what a call reaches (a method without one needs an authenticated session when auth is on).
   */
  register(method: string, handler: MethodHandler, access: MethodAccess = {}): void {
    if (this.handlers.has(method)) throw new Error(`JSON-RPC method "${method}" is already registered`);
    this.handlers.set(method, handler);
    this.access.set(method, access);
  }

  /** Runs the guard (if any), then the handler; tells `observe` how it went. */
  private async run(method: string, handler: MethodHandler, params: unknown, session: Session, context: DispatchContext): Promise<unknown> {
    if (!this.observe) return this.guarded(method, handler, params, session, context);
    const started = process.hrtime.bigint();
    let error: unknown;
    try {
      return await this.guarded(method, handler, params, session, context);
    } catch (err) {
      error = err;
      throw err;
    } finally {
      try {
        this.observe(method, Number(process.hrtime.bigint() - started) / 1e9, error);
      } catch {
        // metrics must never fail a request
      }
    }
  }

  private async guarded(method: string, handler: MethodHandler, params: unknown, session: Session, context: DispatchContext): Promise<unknown> {
    if (this.guard) {
      const access = this.access.get(method) ?? {};
      let target: AuthTarget | undefined;
      try {
        target = access.target?.(params);
      } catch {
        target = undefined; // malformed params: the handler refuses them, once the session is known
      }
      await this.guard({ method, session, public: access.public === true, ...(target ? { target } : {}) });
    }
    this.rateLimiter?.take(session.identity?.principal?.subject ?? session.remote ?? session.id);
    return handler(params, session, context);
  }

  /** True when `method` is registered. */
  has(method: string): boolean {
    return this.handlers.has(method);
  }

  /**
   * Runs one method for a transport that decoded a request itself (the HTTP routes): the registered
   * handler's result, or a thrown coded error (METHOD_NOT_FOUND for an unknown method) for the
   * transport to map to its status. Nothing is reported to the INTERNAL hook here: the transport
   * reports what it answers. Pass a `context` and call its `replied()` once the answer is written;
   * without one, after-reply callbacks run on the next macrotask.
   */
  async call(method: string, params: unknown, session: Session, context?: DispatchContext): Promise<unknown> {
    const handler = this.handlers.get(method);
    if (handler === undefined) throw new ActorGridError('METHOD_NOT_FOUND', `unknown method "${clip(method)}"`, { method: clip(method) });
    return this.inContext(session, context, (own) => this.run(method, handler, params, session, own));
  }

  /**
   * Answers one decoded message: a request, a notification or a batch. Returns the response, the
   * batch of responses in request order (entries run concurrently), or undefined when there is
   * nothing to send (a notification, or a batch of notifications only). Handlers' after-reply work
   * waits for `context.replied()`, which the transport calls once it wrote the reply; without a
   * context it runs on the next macrotask.
   */
  async handle(message: unknown, session: Session, context?: DispatchContext): Promise<JsonRpcReply | undefined> {
    return this.inContext(session, context, (own) => this.handleMessage(message, session, own));
  }

  /** A context whose callback failures go to the INTERNAL hook. */
  newContext(session?: Session): DispatchContext {
    return new DispatchContext((err) => this.reportIfInternal(err, { session }));
  }

  /** Runs `work` with the transport's context, or with one of its own that it closes on the next macrotask. */
  private async inContext<R>(session: Session, context: DispatchContext | undefined, work: (context: DispatchContext) => Promise<R>): Promise<R> {
    const own = context ?? this.newContext(session);
    try {
      return await work(own);
    } finally {
      if (!context) setImmediate(() => own.replied());
    }
  }

  private async handleMessage(message: unknown, session: Session, context: DispatchContext): Promise<JsonRpcReply | undefined> {
    if (!Array.isArray(message)) return this.handleOne(message, session, context);
    if (message.length === 0) {
      return this.errorResponse(new ActorGridError('INVALID_REQUEST', 'empty batch'), null);
    }
    if (message.length > this.maxBatch) {
      return this.errorResponse(
        new ActorGridError('PAYLOAD_TOO_LARGE', `batch of ${message.length} requests; at most ${this.maxBatch}`, {
          maxBatch: this.maxBatch,
        }),
        null,
      );
    }
    const replies = await Promise.all(message.map((entry) => this.handleOne(entry, session, context)));
    const responses = replies.filter((r): r is JsonRpcResponse => r !== undefined);
    return responses.length === 0 ? undefined : responses;
  }

  /**
   * A failed response for `err` (anything thrown), reporting it to the INTERNAL hook when it goes out
   * as INTERNAL. Transports use it for errors found before dispatching, e.g. PARSE_ERROR with id null.
   */
  errorResponse(err: unknown, id: JsonRpcId, context: InternalErrorContext = {}): JsonRpcFailure {
    this.reportIfInternal(err, { ...context, id });
    return { jsonrpc: JSONRPC_VERSION, id, error: toErrorObject(err) };
  }

  /** Passes `err` to the INTERNAL hook if it would go out as INTERNAL. Never throws. */
  reportIfInternal(err: unknown, context: InternalErrorContext): void {
    if (!isInternalError(err)) return;
    try {
      this.onInternalError(err, context);
    } catch {
      // A failing logger must not turn one bad request into a crashed node.
    }
  }

  private async handleOne(entry: unknown, session: Session, context: DispatchContext): Promise<JsonRpcResponse | undefined> {
    const checked = checkRequest(entry);
    if ('invalid' in checked) return this.errorResponse(checked.invalid, checked.id, { session });
    const { request } = checked;
    const notification = request.id === undefined;
    const id = request.id ?? null;
    const handler = this.handlers.get(request.method);
    if (handler === undefined) {
      if (notification) return undefined;
      const err = new ActorGridError('METHOD_NOT_FOUND', `unknown method "${clip(request.method)}"`, { method: clip(request.method) });
      return this.errorResponse(err, id);
    }
    try {
      const result = await this.run(request.method, handler, request.params, session, context);
      if (notification) return undefined;
      // JSON has no undefined: a method that returns nothing answers null, so `result` is never lost.
      return { jsonrpc: JSONRPC_VERSION, id, result: result === undefined ? null : result };
    } catch (err) {
      const context = { method: request.method, session };
      if (!notification) return this.errorResponse(err, id, context);
      this.reportIfInternal(err, { ...context, id });
      return undefined;
    }
  }
}

/** Validates one request object; a readable id is kept so even an invalid request can be answered by id. */
function checkRequest(entry: unknown): Checked {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return invalid('a request must be an object', null);
  }
  const message = entry as Record<string, unknown>;
  const hasId = Object.prototype.hasOwnProperty.call(message, 'id') && message.id !== undefined;
  if (hasId && !isJsonRpcId(message.id)) return invalid('id must be a string, a number or null', null);
  const id = hasId ? (message.id as JsonRpcId) : null;
  if (message.jsonrpc !== JSONRPC_VERSION) return invalid('jsonrpc must be "2.0"', id);
  if (typeof message.method !== 'string') return invalid('method must be a string', id);
  const { params } = message;
  if (params !== undefined && (typeof params !== 'object' || params === null)) {
    return invalid('params must be an object or an array', id);
  }
  const request: JsonRpcRequest = { jsonrpc: JSONRPC_VERSION, method: message.method };
  if (params !== undefined) request.params = params as JsonRpcRequest['params'];
  if (hasId) request.id = id;
  return { request };
}

function invalid(reason: string, id: JsonRpcId): Checked {
  return { invalid: new ActorGridError('INVALID_REQUEST', `invalid request: ${reason}`), id };
}

function defaultInternalErrorHook(err: unknown, context: InternalErrorContext): void {
  const { session, ...rest } = context;
  console.error('[actorgrid] internal error', { ...rest, session: session?.id }, err);
}
