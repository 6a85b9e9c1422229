import { unpack } from 'msgpackr';
import WebSocket from 'ws';

/** What followed one frame: the messages the node sent before the sentinel's reply, or the close. */
export type WsOutcome = { kind: 'answered'; messages: unknown[]; raw: string[] } | { kind: 'closed'; code: number; reason: string; raw: string[] };

const SENTINEL_PREFIX = 'fuzz-sentinel-';
const NO_ANSWER_MS = 20_000;

/**
 * One WebSocket to the node for the fuzz test. `exchange(frame)` sends a hostile frame, then a
 * sentinel request; everything the node sends before the sentinel's reply belongs to that frame
 * (its replies, and notifications of subscriptions it made), so any frame — a notification, garbage,
 * a batch — can be judged without knowing what it should have caused. Requests on one socket run
 * concurrently, so a slow reply (a long turn) can come after the sentinel's and be judged with the
 * next frame: attribution is best effort, the judging is not. A closed socket is reported and
 * replaced by a new one on the next exchange.
 */
export class WsFuzzSocket {
  private socket: WebSocket | undefined;
  private sentinel = 0;

  constructor(private readonly url: string) {}

  async exchange(frame: string | Buffer, binary: boolean): Promise<WsOutcome> {
    const socket = await this.open();
    const id = `${SENTINEL_PREFIX}${++this.sentinel}`;
    const messages: unknown[] = [];
    const raw: string[] = [];
    return new Promise<WsOutcome>((resolve) => {
      // a liveness guard, not a measurement: a node that never answers the sentinel is reported, not waited for forever
      const timer = setTimeout(() => {
        this.close();
        done({ kind: 'closed', code: -1, reason: `no answer to the sentinel within ${NO_ANSWER_MS} ms`, raw });
      }, NO_ANSWER_MS);
      const done = (outcome: WsOutcome): void => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        socket.off('close', onClose);
        resolve(outcome);
      };
      const onMessage = (data: Buffer, isBinary: boolean): void => {
        raw.push(data.toString('utf8'));
        let message: unknown;
        try {
          message = isBinary ? unpack(data) : JSON.parse(data.toString('utf8'));
        } catch {
          message = { undecodable: data.toString('hex').slice(0, 200) };
        }
        if ((message as { id?: unknown }).id === id) return done({ kind: 'answered', messages, raw });
        messages.push(message);
      };
      const onClose = (code: number, reason: Buffer): void => {
        this.socket = undefined;
        done({ kind: 'closed', code, reason: reason.toString('utf8'), raw });
      };
      socket.on('message', onMessage);
      socket.on('close', onClose);
      socket.send(frame, { binary });
      // the sentinel in JSON: msgpack replies come only to binary frames, and a text frame keeps the reply readable
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'actor.call', params: { type: 'Counter', id: 'fuzz-sentinel', method: 'get' } }));
    });
  }

  close(): void {
    this.socket?.terminate();
    this.socket = undefined;
  }

  private async open(): Promise<WebSocket> {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) return this.socket;
    const socket = new WebSocket(this.url, { maxPayload: 64 * 1024 * 1024 });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket upgrade answered ${res.statusCode}`)));
      socket.once('close', (code) => reject(new Error(`WebSocket closed with ${code} while opening`)));
    });
    this.socket = socket;
    return socket;
  }
}
