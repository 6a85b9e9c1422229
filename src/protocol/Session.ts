import type { AuthPrincipal } from '../auth/AuthPrincipal';
import type { PushEncoding } from './NotificationFrame';

/** The transport a session arrived on. */
export type SessionTransport = 'http' | 'ws';

/**
 * What a JSON-RPC handler knows about its caller. An HTTP request is a session of its own; a
 * WebSocket connection is one session for as long as it stays open.
 *
 * @example
 * dispatcher.register('echo', async (params, session) => {
 *   session.notify?.('echo.seen', { by: session.id });
 *   return params;
 * });
 */
export interface Session {
  /** Unique on this node: the HTTP request id, or a random id per WebSocket connection. */
  readonly id: string;
  /** Which transport carries it. */
  readonly transport: SessionTransport;
  /** The peer's address as the socket sees it (no proxy headers are trusted). */
  readonly remote?: string;
  /**
   * Sends a server → client JSON-RPC notification (`{jsonrpc, method, params}`, no id). Only
   * WebSocket sessions have it. Encodes once per call, in the encoding the client last used on the
   * connection (JSON until it sends a binary frame). Returns false when the connection is no longer
   * open, in which case nothing was sent; throws when `params` cannot be encoded (a BigInt in JSON).
   */
  notify?(method: string, params: unknown): boolean;
  /** Aborted when the connection closes (WebSocket sessions): handlers drop per-session state on it. */
  readonly signal?: AbortSignal;
  /**
   * Sends frames that are already encoded (WebSocket sessions, and the session an SSE route builds):
   * how a node encodes a pushed item once for all its subscribers instead of once per subscriber.
   */
  readonly push?: PushChannel;
  /** Who the client is, once authenticated (auth-enabled nodes; see AuthGuard). Mutable: `auth.login` and expiry change it. */
  readonly identity?: SessionIdentity;
  /** Closes the connection (WebSocket sessions). */
  close?(code: number, reason: string): void;
}

/** A session's credentials and what they were verified as. */
export interface SessionIdentity {
  /** The raw `Authorization` value it came with (`Bearer …`, `ApiKey …`), if any. */
  credentials?: string;
  /** The verified principal. */
  principal?: AuthPrincipal;
  /** The verification in progress or done (verified once per session). */
  verified?: Promise<AuthPrincipal>;
  /** True once a WebSocket's token expired and it has not logged in again. */
  expired?: boolean;
  /** The expiry timer. */
  timer?: ReturnType<typeof setTimeout>;
}

/** A raw outgoing channel of a long-lived session: a WebSocket, or a Server-Sent Events response. */
export interface PushChannel {
  /** What frames it takes: notifications in the encoding the client last used, or SSE events. */
  readonly encoding: PushEncoding;
  /** Bytes queued on the socket and not yet sent: a slow reader's backlog. */
  readonly bufferedBytes: number;
  /**
   * Sends one frame: text for JSON and SSE, binary for msgpack. `binary` says which (a pushed JSON
   * frame comes as UTF-8 bytes); without it a Buffer is binary and a string text. False when the
   * connection is closed.
   */
  send(frame: string | Buffer, binary?: boolean): boolean;
  /**
   * A new short id, unique among the subscriptions of this channel (every kind): `1`, `2`, … in
   * base 36, never reused on the channel. Compact subscriptions use it (docs/protocol.md).
   */
  newSubscriptionId(): string;
}

/** A short description of a session for logs and `CallRequest.caller`, e.g. `"ws:1f3c…@127.0.0.1"`. */
export function describeSession(session: Session): string {
  const remote = session.remote === undefined ? '' : `@${session.remote}`;
  return `${session.transport}:${session.id}${remote}`;
}
