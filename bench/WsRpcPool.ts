import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/** A JSON-RPC error reply; `code` is the string code of the error table (`error.data.code`), else the numeric code. */
export class RpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An open WebSocket client connection (no compression). */
export function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** What a failed call is counted as: the error code of its JSON-RPC reply, else the message. */
export function failureCode(err: unknown): string {
  if (err instanceof RpcError) return err.code;
  return err instanceof Error ? err.message : String(err);
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** A JSON-RPC notification as received: its method and params, the frame's size and when it arrived (bench clock, ms). */
export type NotificationHandler = (method: string, params: Record<string, unknown> | undefined, frameBytes: number, receivedAt: number) => void;

/** One WebSocket speaking JSON-RPC 2.0 in text frames, many requests in flight; notifications go to `onNotification`. */
export class RpcConnection {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    readonly socket: WebSocket,
    private readonly onNotification?: NotificationHandler,
  ) {
    socket.on('message', (data: Buffer) => this.onMessage(data));
    socket.on('close', () => this.failAll(new Error('websocket closed')));
    socket.on('error', (err) => this.failAll(err));
  }

  call(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close(1000);
    });
  }

  private onMessage(data: Buffer): void {
    const receivedAt = this.onNotification ? performance.now() : 0;
    const reply = JSON.parse(data.toString()) as {
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: unknown;
      error?: { code: unknown; message: string; data?: { code?: unknown } };
    };
    if (typeof reply.id !== 'number') {
      if (typeof reply.method === 'string') this.onNotification?.(reply.method, reply.params, data.length, receivedAt);
      return;
    }
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.error) {
      const code = typeof reply.error.data?.code === 'string' ? reply.error.data.code : String(reply.error.code);
      pending.reject(new RpcError(code, `JSON-RPC error ${String(reply.error.code)}: ${reply.error.message}`));
    } else pending.resolve(reply.result);
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/**
 * A fixed set of WebSocket JSON-RPC connections to one node; the load generator spreads its workers
 * over them (`call(worker % size, …)`), as several clients would.
 */
export class WsRpcPool {
  private constructor(private readonly connections: RpcConnection[]) {}

  static async open(url: string, size: number): Promise<WsRpcPool> {
    const sockets = await Promise.all(Array.from({ length: size }, () => openSocket(url)));
    return new WsRpcPool(sockets.map((s) => new RpcConnection(s)));
  }

  get size(): number {
    return this.connections.length;
  }

  call(connection: number, method: string, params: unknown): Promise<unknown> {
    return this.connections[connection % this.connections.length].call(method, params);
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.close()));
  }
}
