import { createActorRef, type ActorRef, type UntypedActor } from '../actor/ActorRef';
import { ActorGridError } from '../errors';
import type { CallOptions } from './clientOptions';
import { createClientCodec, type ClientCodec, type ClientEncoding } from './clientCodec';
import { fromHttpError, isRecord, RequestTimeoutError, TransportError } from './clientErrors';

/** Options of {@link HttpActorClient}. */
export interface HttpActorClientOptions {
  /** Encoding of request and response bodies (`Content-Type` and `Accept`). @default "json" */
  encoding?: ClientEncoding;
  /** How long a call waits for its response; 0 waits forever. @default 30000 */
  requestTimeoutMs?: number;
  /** Extra headers on every request (e.g. `authorization`). */
  headers?: Record<string, string>;
  /** The fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * A client of one actorgrid node over plain HTTP: each call is `POST /actors/{type}/{id}/{method}`
 * with the arguments as a JSON (or msgpack) array and the idempotency key in the `Idempotency-Key`
 * header (PROTOCOL.md). Stateless: no connection to open or close beyond fetch's own pool. A coded
 * error response rejects with an `ActorGridError` carrying its string code; a node that cannot be
 * reached, or a connection lost mid-call, with a `TransportError` (UNAVAILABLE, retryable).
 *
 * @example
 * const http = new HttpActorClient('http://127.0.0.1:8080');
 * const balance = await http.call<number>('Account', 'bob', 'deposit', [100], { idempotencyKey: 'payment-981' });
 * await http.actor<Account>('Account', 'bob').balance();
 */
export class HttpActorClient {
  /** The node's base URL, without a trailing slash. */
  readonly baseUrl: string;
  private readonly codec: ClientCodec;
  private readonly requestTimeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly fetch: typeof fetch;

  constructor(baseUrl: string, options: HttpActorClientOptions = {}) {
    const parsed = new URL(baseUrl);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`expected an http(s) URL, got ${baseUrl}`);
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.codec = createClientCodec(options.encoding ?? 'json');
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.headers = { ...options.headers };
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * Calls `method` of actor `(type, id)` with positional `args` and resolves with its return value
   * (`null` for a method that returns nothing).
   *
   * @example
   * await http.call('Counter', 'hits', 'increment', [2]);
   */
  async call<R = unknown>(type: string, id: string, method: string, args: unknown[] = [], options: CallOptions = {}): Promise<R> {
    const what = `${type}/${id}.${method}`;
    const url = `${this.baseUrl}/actors/${encodeURIComponent(type)}/${encodeURIComponent(id)}/${encodeURIComponent(method)}`;
    const headers: Record<string, string> = { ...this.headers, 'content-type': this.codec.contentType, accept: this.codec.contentType };
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let body: string | Uint8Array;
    try {
      body = this.codec.encode(args);
    } catch (err) {
      throw new ActorGridError('INVALID_ARGUMENTS', `cannot encode the arguments of ${what} as ${this.codec.name}: ${(err as Error).message}`, undefined, { cause: err });
    }
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    let status: number;
    let payload: unknown;
    try {
      const response = await this.fetch(url, {
        method: 'POST',
        headers,
        body,
        ...(timeoutMs > 0 ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
      });
      status = response.status;
      const bytes = new Uint8Array(await response.arrayBuffer());
      payload = bytes.length === 0 ? undefined : this.decode(bytes, response.headers.get('content-type'));
    } catch (err) {
      throw fetchError(err, what, url, timeoutMs);
    }
    if (status === 200 && isRecord(payload) && 'result' in payload) return payload.result as R;
    throw fromHttpError(status, payload);
  }

  /**
   * A typed ref to actor `(type, id)` whose methods are calls over this client (without idempotency
   * keys: use `call` for those).
   *
   * @example
   * const n = await http.actor<Counter>('Counter', 'hits').increment(1);
   */
  actor<T = UntypedActor>(type: string, id: string): ActorRef<T> {
    return createActorRef<T>(type, id, (method, args) => this.call(type, id, method, args));
  }

  /** A body that does not decode (a proxy's page) counts as no body: the status decides the error. */
  private decode(bytes: Uint8Array, contentType: string | null): unknown {
    try {
      return this.codec.decodeBody(bytes, contentType);
    } catch {
      return undefined;
    }
  }
}

function fetchError(err: unknown, what: string, url: string, timeoutMs: number): ActorGridError {
  if (err instanceof ActorGridError) return err;
  const name = (err as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return new RequestTimeoutError(what, timeoutMs);
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const code = (cause as { code?: unknown })?.code;
  const reason = cause instanceof Error ? cause.message : String(cause);
  // Refused: nothing was sent. Anything else (reset, closed mid-response) may have reached the node.
  const refused = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
  return new TransportError(`POST ${url} (${what}) failed: ${reason}`, { cause: err, outcomeUnknown: !refused });
}
