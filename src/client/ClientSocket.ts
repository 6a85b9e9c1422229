/**
 * The one thing the client needs from a WebSocket, so that the same client logic runs on the `ws`
 * package (Node 20 has no global WebSocket) and on the standard `WebSocket` (browsers): open, send,
 * close, and three events. Text frames arrive as strings, binary frames as `Uint8Array`.
 */
export interface ClientSocket {
  /** True from `open` until the socket starts closing. */
  readonly isOpen: boolean;
  /** Resolves once the `close` event was delivered (after `close()`, `terminate()` or a loss). */
  readonly closed: Promise<void>;
  /** Sends a text (string) or binary (Uint8Array) frame; `onError` hears of a failed send, if the implementation can tell. */
  send(data: string | Uint8Array, onError: (err: Error) => void): void;
  /** Starts the closing handshake. */
  close(code: number, reason: string): void;
  /** Drops the connection now, without a handshake; the `close` event follows at once. */
  terminate(): void;
}

/** What a socket reports to its client. Each fires at most once, except `message`. */
export interface ClientSocketEvents {
  open(): void;
  message(data: string | Uint8Array): void;
  /**
   * The socket closed, or never opened. `failure` says why when the implementation knows more than
   * the close code (the HTTP status of a refused upgrade, a network error); its message names the URL.
   */
  close(code: number, reason: string, failure: Error | undefined): void;
}

/** What one connection attempt is given. */
export interface ClientSocketOptions {
  /** Headers of the upgrade request, where the implementation can send them (not in browsers). */
  headers: Record<string, string> | undefined;
  /** How long the handshake may take. */
  connectTimeoutMs: number;
}

/** Opens one socket to `url`; what happens next arrives through `events`. Chosen once per client. */
export type SocketConnector = (url: string, options: ClientSocketOptions, events: ClientSocketEvents) => ClientSocket;

/** The part of the standard `WebSocket` the client uses (browsers, Deno, Node 22, and `ws` itself). */
export interface StandardWebSocket {
  binaryType: string;
  readonly readyState: number;
  send(data: string | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
}

/** A standard `WebSocket` constructor, e.g. `globalThis.WebSocket` (the option `WebSocket` of the client). */
export type WebSocketConstructor = new (url: string) => StandardWebSocket;

/** Calls `close` once, however many ways a socket ends, and resolves `closed` after it. */
export function onceClosed(events: ClientSocketEvents): { closed: Promise<void>; emitClose: (code: number, reason: string, failure: Error | undefined) => void; readonly done: boolean } {
  let resolve!: () => void;
  const closed = new Promise<void>((r) => (resolve = r));
  let done = false;
  return {
    closed,
    get done() {
      return done;
    },
    emitClose(code, reason, failure) {
      if (done) return;
      done = true;
      try {
        events.close(code, reason, failure);
      } finally {
        resolve();
      }
    },
  };
}
