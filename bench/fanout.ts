/**
 * Fan-out (f) and (s): deliveries per second and publish → receive latency of items pushed over
 * WebSocket — destination messages (f: publisher → node → ringbuffer → each node's feed → its
 * subscribers) or shared-object versions (s: `sharedObject.update` → the object's turn → its stream →
 * each node's feed → its subscribers) — against a bare `ws` broadcast (publisher → server → its
 * subscribers; bench/bareBroadcast.ts), with the same subscriber counts split over two server
 * processes, the same frame shape and size and the same client code. Every subscriber checks, for
 * every frame, that sequences (versions) arrive in order without gap or repeat (fanoutSubscribers.ts).
 * (f) also measures Socket.IO with its Redis adapter (socketIoSide.ts). All clients live in the
 * bench process, so send and receive times share its clock. See bench/README.md.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { addChecks, type Checks, type SubscriberGroup } from './fanoutSubscribers';
import { openSocket, WsRpcPool } from './WsRpcPool';

/** The plain destination the node declares for the bench (ACTORGRID_DESTINATIONS_NAMES). */
export const FANOUT_DESTINATION = 'bench';
/** What the raw frames carry where actorgrid writes the subscription id (the same length). */
const RAW_SUBSCRIPTION = '0'.repeat(32);
/** The same in the compact form: a connection's first subscription is `1`. */
const RAW_COMPACT_SUBSCRIPTION = '1';
/** A run that has received nothing for this long while messages are outstanding is over. */
const STALL_MS = 3000;

/** The sides of a fan-out section: actorgrid, the raw ws broadcast, and (f only) Socket.IO with its Redis adapter (socketIoSide.ts). */
export type FanoutSide = 'actorgrid' | 'raw' | 'socketio';

/** The body every published message carries: run, index in the run, send time (bench clock, ms), padding. */
export interface Body {
  r: number;
  i: number;
  t: number;
  p: string;
}

/** What a subscriber makes of one notification. */
export type Notice =
  /** An item: its sequence (a destination's `seq`, a shared object's `version`) and the body it carries. */
  | { kind: 'item'; subscription: string; seq: number; body: Body }
  /** The server said the subscriber skipped items: `destination.gap` (no sequence), or a shared-object reset to version `seq`. */
  | { kind: 'skip'; seq?: number };

/** JSON-RPC `call` of one connection. */
type Call = (method: string, params: unknown) => Promise<unknown>;

/**
 * What is fanned out: destination messages (f) or shared-object versions (s). Everything else of a
 * run — subscribers, window, latencies, the order check, the raw baseline — is the same for both.
 */
export interface FanoutFlavor {
  /** What one frame received by one subscriber is called in tables: `delivery`, `sync`; plural `nouns`. */
  readonly noun: string;
  readonly nouns: string;
  /** What the server's skip notices are called in the order check: `destination.gap`, `resets`. */
  readonly skipLabel: string;
  /** Subscribes over `call`; resolves to the subscription id and the last sequence it already has. */
  subscribe(call: Call): Promise<{ subscription: string; last: number }>;
  /** Reads a notification; undefined when it is none of this flavor's. */
  read(method: string, params: Record<string, unknown>): Notice | undefined;
  /** Publishes one body (actorgrid) over `call`; resolves to its sequence. */
  publish(call: Call, body: Body): Promise<number>;
  /** The raw baseline's frame for sequence `seq`: the exact shape (so the size) of actorgrid's notification. */
  rawFrame(seq: number, body: Body): string;
}

/**
 * (f): messages of the plain destination `bench`, in the named form or (`compact`) the compact one:
 * `destination.subscribe {…, compact: true}`, positional params and a per-connection id (docs/protocol.md).
 */
export function destinationFlavor(compact: boolean): FanoutFlavor {
  return {
    noun: 'delivery',
    nouns: 'deliveries',
    skipLabel: 'destination.gap',
    subscribe: async (call) => {
      const r = (await call('destination.subscribe', { destination: FANOUT_DESTINATION, ...(compact ? { compact: true } : {}) })) as { subscription: string; seq: number };
      return { subscription: r.subscription, last: r.seq };
    },
    read: (method, p) => {
      if (Array.isArray(p)) {
        // compact: [subscription, seq, publishedAt, body, …] / [subscription, from, to]
        if (method === 'destination.message') return { kind: 'item', subscription: p[0] as string, seq: p[1] as number, body: p[3] as Body };
        return method === 'destination.gap' ? { kind: 'skip' } : undefined;
      }
      if (method === 'destination.message') return { kind: 'item', subscription: p.subscription as string, seq: p.seq as number, body: p.body as Body };
      return method === 'destination.gap' ? { kind: 'skip' } : undefined;
    },
    publish: async (call, body) => ((await call('destination.publish', { destination: FANOUT_DESTINATION, body })) as { seq: number }).seq,
    rawFrame: (seq, body) =>
      JSON.stringify({
        jsonrpc: '2.0',
        method: 'destination.message',
        params: compact
          ? [RAW_COMPACT_SUBSCRIPTION, seq, Date.now(), body]
          : { subscription: RAW_SUBSCRIPTION, destination: FANOUT_DESTINATION, seq, headers: {}, body, publishedAt: Date.now() },
      }),
  };
}

/** (f) in the named form. */
export const DESTINATION_FLAVOR: FanoutFlavor = destinationFlavor(false);

/**
 * (s): versions of shared object `name`. A publish is `sharedObject.update` setting slot `slot` to the
 * body; an item is a `sharedObject.sync` (its body: the one slot it sets); a reset is a skip.
 */
export function sharedObjectFlavor(name: string, slot = 'v'): FanoutFlavor {
  return {
    noun: 'sync',
    nouns: 'syncs',
    skipLabel: 'resets',
    subscribe: async (call) => {
      const r = (await call('sharedObject.subscribe', { name })) as { subscription: string; version: number };
      return { subscription: r.subscription, last: r.version };
    },
    read: (method, p) => {
      if (method !== 'sharedObject.sync') return undefined;
      if (p.reset === true) return { kind: 'skip', seq: p.version as number };
      const set = (p.set ?? {}) as Record<string, Body>;
      return { kind: 'item', subscription: p.subscription as string, seq: p.version as number, body: set[Object.keys(set)[0]] };
    },
    publish: async (call, body) => ((await call('sharedObject.update', { name, set: { [slot]: body } })) as { version: number }).version,
    rawFrame: (seq, body) => JSON.stringify({ jsonrpc: '2.0', method: 'sharedObject.sync', params: { subscription: RAW_SUBSCRIPTION, name, version: seq, set: { [slot]: body } } }),
  };
}

/** A growable array of doubles (latencies). */
export class Samples {
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

let runIds = 0;

/** One measurement in progress: which messages every subscriber has, and the latencies. */
export class Run {
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

  /** A run with a new id (bodies carry it, so frames of an earlier run are told apart). */
  constructor(readonly subscribers: number) {}

  readonly id = ++runIds;

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

/** Sends one message; resolves to its sequence (actorgrid) once the publish is acknowledged. */
export interface Publisher {
  readonly side: FanoutSide;
  publish(body: Body): Promise<number>;
  /** The sequence the last message got (for the end-of-run check). */
  readonly lastSeq: number;
  close(): Promise<void>;
}

/** One WebSocket JSON-RPC connection to the first node: `destination.publish` or `sharedObject.update`. */
export class ActorgridPublisher implements Publisher {
  readonly side = 'actorgrid';
  lastSeq = -1;

  private constructor(
    private readonly pool: WsRpcPool,
    private readonly flavor: FanoutFlavor,
  ) {}

  static async open(url: string, flavor: FanoutFlavor): Promise<ActorgridPublisher> {
    return new ActorgridPublisher(await WsRpcPool.open(url, 1), flavor);
  }

  async publish(body: Body): Promise<number> {
    const seq = await this.flavor.publish((method, params) => this.pool.call(0, method, params), body);
    this.lastSeq = Math.max(this.lastSeq, seq);
    return seq;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * One connection to each raw broadcast server's `/pub`; every message goes to both, as a frame of
 * exactly the shape (and so, with the same body, the size) of actorgrid's notification
 * (`FanoutFlavor.rawFrame`). It numbers the messages itself, like the destination or object does.
 */
export class RawPublisher implements Publisher {
  readonly side = 'raw';
  nextSeq = 0;

  private constructor(
    private readonly sockets: WebSocket[],
    private readonly flavor: FanoutFlavor,
  ) {}

  static async open(urls: string[], flavor: FanoutFlavor): Promise<RawPublisher> {
    return new RawPublisher(await Promise.all(urls.map(openSocket)), flavor);
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  async publish(body: Body): Promise<number> {
    const seq = this.nextSeq++;
    const frame = this.flavor.rawFrame(seq, body);
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

let padCache = { bytes: -1, pad: '' };

/** Padding so that the body `{r,i,t,p}` is about `bytes` long in JSON. */
export function padFor(bodyBytes: number): string {
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
  const run = new Run(group.size);
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
