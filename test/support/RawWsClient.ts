import { once } from 'node:events';
import WebSocket from 'ws';
import { JsonCodec } from '../../src/protocol/JsonCodec';
import { MsgpackCodec } from '../../src/protocol/MsgpackCodec';
import { webSocketUrl } from '../../src/client';

/** One frame received. */
export interface RawFrame {
  data: Buffer;
  isBinary: boolean;
}

/**
 * A WebSocket client for tests that must send what a well-behaved client never would: malformed
 * JSON, binary garbage, truncated msgpack, oversized frames. Frames received are queued; `next()`
 * takes them in order, so a test sends one bad frame and reads the one reply.
 *
 * @example
 * const raw = await RawWsClient.connect(node.url);
 * const reply = await raw.request('{"jsonrpc":'); // decoded: { jsonrpc, id: null, error }
 */
export class RawWsClient {
  private readonly frames: RawFrame[] = [];
  private waiter: (() => void) | undefined;
  private readonly json = new JsonCodec();
  private readonly msgpack = new MsgpackCodec();
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary) => {
      this.frames.push({ data: Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer), isBinary });
      this.waiter?.();
    });
    this.closed = once(socket, 'close').then(([code, reason]) => {
      this.waiter?.();
      return { code: code as number, reason: String(reason) };
    });
    socket.on('error', () => undefined); // reported through `closed`
  }

  /** Connects to a node (`http://…` or `ws://…/ws`). */
  static async connect(url: string): Promise<RawWsClient> {
    const socket = new WebSocket(webSocketUrl(url), { perMessageDeflate: false });
    const client = new RawWsClient(socket);
    await once(socket, 'open');
    return client;
  }

  /** True while the socket is open. */
  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends one frame: a string as text, a Buffer as binary (unless `binary` says otherwise). */
  send(data: string | Buffer, binary = Buffer.isBuffer(data)): void {
    this.socket.send(data, { binary });
  }

  /** The next frame received; rejects if none comes within `timeoutMs` or the socket closes. */
  async next(timeoutMs = 15_000): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error('the socket closed while a reply was awaited');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.frames.shift()!;
  }

  /** The next frame, decoded by its kind (text: JSON, binary: msgpack). */
  async nextMessage(timeoutMs?: number): Promise<any> {
    const frame = await this.next(timeoutMs);
    return frame.isBinary ? this.msgpack.decode(frame.data) : this.json.decode(frame.data);
  }

  /** Sends one frame and resolves with the next message, decoded. */
  async request(data: string | Buffer, binary?: boolean): Promise<any> {
    this.send(data, binary);
    return this.nextMessage();
  }

  /** Encodes `value` as msgpack (for binary frames). */
  pack(value: unknown): Buffer {
    return this.msgpack.encode(value);
  }

  /** Closes the socket and waits for it to be closed. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.closed;
  }
}
