import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { MsgpackCodec } from '../../src/protocol/MsgpackCodec';

/** A scripted WebSocket server: each test says what to do with every request frame. */
export class FakeWsNode {
  readonly requests: Array<{ message: any; isBinary: boolean; socket: WebSocket }> = [];
  onRequest: (message: any, socket: WebSocket, isBinary: boolean) => void = () => undefined;
  private constructor(readonly server: WebSocketServer) {
    this.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
    server.on('connection', (socket) => {
      socket.on('message', (data: Buffer, isBinary) => {
        const message = isBinary ? new MsgpackCodec().decode(data) : JSON.parse(data.toString());
        this.requests.push({ message, isBinary, socket });
        this.onRequest(message, socket, isBinary);
      });
    });
  }

  static async start(): Promise<FakeWsNode> {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    return new FakeWsNode(server);
  }

  /** Kept after `stop()`, so a test can still tell which node a client was on. */
  readonly url: string;

  async stop(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
