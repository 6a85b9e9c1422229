import type { ClientEncoding } from './clientCodec';
import type { WebSocketConstructor } from './ClientSocket';

/** Where the client's connection stands; see {@link ActorGridClient.state}. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What {@link ActorGridClient.onStateChange} handlers receive. */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** The WebSocket URL of the node now connected to (`open`) or last connected to. */
  url: string | undefined;
  /** Why the connection was lost (`reconnecting`, `closed` after a failure). */
  error?: Error;
}

/** Options of {@link ActorGridClient}. */
export interface ActorGridClientOptions {
  /** More node URLs (http(s) or ws(s)), beside those given to the constructor. */
  urls?: string[];
  /**
   * `json` sends text frames, `msgpack` binary frames; replies come back in the same encoding.
   * @default "json"
   */
  encoding?: ClientEncoding;
  /** How long a request waits for its result, across reconnects and retries; 0 waits forever. @default 30000 */
  requestTimeoutMs?: number;
  /** How long one connection attempt waits for the WebSocket handshake. @default 10000 */
  connectTimeoutMs?: number;
  /**
   * Reconnect (to any known node) when the connection is lost, re-send the calls it carried, and
   * retry calls that fail with a retryable error. `false` gives the single-connection behaviour:
   * a lost connection rejects what it carried and the client stays closed. @default true
   */
  reconnect?: boolean;
  /**
   * Base of the exponential backoff (full jitter) before each reconnect round (every known node
   * tried once, in random order) and before each retry of a call. @default 100
   */
  reconnectDelayMs?: number;
  /** Cap of that backoff. @default 5000 */
  maxReconnectDelayMs?: number;
  /** After each connect, learn the other nodes' URLs from the node's `GET /cluster`. @default true */
  discover?: boolean;
  /** Called on every state change (also see `onStateChange()`). */
  onStateChange?: (change: StateChange) => void;
  /**
   * Largest request frame sent, in bytes; a larger call is refused locally with PAYLOAD_TOO_LARGE
   * (the node would answer it without an id, so it could not be matched to the call). Keep it at the
   * node's `limits.maxPayloadBytes`; 0 disables the check. @default 1048576
   */
  maxPayloadBytes?: number;
  /**
   * Extra headers of the upgrade request and of `GET /cluster` (e.g. `authorization`). A browser's
   * WebSocket cannot send headers: there they go on `GET /cluster` only (the upgrade carries the
   * page's cookies).
   */
  headers?: Record<string, string>;
  /**
   * A standard `WebSocket` constructor to connect with. @default in browsers the global
   * `WebSocket`; in Node the `ws` package (which also sends `headers` on the upgrade)
   */
  WebSocket?: WebSocketConstructor;
  /**
   * Receives what belongs to no request: error replies without an id (the node could not read a
   * frame), frames this client cannot decode, and exceptions thrown by notification and state handlers.
   * @default emits a process warning
   */
  onError?: (err: Error) => void;
}

/** Options of one call or request. */
export interface CallOptions {
  /**
   * Applies the call at most once: a repeat with the same key, on any node, returns the first result.
   * At most 128 characters. @default a random key per call (`ActorGridClient.call`)
   */
  idempotencyKey?: string;
  /** Overrides the client's `requestTimeoutMs` for this request. */
  timeoutMs?: number;
}

/** A server → client JSON-RPC notification, e.g. `destination.message`. */
export interface Notification {
  method: string;
  params: unknown;
}

/** The client's options with every default applied (see `ActorGridClientOptions`). */
export interface ClientSettings {
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly reconnect: boolean;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly discover: boolean;
  readonly headers: Record<string, string> | undefined;
}

/** Applies the defaults of `ActorGridClientOptions`. */
export function clientSettings(options: ActorGridClientOptions): ClientSettings {
  return Object.freeze({
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxPayloadBytes: options.maxPayloadBytes ?? 1024 * 1024,
    reconnect: options.reconnect ?? true,
    reconnectDelayMs: options.reconnectDelayMs ?? 100,
    maxReconnectDelayMs: options.maxReconnectDelayMs ?? 5000,
    discover: options.discover ?? true,
    headers: options.headers,
  });
}
