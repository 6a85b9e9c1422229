import WebSocket from 'ws';
import type { WsConnection } from './WsConnection';

/** How long `closeAll` waits, in all, for running requests and close handshakes. */
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

/** Options of `WsConnections.closeAll`. */
export interface CloseAllOptions {
  /**
   * How long to wait for requests already running to be answered and for clients to answer the
   * close frame; sockets still open after it are terminated.
   * @default 5000
   */
  timeoutMs?: number;
}

/**
 * The open WebSocket connections of one node. The composition root creates it, passes it to
 * `wsTransport` and, when the node drains, calls `closeAll`.
 *
 * @example
 * const connections = new WsConnections();
 * await app.register(wsTransport, { dispatcher, limits: config.limits, connections });
 * // on SIGTERM, once /health/ready answers 503:
 * await connections.closeAll(1001, 'node draining');
 */
export class WsConnections {
  private readonly open = new Set<WsConnection>();
  private closing = false;

  /** Open connections right now. */
  get size(): number {
    return this.open.size;
  }

  /** False once `closeAll` was called: the transport refuses new upgrades with 503 UNAVAILABLE. */
  get accepting(): boolean {
    return !this.closing;
  }

  /** Tracks a connection until its socket closes. Returns false (and tracks nothing) once closing. */
  add(connection: WsConnection): boolean {
    if (this.closing) return false;
    this.open.add(connection);
    connection.socket.once('close', () => this.open.delete(connection));
    return true;
  }

  /**
   * Drains and closes every connection, for a node that is shutting down:
   *
   * 1. new upgrades are refused (503 UNAVAILABLE) from now on;
   * 2. each connection answers requests that arrive from now on with UNAVAILABLE (retryable, by id)
   *    and waits until the requests it was already running have been answered;
   * 3. it then sends a close frame with `code` and `reason`;
   * 4. sockets still open `timeoutMs` after the call (requests stuck, or no close handshake) are
   *    terminated. An invalid code or a reason over 123 bytes terminates instead of throwing.
   *
   * Resolves when every socket is closed. Calling it again is harmless.
   *
   * @param code @default 1001 ("going away": clients reconnect, possibly to another node)
   * @param reason @default "server shutting down"
   */
  async closeAll(code = 1001, reason = 'server shutting down', options: CloseAllOptions = {}): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    await Promise.all([...this.open].map((connection) => closeOne(connection, code, reason, deadline)));
  }
}

async function closeOne(connection: WsConnection, code: number, reason: string, deadline: number): Promise<void> {
  const { socket } = connection;
  if (socket.readyState === WebSocket.CLOSED) return;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const timer = setTimeout(() => socket.terminate(), Math.max(0, deadline - Date.now()));
  timer.unref();
  try {
    await Promise.race([connection.drain(), closed]);
    if (socket.readyState === WebSocket.OPEN) socket.close(code, reason);
  } catch {
    socket.terminate();
  }
  await closed;
  clearTimeout(timer);
}
