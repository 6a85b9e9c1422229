/**
 * The subscribers of the fan-out sections (f) and (s) (see fanout.ts): one connection each, opened
 * in groups spread over a side's two server processes; each checks, for every item it receives, that
 * sequences arrive in order without gap or repeat, and reports deliveries to the run in progress.
 */
import WebSocket from 'ws';
import type { FanoutFlavor, FanoutSide, Notice, Run } from './fanout';
import { openSocket, RpcConnection } from './WsRpcPool';

/** Correctness counters of one subscriber (cumulative) or of a run (summed differences). */
export interface Checks {
  /** Frames received that belonged to the run measured. */
  delivered: number;
  /** Times a subscriber saw a sequence jump forward… */
  gaps: number;
  /** …and how many sequences the jumps skipped. */
  gapMessages: number;
  /** Frames whose sequence was not above the last one seen (repeats or reordering). */
  duplicates: number;
  /** `destination.gap` notifications or shared-object resets (the node said it skipped items: backpressure or retention). */
  serverGaps: number;
  /** Frames from an earlier run (after a stalled run) or with someone else's subscription id. */
  stray: number;
}

const zeroChecks = (): Checks => ({ delivered: 0, gaps: 0, gapMessages: 0, duplicates: 0, serverGaps: 0, stray: 0 });

export function addChecks(into: Checks, a: Checks, sign = 1): void {
  for (const k of Object.keys(into) as (keyof Checks)[]) into[k] += sign * a[k];
}

/** One subscriber: checks order per frame and reports deliveries to the current run. */
export class Subscriber {
  readonly checks = zeroChecks();
  /** The last sequence seen. */
  last = -1;
  subscription?: string;
  /** Bytes of the last frame (message size as the subscriber sees it). */
  frameBytes = 0;
  /** The JSON-RPC connection of a WebSocket subscriber (actorgrid, raw); none for Socket.IO. */
  readonly connection?: RpcConnection;
  private readonly closeLink: () => Promise<void>;

  /** `link`: a WebSocket whose JSON-RPC notifications this subscriber reads, or any connection that feeds `receive` itself. */
  constructor(
    private readonly group: SubscriberGroup,
    link: WebSocket | { close(): Promise<void> },
  ) {
    if (link instanceof WebSocket) {
      const connection = new RpcConnection(link, (method, params, bytes, now) => {
        const notice = params && this.group.flavor.read(method, params);
        if (notice) this.receive(notice, bytes, now);
      });
      this.connection = connection;
      this.closeLink = () => closeSocket(link);
    } else this.closeLink = () => link.close();
  }

  call(method: string, params: unknown): Promise<unknown> {
    if (!this.connection) return Promise.reject(new Error('this subscriber speaks no JSON-RPC'));
    return this.connection.call(method, params);
  }

  close(): Promise<void> {
    return this.closeLink();
  }

  /** Checks one notice's order and counts it for the run in progress; `now`: when its frame arrived (bench clock). */
  receive(notice: Notice, frameBytes: number, now: number): void {
    const checks = this.checks;
    if (notice.kind === 'skip') {
      checks.serverGaps += 1;
      if (notice.seq !== undefined) this.last = notice.seq;
      return;
    }
    const { seq, body, subscription } = notice;
    this.frameBytes = frameBytes;
    if (this.subscription !== undefined && subscription !== this.subscription) {
      checks.stray += 1;
      return;
    }
    if (seq === this.last + 1) this.last = seq;
    else if (seq > this.last + 1) {
      checks.gaps += 1;
      checks.gapMessages += seq - this.last - 1;
      this.last = seq;
    } else checks.duplicates += 1;
    const run = this.group.current;
    if (run && body?.r === run.id && run.deliver(body.i, body.t, now)) checks.delivered += 1;
    else checks.stray += 1;
  }
}

/** Closes a WebSocket (terminates it if the close handshake takes over 2 s). */
function closeSocket(socket: WebSocket): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    socket.once('close', () => resolve());
    socket.close(1000);
    setTimeout(() => (socket.terminate(), resolve()), 2000).unref();
  });
}

/** Opens `count` items with at most `concurrency` handshakes in flight (a listen backlog is ~511). */
async function openMany<T>(count: number, concurrency: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, concurrency) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await open(i);
      }
    }),
  );
  return out;
}

/** The subscribers of one side, spread evenly over its two server processes. */
export class SubscriberGroup {
  readonly subscribers: Subscriber[] = [];
  current?: Run;

  constructor(
    readonly side: FanoutSide,
    readonly flavor: FanoutFlavor,
    /** ws:// URLs of the two servers' subscriber endpoints. */
    private readonly urls: string[],
    /** For raw and Socket.IO subscribers: the sequence the publisher sends next (they start right before it). */
    private readonly rawNextSeq: () => number,
    /** Opens one subscriber on the server at `url`; by default a WebSocket to it. */
    private readonly open: (url: string, group: SubscriberGroup) => Promise<Subscriber> = async (url, group) => new Subscriber(group, await openSocket(url)),
  ) {}

  get size(): number {
    return this.subscribers.length;
  }

  /** Adds subscribers until there are `total`, alternating between the servers. */
  async growTo(total: number): Promise<void> {
    const start = this.subscribers.length;
    const added = await openMany(Math.max(0, total - start), 50, async (k) => {
      const url = this.urls[(start + k) % this.urls.length];
      const sub = await this.open(url, this);
      if (this.side === 'actorgrid') {
        ({ subscription: sub.subscription, last: sub.last } = await this.flavor.subscribe((method, params) => sub.call(method, params)));
      } else {
        sub.last = this.rawNextSeq() - 1;
      }
      return sub;
    });
    this.subscribers.push(...added);
    // actorgrid activates a subscription right after its reply (setImmediate); the raw server adds a
    // subscriber in the tick it completes the handshake, Socket.IO joins the room in the tick it sends
    // its CONNECT. Either way, a short pause covers it.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  checks(): Checks {
    const c = zeroChecks();
    for (const s of this.subscribers) addChecks(c, s.checks);
    return c;
  }

  /** Sequences every subscriber should have seen and did not, counted from each one's last. */
  missingAtEnd(expectedLast: number): number {
    return this.subscribers.reduce((n, s) => n + Math.max(0, expectedLast - s.last), 0);
  }

  frameBytes(): number {
    return this.subscribers.find((s) => s.frameBytes > 0)?.frameBytes ?? 0;
  }

  async close(): Promise<void> {
    await Promise.all(this.subscribers.map((s) => s.close()));
  }
}
