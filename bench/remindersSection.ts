/**
 * The reminders section of `npm run bench` (issue 14), 2 nodes on 1 member: (i) the fire rate of N
 * reminders on N actors all due at one instant, and its split over the nodes; (ii) how late a steady
 * trickle of reminders fires with no other reminders pending and with many pending far in the
 * future. The method is described in bench/README.md.
 */
import { performance } from 'node:perf_hooks';
import { Predicates } from 'hazelcast-client';
import { REMINDER_INDEX_MAP } from '../src/reminders/ReminderIndex';
import type { AlarmView } from './actors/BenchAlarm';
import { forEachConcurrently } from './loadLoop';
import type { RawGrid } from './RawGrid';
import { wsUrl, type ServerProcess } from './ServerProcess';
import { fmt, table } from './stats';
import { WsRpcPool } from './WsRpcPool';

/** The reminders section; see bench/README.md. */
export interface RemindersOptions {
  /** Reminders (one per actor) of the fire-rate run, all due at one instant. */
  fireCount: number;
  /** Reminders pending far in the future during the second lateness run. */
  pending: number;
  /** Reminders one call sets while creating the pending ones (≤ `reminders.maxPerActor`). */
  pendingPerActor: number;
  /** Reminders set per second in a lateness run. */
  trickleRate: number;
  /** Length of one lateness run, ms. */
  trickleMs: number;
  /** Each trickled reminder is due this long after it is set, ms. */
  dueAfterMs: number;
  /** Calls in flight while setting reminders. */
  concurrency: number;
  /** WebSocket connections per node. */
  connections: number;
}

export interface FireResult {
  count: number;
  /** Setting them: ms, and the time left until they were due when the last was set. */
  setMs: number;
  slackMs: number;
  firstAfterMs: number;
  lastAfterMs: number;
  firedPerSec: number;
  /** ms from the first fire to the middle one, and from the middle one to the last: a backlog that costs per poll drains faster as it shrinks. */
  firstHalfMs: number;
  secondHalfMs: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  /** By node: metric deltas of actorgrid_reminders_total{type="BenchAlarm"} by event. */
  byNode: Array<Record<string, number>>;
  once: number;
  never: number;
  twiceOrMore: number;
}

export interface TrickleResult {
  pending: number;
  count: number;
  setErrors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  once: number;
  never: number;
  twiceOrMore: number;
  byNode: Array<Record<string, number>>;
  /** The nodes' poll query, timed from the bench just before the run. */
  query: PollQuery;
}

/** Median ms of the poll query (due ≤ now AND claim ≤ now, through the index on due) and of a scan of the whole map, and what the poll query returned. */
export interface PollQuery {
  indexedMs: number;
  scanMs: number;
  entries: number;
}

export interface RemindersSummary {
  pollMs: string;
  fire: FireResult;
  trickles: TrickleResult[];
  pendingSetup: { reminders: number; calls: number; ms: number };
}

const TYPE = 'BenchAlarm';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const pick = (sorted: number[], q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
const sum = (xs: Array<Record<string, number>>, event: string): number => xs.reduce((n, x) => n + (x[event] ?? 0), 0);

/** One run of the section: its connections to both nodes and the helpers its measurements share. */
class RemindersRun {
  constructor(
    private readonly nodes: ServerProcess[],
    private readonly pools: WsRpcPool[],
    private readonly raw: RawGrid,
    private readonly options: RemindersOptions,
    private readonly log: (line: string) => void,
  ) {}

  /** Call `i` goes to node `i % 2`, so both nodes set reminders (and run the turns that fire them). */
  call(i: number, id: string, method: string, args: unknown[]): Promise<unknown> {
    const pool = this.pools[i % this.pools.length];
    return pool.call(Math.floor(i / this.pools.length), 'actor.call', { type: TYPE, id, method, args });
  }

  /** Each node's actorgrid_reminders_total{type="BenchAlarm"} by event. */
  async events(): Promise<Array<Record<string, number>>> {
    return Promise.all(
      this.nodes.map(async (node) => {
        const res = await fetch(`${node.url}/metrics`);
        if (!res.ok) throw new Error(`GET ${node.url}/metrics: HTTP ${res.status}`);
        const out: Record<string, number> = {};
        for (const m of (await res.text()).matchAll(/^actorgrid_reminders_total\{([^}]*)\} (\S+)$/gm)) {
          const event = /event="([^"]+)"/.exec(m[1])?.[1];
          if (event && m[1].includes(`type="${TYPE}"`)) out[event] = (out[event] ?? 0) + Number(m[2]);
        }
        return out;
      }),
    );
  }

  static delta(before: Array<Record<string, number>>, after: Array<Record<string, number>>): Array<Record<string, number>> {
    return after.map((a, k) => Object.fromEntries(Object.keys(a).map((e) => [e, a[e] - (before[k][e] ?? 0)])));
  }

  /** Waits until the nodes counted `count` more fires than in `before`, or nothing fired for `stallMs`. */
  async waitFired(before: Array<Record<string, number>>, count: number, what: string, stallMs = 30_000): Promise<void> {
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const fired = sum(RemindersRun.delta(before, await this.events()), 'fired');
      if (fired >= count) return;
      if (fired !== last) [last, lastChange] = [fired, Date.now()];
      else if (Date.now() - lastChange > stallMs) {
        this.log(`(rem) ${what}: ${fired} of ${count} fired and none for ${stallMs / 1000} s; going on`);
        return;
      }
      await sleep(100);
    }
  }

  /** Reads every alarm's state back (fires, firedAt, lateMs). */
  async readAll(ids: string[]): Promise<AlarmView[]> {
    const views: AlarmView[] = new Array(ids.length);
    await forEachConcurrently(ids.length, this.options.concurrency, async (i) => {
      views[i] = (await this.call(i, ids[i], 'read', [])) as AlarmView;
    });
    return views;
  }

  /**
   * ReminderIndex.due's query on `reminders` from the bench's raw client, 20 times, and for scale one
   * no index can answer (claim < 0: every entry is read, none returned).
   */
  async pollQuery(): Promise<PollQuery> {
    const map = await this.raw.jsonMap(REMINDER_INDEX_MAP);
    const time = async (predicate: () => Predicates.Predicate): Promise<{ ms: number; entries: number }> => {
      const times: number[] = [];
      let entries = 0;
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        entries = (await map.entrySetWithPredicate(predicate())).length;
        times.push(performance.now() - t0);
      }
      return { ms: pick(times.sort((a, b) => a - b), 0.5), entries };
    };
    const indexed = await time(() => Predicates.and(Predicates.lessEqual('due', Date.now()), Predicates.lessEqual('claim', Date.now())));
    const scan = await time(() => Predicates.lessThan('claim', 0));
    return { indexedMs: indexed.ms, scanMs: scan.ms, entries: indexed.entries };
  }

  /** Sets one reminder due at `at` on each actor of `ids`: the ms it took, and calls/s over its second half (warmer). */
  async setAll(ids: string[], at: number): Promise<{ ms: number; lateRate: number }> {
    const began = performance.now();
    let done = 0;
    let half = began;
    await forEachConcurrently(ids.length, this.options.concurrency, async (i) => {
      await this.call(i, ids[i], 'set', [at, 1]);
      if (++done === ids.length >> 1) half = performance.now();
    });
    const end = performance.now();
    return { ms: end - began, lateRate: ((ids.length - (ids.length >> 1)) * 1000) / Math.max(1, end - half) };
  }

  /**
   * (i): a warm-up — reminders set an hour ahead (the set rate, with nothing firing meanwhile), then
   * moved to 1 s ahead and fired — then `fireCount` reminders due at one T.
   */
  async fireRate(): Promise<FireResult> {
    const n = this.options.fireCount;
    const warmIds = Array.from({ length: Math.min(1000, Math.max(100, Math.floor(n / 10))) }, (_, i) => `warm-${i}`);
    const warm = await this.setAll(warmIds, Date.now() + 3_600_000);
    let before = await this.events();
    await this.setAll(warmIds, Date.now() + 1000);
    await this.waitFired(before, warmIds.length, 'warm-up');
    // Due late enough that setting all of them ends before T at the warm-up's later rate, with a margin.
    const ids = Array.from({ length: n }, (_, i) => `fire-${i}`);
    const T = Date.now() + Math.ceil((n * 1000 * 1.5) / warm.lateRate) + 3000;
    this.log(`(rem i) setting ${n} reminders due in ${((T - Date.now()) / 1000).toFixed(1)} s (warm-up: ${warmIds.length} set in ${Math.round(warm.ms)} ms, ${Math.round(warm.lateRate)}/s at the end)`);
    before = await this.events();
    const setMs = (await this.setAll(ids, T)).ms;
    const slackMs = T - Date.now();
    if (slackMs < 0) this.log(`(rem i) setting took longer than planned: the first ones fired ${-slackMs} ms before the last was set`);
    await sleep(T - Date.now());
    await this.waitFired(before, n, 'fire rate', 60_000);
    await sleep(2000); // time for a second fire of anything, to be seen below
    const byNode = RemindersRun.delta(before, await this.events());
    const views = await this.readAll(ids);
    const firedAt = views.filter((v) => v.fires > 0).map((v) => v.firedAt).sort((a, b) => a - b);
    const lateness = views.filter((v) => v.fires > 0).map((v) => v.lateMs).sort((a, b) => a - b);
    const lastAfterMs = firedAt[firedAt.length - 1] - T;
    return {
      count: n,
      setMs,
      slackMs,
      firstAfterMs: firedAt[0] - T,
      lastAfterMs,
      firedPerSec: (firedAt.length * 1000) / Math.max(1, lastAfterMs),
      firstHalfMs: firedAt[firedAt.length >> 1] - firedAt[0],
      secondHalfMs: firedAt[firedAt.length - 1] - firedAt[firedAt.length >> 1],
      latenessP50Ms: pick(lateness, 0.5),
      latenessP99Ms: pick(lateness, 0.99),
      byNode,
      ...RemindersRun.counts(views),
    };
  }

  /** (ii): `trickleRate` reminders/s for `trickleMs`, each due `dueAfterMs` after it is set; how late each fired. */
  async trickle(pending: number, prefix: string): Promise<TrickleResult> {
    const { trickleRate, trickleMs, dueAfterMs } = this.options;
    const count = Math.max(1, Math.round((trickleRate * trickleMs) / 1000));
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    const query = await this.pollQuery();
    const before = await this.events();
    let setErrors = 0;
    const calls: Array<Promise<unknown>> = [];
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      await sleep(start + (i * 1000) / trickleRate - performance.now());
      calls.push(this.call(i, ids[i], 'set', [Date.now() + dueAfterMs, 1]).catch(() => void (setErrors += 1)));
    }
    await Promise.all(calls);
    await this.waitFired(before, count - setErrors, `lateness, ${pending} pending`);
    await sleep(1000);
    const byNode = RemindersRun.delta(before, await this.events());
    const views = await this.readAll(ids);
    const late = views.filter((v) => v.fires > 0).map((v) => v.lateMs).sort((a, b) => a - b);
    return { pending, count, setErrors, p50Ms: pick(late, 0.5), p99Ms: pick(late, 0.99), maxMs: late[late.length - 1], byNode, query, ...RemindersRun.counts(views) };
  }

  /** `pending` reminders due in an hour, `pendingPerActor` per call. */
  async setPending(): Promise<{ reminders: number; calls: number; ms: number }> {
    const { pending, pendingPerActor } = this.options;
    const calls = Math.ceil(pending / pendingPerActor);
    const at = Date.now() + 3_600_000;
    const began = performance.now();
    await forEachConcurrently(calls, this.options.concurrency, (i) => this.call(i, `pending-${i}`, 'set', [at, Math.min(pendingPerActor, pending - i * pendingPerActor)]));
    return { reminders: pending, calls, ms: performance.now() - began };
  }

  private static counts(views: AlarmView[]): { once: number; never: number; twiceOrMore: number } {
    return {
      once: views.filter((v) => v.fires === 1).length,
      never: views.filter((v) => v.fires === 0).length,
      twiceOrMore: views.filter((v) => v.fires > 1).length,
    };
  }
}

/** Runs the whole reminders section on `nodes` (2, on one member); closes its own connections. */
export async function runReminders(
  nodes: ServerProcess[],
  raw: RawGrid,
  options: RemindersOptions,
  log: (line: string) => void,
): Promise<{ summary: RemindersSummary; table: string }> {
  const pools: WsRpcPool[] = [];
  try {
    for (const node of nodes) pools.push(await WsRpcPool.open(wsUrl(node, '/ws'), options.connections));
    const run = new RemindersRun(nodes, pools, raw, options, log);
    const fire = await run.fireRate();
    log(`(rem i) ${fire.count} due at once: last fired ${fire.lastAfterMs} ms after T, ${Math.round(fire.firedPerSec)}/s; once ${fire.once}, never ${fire.never}, twice+ ${fire.twiceOrMore}`);
    const trickles = [await run.trickle(0, 'late0')];
    log(`(rem ii) 0 pending: p50 ${trickles[0].p50Ms} ms, p99 ${trickles[0].p99Ms} ms`);
    log(`(rem ii) setting ${options.pending} pending reminders (${options.pendingPerActor} per call)`);
    const pendingSetup = await run.setPending();
    log(`(rem ii) ${options.pending} pending set in ${(pendingSetup.ms / 1000).toFixed(1)} s`);
    trickles.push(await run.trickle(options.pending, 'late1'));
    log(`(rem ii) ${options.pending} pending: p50 ${trickles[1].p50Ms} ms, p99 ${trickles[1].p99Ms} ms`);
    const pollMs = process.env.ACTORGRID_REMINDERS_POLL_MS ?? '500 (default)';
    const summary: RemindersSummary = { pollMs, fire, trickles, pendingSetup };
    for (const t of [fire, ...trickles]) if (t.never > 0 || t.twiceOrMore > 0) log(`(rem) NOT exactly once: ${JSON.stringify({ never: t.never, twiceOrMore: t.twiceOrMore })}`);
    return { summary, table: render(summary, options) };
  } finally {
    await Promise.allSettled(pools.map((p) => p.close()));
  }
}

const once = (r: { once: number; never: number; twiceOrMore: number }, n: number): string =>
  r.once === n ? `ok (${n.toLocaleString('en-US')})` : `${r.once} once, ${r.never} never, ${r.twiceOrMore} twice+`;
const events = (byNode: Array<Record<string, number>>, event: string): string => byNode.map((x) => (x[event] ?? 0).toLocaleString('en-US')).join(' / ');

function render(s: RemindersSummary, options: RemindersOptions): string {
  const f = s.fire;
  const fire = table(
    ['(rem i) all due at T', 'set s (calls/s)', 'slack s', 'first / last fired after T ms', 'fired/s', '1st / 2nd half s', 'fired node1 / node2', 'skipped', 'deferred', 'late p50 / p99 ms', 'exactly once'],
    [
      [
        `${f.count.toLocaleString('en-US')} reminders, 1 per actor`,
        `${fmt(f.setMs / 1000)} (${fmt((f.count * 1000) / f.setMs)})`,
        fmt(f.slackMs / 1000),
        `${fmt(f.firstAfterMs)} / ${fmt(f.lastAfterMs)}`,
        fmt(f.firedPerSec),
        `${fmt(f.firstHalfMs / 1000)} / ${fmt(f.secondHalfMs / 1000)}`,
        events(f.byNode, 'fired'),
        events(f.byNode, 'skipped'),
        events(f.byNode, 'deferred'),
        `${fmt(f.latenessP50Ms)} / ${fmt(f.latenessP99Ms)}`,
        once(f, f.count),
      ],
    ],
  );
  const rows = s.trickles.map((t) => [
    `${t.pending.toLocaleString('en-US')} pending`,
    `${t.count.toLocaleString('en-US')}`,
    fmt(t.p50Ms),
    fmt(t.p99Ms),
    fmt(t.maxMs),
    events(t.byNode, 'fired'),
    `${fmt(t.query.indexedMs)} / ${fmt(t.query.scanMs)}`,
    String(t.setErrors),
    once(t, t.count - t.setErrors),
  ]);
  const [a, b] = s.trickles;
  rows.push([`ratio ${b.pending.toLocaleString('en-US')} ÷ 0`, '', `×${(b.p50Ms / a.p50Ms).toFixed(2)}`, `×${(b.p99Ms / a.p99Ms).toFixed(2)}`, `×${(b.maxMs / a.maxMs).toFixed(2)}`, '', `×${(b.query.indexedMs / a.query.indexedMs).toFixed(2)} / ×${(b.query.scanMs / a.query.scanMs).toFixed(2)}`, '', '']);
  const late = table(['(rem ii) lateness = fired − due', 'reminders', 'p50 ms', 'p99 ms', 'max ms', 'fired node1 / node2', 'poll query / scan ms', 'set errors', 'exactly once'], rows);
  const p = s.pendingSetup;
  return [
    `(rem) BenchAlarm reminders over WebSocket actor calls to 2 nodes (alternating), 1 member; reminders.pollMs ${s.pollMs}.`,
    fire,
    '',
    `(rem ii) ${options.trickleRate}/s for ${options.trickleMs / 1000} s, each due ${options.dueAfterMs} ms after it is set; the pending ones are due in an hour,`,
    `set before the second run: ${p.reminders.toLocaleString('en-US')} reminders, ${options.pendingPerActor} per actor, ${p.calls.toLocaleString('en-US')} calls in ${fmt(p.ms / 1000)} s (${fmt((p.reminders * 1000) / p.ms)} reminders/s, ${fmt((p.calls * 1000) / p.ms)} calls/s).`,
    late,
    `(poll query: the nodes' query for due reminders, timed from the bench before the run, median of 20, with the index on due;`,
    ` scan: claim < 0, which no index answers, over the same map.)`,
  ].join('\n');
}
