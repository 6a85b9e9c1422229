/**
 * Fan-out (f): deliveries per second and publish → receive latency of destination messages pushed
 * over WebSocket, actorgrid (publisher → node → ringbuffer → each node's feed → its subscribers)
 * against a bare `ws` broadcast (publisher → server → its subscribers; bench/bareBroadcast.ts), with
 * the same subscriber counts split over two server processes, the same frame size and the same
 * client code. Every subscriber checks, for every frame, that sequences arrive in order without gap
 * or repeat. All clients live in the bench process, so send and receive times share its clock.
 * See bench/README.md.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { WsRpcPool } from './WsRpcPool';

/** The plain destination the node declares for the bench (ACTORGRID_DESTINATIONS_NAMES). */
export const FANOUT_DESTINATION = 'bench';
/** What the raw frames carry where actorgrid writes the subscription id (the same length). */
const RAW_SUBSCRIPTION = '0'.repeat(32);
/** A run that has received nothing for this long while messages are outstanding is over. */
const STALL_MS = 3000;

export type FanoutSide = 'actorgrid' | 'raw';

/** The body every published message carries: run, index in the run, send time (bench clock, ms), padding. */
interface Body {
  r: number;
  i: number;
  t: number;
  p: string;
}

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
  /** `destination.gap` notifications (the node said it skipped messages: backpressure or retention). */
  serverGaps: number;
  /** Frames from an earlier run (after a stalled run) or with someone else's subscription id. */
  stray: number;
}

const zeroChecks = (): Checks => ({ delivered: 0, gaps: 0, gapMessages: 0, duplicates: 0, serverGaps: 0, stray: 0 });

function addChecks(into: Checks, a: Checks, sign = 1): void {
  for (const k of Object.keys(into) as (keyof Checks)[]) into[k] += sign * a[k];
}

/** A growable array of doubles (latencies). */
class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** p-quantiles (0..1) of what was pushed. */
  quantiles(...qs: number[]): number[] {
    const sorted = this.data.subarray(0, this.length).sort();
    return qs.map((q) => (this.length === 0 ? NaN : sorted[Math.min(this.length - 1, Math.floor(q * this.length))]));
  }
}

/** One measurement in progress: which messages every subscriber has, and the latencies. */
class Run {
  /** Per message index: subscribers that still have not received it. */
  private remaining = new Int32Array(1024);
  readonly latencies = new Samples();
  sent = 0;
  completed = 0;
  deliveries = 0;
  lastProgressAt = performance.now();
  /** When the last message reached its last subscriber. */
  lastCompletionAt = 0;
  onComplete: () => void = () => {};

  constructor(
    readonly id: number,
    readonly subscribers: number,
  ) {}

  /** Registers message `i` as sent (before its frame can arrive). */
  sending(i: number): void {
    if (i >= this.remaining.length) {
      const next = new Int32Array(Math.max(this.remaining.length * 2, i + 1));
      next.set(this.remaining);
      this.remaining = next;
    }
    this.remaining[i] = this.subscribers;
    this.sent = Math.max(this.sent, i + 1);
  }

  /** Message `i` will never arrive (its publish failed): stop waiting for it. */
  abandon(i: number): void {
    if (i >= this.sent || this.remaining[i] <= 0) return;
    this.remaining[i] = 0;
    this.completed += 1;
    this.onComplete();
  }

  deliver(i: number, sentAt: number, now: number): boolean {
    if (i >= this.sent || this.remaining[i] <= 0) return false;
    this.deliveries += 1;
    this.latencies.push(now - sentAt);
    this.lastProgressAt = now;
    if (--this.remaining[i] === 0) {
      this.completed += 1;
      this.lastCompletionAt = now;
      this.onComplete();
    }
    return true;
  }
}

/** One subscriber connection: checks order per frame and reports deliveries to the current run. */
class Subscriber {
  readonly checks = zeroChecks();
  /** The last sequence seen. */
  last = -1;
  subscription?: string;
  /** Bytes of the last frame (message size as the subscriber sees it). */
  frameBytes = 0;
  private nextId = 1;
  private readonly replies = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(
    readonly socket: WebSocket,
    private readonly group: SubscriberGroup,
  ) {
    socket.on('message', (data: Buffer) => this.onFrame(data));
    const fail = (err: Error): void => {
      for (const r of this.replies.values()) r.reject(err);
      this.replies.clear();
    };
    socket.on('close', () => fail(new Error('subscriber websocket closed')));
    socket.on('error', fail);
  }

  call(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  private onFrame(data: Buffer): void {
    const now = performance.now();
    const frame = JSON.parse(data.toString()) as {
      id?: number;
      method?: string;
      result?: unknown;
      error?: { message: string };
      params?: { subscription: string; seq: number; body: Body };
    };
    if (frame.method === 'destination.message' && frame.params) {
      const { seq, body, subscription } = frame.params;
      this.frameBytes = data.length;
      const checks = this.checks;
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
      if (run && body.r === run.id && run.deliver(body.i, body.t, now)) checks.delivered += 1;
      else checks.stray += 1;
    } else if (frame.method === 'destination.gap') {
      this.checks.serverGaps += 1;
    } else if (typeof frame.id === 'number') {
      const reply = this.replies.get(frame.id);
      this.replies.delete(frame.id);
      if (frame.error) reply?.reject(new Error(frame.error.message));
      else reply?.resolve(frame.result);
    }
  }
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
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
    /** ws:// URLs of the two servers' subscriber endpoints. */
    private readonly urls: string[],
    /** For raw subscribers: the sequence the publisher sends next (they start right before it). */
    private readonly rawNextSeq: () => number,
  ) {}

  get size(): number {
    return this.subscribers.length;
  }

  /** Adds subscribers until there are `total`, alternating between the servers. */
  async growTo(total: number): Promise<void> {
    const start = this.subscribers.length;
    const added = await openMany(Math.max(0, total - start), 50, async (k) => {
      const url = this.urls[(start + k) % this.urls.length];
      const sub = new Subscriber(await openSocket(url), this);
      if (this.side === 'actorgrid') {
        const r = (await sub.call('destination.subscribe', { destination: FANOUT_DESTINATION })) as { subscription: string; seq: number };
        sub.subscription = r.subscription;
        sub.last = r.seq;
      } else {
        sub.last = this.rawNextSeq() - 1;
      }
      return sub;
    });
    this.subscribers.push(...added);
    // actorgrid activates a subscription right after its reply (setImmediate); the raw server adds a
    // subscriber in the tick it completes the handshake. Either way, a short pause covers it.
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
    await Promise.all(
      this.subscribers.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.socket.readyState === WebSocket.CLOSED) return resolve();
            s.socket.once('close', () => resolve());
            s.socket.close(1000);
            setTimeout(() => (s.socket.terminate(), resolve()), 2000).unref();
          }),
      ),
    );
  }
}

/** Sends one message; resolves to its sequence (actorgrid) once the publish is acknowledged. */
export interface Publisher {
  readonly side: FanoutSide;
  publish(body: Body): Promise<number>;
  /** The sequence the last message got (for the end-of-run check). */
  readonly lastSeq: number;
  close(): Promise<void>;
}

/** One WebSocket JSON-RPC connection to the first node: `destination.publish`. */
export class ActorgridPublisher implements Publisher {
  readonly side = 'actorgrid';
  lastSeq = -1;

  private constructor(private readonly pool: WsRpcPool) {}

  static async open(url: string): Promise<ActorgridPublisher> {
    return new ActorgridPublisher(await WsRpcPool.open(url, 1));
  }

  async publish(body: Body): Promise<number> {
    const { seq } = (await this.pool.call(0, 'destination.publish', { destination: FANOUT_DESTINATION, body })) as { seq: number };
    this.lastSeq = Math.max(this.lastSeq, seq);
    return seq;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * One connection to each raw broadcast server's `/pub`; every message goes to both, as a frame of
 * exactly the shape (and so, with the same body, the size) of actorgrid's `destination.message`
 * notification. It numbers the messages itself, like the destination does.
 */
export class RawPublisher implements Publisher {
  readonly side = 'raw';
  nextSeq = 0;

  private constructor(private readonly sockets: WebSocket[]) {}

  static async open(urls: string[]): Promise<RawPublisher> {
    return new RawPublisher(await Promise.all(urls.map(openSocket)));
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  async publish(body: Body): Promise<number> {
    const seq = this.nextSeq++;
    const frame = JSON.stringify({
      jsonrpc: '2.0',
      method: 'destination.message',
      params: { subscription: RAW_SUBSCRIPTION, destination: FANOUT_DESTINATION, seq, headers: {}, body, publishedAt: Date.now() },
    });
    for (const s of this.sockets) s.send(frame);
    return seq;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.readyState === WebSocket.CLOSED) return resolve();
            s.once('close', () => resolve());
            s.close(1000);
          }),
      ),
    );
  }
}

/** What one fan-out run measured. */
export interface FanoutRunResult {
  /** Messages published. */
  messages: number;
  /** From the first publish until the last message reached its last subscriber, ms. */
  elapsedMs: number;
  deliveries: number;
  deliveriesPerSec: number;
  messagesPerSec: number;
  /** Publish → receive, over every delivery, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Deliveries expected (messages × subscribers) and not received by the end of the run. */
  missing: number;
  /** Subscribers' order checks during the run (see Checks). */
  checks: Checks;
  publishErrors: number;
  firstError?: string;
  /** True when the run ended because nothing arrived for STALL_MS with messages outstanding. */
  stalled: boolean;
}

let runIds = 0;
let padCache = { bytes: -1, pad: '' };

/** Padding so that the body `{r,i,t,p}` is about `bytes` long in JSON. */
function padFor(bodyBytes: number): string {
  if (padCache.bytes !== bodyBytes) {
    const probe = JSON.stringify({ r: 1, i: 10000, t: 123456.789012, p: '' }).length;
    padCache = { bytes: bodyBytes, pad: 'x'.repeat(Math.max(0, bodyBytes - probe)) };
  }
  return padCache.pad;
}

/**
 * Runs one measurement. `mode.window`: closed loop — publish as fast as possible while fewer than
 * `window` messages are outstanding (not yet received by every subscriber), for `durationMs`.
 * `mode.rate`: open loop — publish `rate` messages per second on schedule for `durationMs`, whatever
 * is outstanding. Either way, then wait until every message reached every subscriber (or a stall).
 */
export async function fanoutRun(
  group: SubscriberGroup,
  publisher: Publisher,
  mode: { window: number } | { rate: number },
  durationMs: number,
  bodyBytes: number,
): Promise<FanoutRunResult> {
  const run = new Run(++runIds, group.size);
  const checksBefore = group.checks();
  const pad = padFor(bodyBytes);
  let publishErrors = 0;
  let firstError: string | undefined;
  const publishes: Promise<unknown>[] = [];
  const publishOne = (): void => {
    const i = run.sent;
    run.sending(i);
    const p = publisher.publish({ r: run.id, i, t: performance.now(), p: pad }).catch((err: unknown) => {
      publishErrors += 1;
      firstError ??= err instanceof Error ? err.message : String(err);
      run.abandon(i);
    });
    publishes.push(p);
  };
  group.current = run;
  const start = performance.now();
  const deadline = start + durationMs;
  let stalled = false;
  let doneSending = false;
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finishIfDone = (): void => {
      if (performance.now() >= deadline && (doneSending || 'window' in mode) && run.completed >= run.sent) {
        clearInterval(watchdog);
        if (timer) clearTimeout(timer);
        resolve();
      }
    };
    const watchdog = setInterval(() => {
      const now = performance.now();
      if (now >= deadline && run.completed < run.sent && now - run.lastProgressAt > STALL_MS) {
        stalled = true;
        clearInterval(watchdog);
        if (timer) clearTimeout(timer);
        resolve();
        return;
      }
      finishIfDone();
    }, 50);
    if ('window' in mode) {
      const pump = (): void => {
        while (performance.now() < deadline && run.sent - run.completed < mode.window) publishOne();
        finishIfDone();
      };
      run.onComplete = pump;
      pump();
    } else {
      const total = Math.max(1, Math.round((mode.rate * durationMs) / 1000));
      const interval = 1000 / mode.rate;
      const tick = (): void => {
        const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
        while (run.sent < due) publishOne();
        doneSending = run.sent >= total;
        if (!doneSending) timer = setTimeout(tick, Math.max(0, start + run.sent * interval - performance.now()));
      };
      run.onComplete = finishIfDone;
      tick();
    }
  });
  await Promise.allSettled(publishes);
  group.current = undefined;
  const elapsedMs = (run.lastCompletionAt || performance.now()) - start;
  const checks = group.checks();
  addChecks(checks, checksBefore, -1);
  const [p50Ms, p99Ms, maxMs] = run.latencies.quantiles(0.5, 0.99, 1);
  return {
    messages: run.sent,
    elapsedMs,
    deliveries: run.deliveries,
    deliveriesPerSec: (run.deliveries * 1000) / elapsedMs,
    messagesPerSec: (run.completed * 1000) / elapsedMs,
    p50Ms,
    p99Ms,
    maxMs,
    missing: Math.max(run.sent * group.size - run.deliveries, group.missingAtEnd(publisher.lastSeq)),
    checks,
    publishErrors,
    ...(firstError === undefined ? {} : { firstError }),
    stalled,
  };
}
