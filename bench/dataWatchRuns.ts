/**
 * The data section's watch runs (dataSection.ts), on the collection bench_live over 2 nodes:
 * (ii) change → `data.change` latency and the nodes' CPU per change as watched queries grow, each
 * change notifying 10% of the watches, and a change notifying none (what the watches that a change
 * does not concern cost); (iii) `data.update` writes/s with no watch, and with 1,000. The method is
 * described in bench/README.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DataServers } from './dataSection';
import { Samples } from './fanout';
import { closedLoop, forEachConcurrently } from './loadLoop';
import type { DataOptions } from './options';
import { cpuSnapshot } from './procCpu';
import { fmt, table } from './stats';
import { openSocket, RpcConnection, WsRpcPool } from './WsRpcPool';

export const LIVE = 'bench_live';
/** Owners the watched queries filter on (`owner = 'u<k>'`): each change notifies 1 ÷ OWNERS of the watches. */
const OWNERS = 10;
/** Records per owner changed by the latency runs, and records of owner `x` (watched by nobody). */
const PER_OWNER = 4;
const UNWATCHED = 40;
const STALL_MS = 3000;
const IDLE_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** What the watching connections received of the current run (`value.r`). */
class Tracker {
  run = 0;
  received = 0;
  /** Notifications of another run (late, or not expected at all). */
  stray = 0;
  resets = 0;
  latencies = new Samples();

  start(run: number): void {
    this.run = run;
    this.received = 0;
    this.stray = 0;
    this.resets = 0;
    this.latencies = new Samples();
  }

  on = (method: string, params: Record<string, unknown> | undefined, _bytes: number, at: number): void => {
    if (method === 'data.reset') this.resets += 1;
    if (method !== 'data.change') return;
    const value = params?.value as { r?: number; t?: number } | undefined;
    if (value?.r !== this.run) {
      this.stray += 1;
      return;
    }
    this.received += 1;
    this.latencies.push(at - value.t!);
  };
}

/** One latency or CPU run at one watch count. */
export interface ChangeSample {
  watches: number;
  kind: 'matching' | 'unwatched';
  /** Watches each change notifies. */
  notifiedPerChange: number;
  rate: number;
  changes: number;
  errors: number;
  expected: number;
  received: number;
  stray: number;
  resets: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Node CPU per change, µs, the nodes' idle CPU over the same time taken off. */
  cpuUsPerChange: Record<string, number>;
  /** Cores' worth of CPU the rest of the machine used meanwhile (noise). */
  otherCores: number;
}

/** One write run. */
export interface WriteSample {
  label: string;
  watches: number;
  notifiedPerWrite: number;
  writesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  notificationsPerSec: number;
  resets: number;
  cpuUsPerWrite: Record<string, number>;
  otherCores: number;
}

export interface WatchSummary {
  changes: ChangeSample[];
  writes: WriteSample[];
  /** CPU per change at the most watches ÷ at the fewest, by kind (both nodes together). */
  growth: Record<string, number>;
  table: string;
}

/**
 * Runs (ii) and (iii); closes its own connections. With `profile`, both nodes are CPU-profiled during
 * each change run: data<watches>-<matching|unwatched>-<node1|node2>.cpuprofile.
 */
export async function runWatches(servers: DataServers, options: DataOptions, profile: { dir: string } | undefined, log: (line: string) => void): Promise<WatchSummary> {
  const urls = servers.nodes.map((n) => `${n.url.replace(/^http/, 'ws')}/ws`);
  const tracker = new Tracker();
  const watchers = await Promise.all(urls.map(async (url) => Promise.all(Array.from({ length: options.connectionsPerNode }, async () => new RpcConnection(await openSocket(url), tracker.on)))));
  const writers = await Promise.all(urls.map((url) => WsRpcPool.open(url, 4)));
  const write = (i: number, id: string, set: Record<string, unknown>): Promise<unknown> => writers[i % 2].call(Math.floor(i / 2), 'data.update', { collection: LIVE, id, set });
  const pids = { node1: servers.nodes[0].pid, node2: servers.nodes[1].pid };
  // The member and the bench too, so that `other` is only what is not ours.
  const cpuNodes = (): Record<string, number> => cpuSnapshot({ ...pids, member: servers.memberPid, bench: process.pid });
  let runs = 0;
  const changes: ChangeSample[] = [];
  const writes: WriteSample[] = [];
  try {
    // The records: per owner u<k> PER_OWNER changed by the latency runs; UNWATCHED of owner x; per writer one of owner x and one of u<w % OWNERS>.
    const ids: Array<[string, string]> = [];
    for (let k = 0; k < OWNERS; k++) for (let j = 0; j < PER_OWNER; j++) ids.push([`live-u${k}-${j}`, `u${k}`]);
    for (let j = 0; j < UNWATCHED; j++) ids.push([`live-x-${j}`, 'x']);
    for (let w = 0; w < options.writers; w++) ids.push([`w-${w}`, 'x'], [`wm-${w}`, `u${w % OWNERS}`]);
    await forEachConcurrently(ids.length, 16, (i) => writers[0].call(i, 'data.create', { collection: LIVE, id: ids[i][0], value: { title: ids[i][0], owner: ids[i][1], n: 0 } }).catch(() => undefined));

    /** The nodes' CPU ms per ms while nothing runs (heartbeats, sweeps, feeds polling). */
    const idle = async (): Promise<Record<string, number>> => {
      const a = cpuNodes();
      const t = performance.now();
      await sleep(IDLE_MS);
      const b = cpuNodes();
      const ms = performance.now() - t;
      return Object.fromEntries(Object.keys(pids).map((p) => [p, (b[p] - a[p]) / ms]));
    };

    /** Open loop at `rate`/s for `durationMs`, writer i alternating nodes; then waits for the notifications. */
    const changeRun = async (watches: number, kind: ChangeSample['kind'], rate: number): Promise<ChangeSample> => {
      const idleRate = await idle();
      const notifiedPerChange = kind === 'matching' ? watches / OWNERS : 0;
      if (profile) await Promise.all(servers.nodes.map((n) => n.startProfile()));
      tracker.start(++runs);
      let sent = 0;
      let errors = 0;
      const inFlight: Array<Promise<unknown>> = [];
      const before = cpuNodes();
      const start = performance.now();
      for (let i = 0; performance.now() - start < options.changeMs; i++) {
        await sleep(start + (i * 1000) / rate - performance.now());
        const id = kind === 'matching' ? `live-u${i % OWNERS}-${Math.floor(i / OWNERS) % PER_OWNER}` : `live-x-${i % UNWATCHED}`;
        sent += 1;
        inFlight.push(write(i, id, { t: performance.now(), r: tracker.run, n: i }).catch(() => void (errors += 1)));
      }
      await Promise.all(inFlight);
      const expected = (sent - errors) * notifiedPerChange;
      let last = tracker.received;
      let progressAt = performance.now();
      while (tracker.received < expected && performance.now() - progressAt < STALL_MS) {
        await sleep(20);
        if (tracker.received !== last) [last, progressAt] = [tracker.received, performance.now()];
      }
      if (kind === 'unwatched') await sleep(200); // a notification that should not come would come now
      const after = cpuNodes();
      if (profile) {
        fs.mkdirSync(profile.dir, { recursive: true });
        await Promise.all(servers.nodes.map((n, i) => n.stopProfile(path.join(profile.dir, `data${watches}-${kind}-node${i + 1}.cpuprofile`))));
      }
      const ms = performance.now() - start;
      const done = Math.max(1, sent - errors);
      const [p50Ms, p99Ms, maxMs] = tracker.latencies.quantiles(0.5, 0.99, 1);
      const cpuUsPerChange = Object.fromEntries(Object.keys(pids).map((p) => [p, ((after[p] - before[p] - idleRate[p] * ms) * 1000) / done]));
      const otherCores = (after.other - before.other) / ms;
      const s: ChangeSample = { watches, kind, notifiedPerChange, rate, changes: sent, errors, expected, received: tracker.received, stray: tracker.stray, resets: tracker.resets, p50Ms, p99Ms, maxMs, cpuUsPerChange, otherCores };
      log(
        `(data) ${watches} watches, ${kind} changes at ${rate}/s: ${sent} changes (${errors} failed), notifications ${s.received}/${expected} (+${s.stray} stray, ${s.resets} resets), ` +
          `p50 ${fmt(p50Ms)} p99 ${fmt(p99Ms)} ms, CPU µs/change node1 ${fmt(cpuUsPerChange.node1)} node2 ${fmt(cpuUsPerChange.node2)}, other cores ${otherCores.toFixed(2)}`,
      );
      return s;
    };

    /** Closed loop: writer w updates its own record (`w-<w>`: nobody watches it; `wm-<w>`: watched by 1 ÷ OWNERS of the watches). */
    const writeRun = async (label: string, watches: number, matching: boolean): Promise<WriteSample> => {
      const idleRate = await idle();
      tracker.start(++runs);
      const before = cpuNodes();
      const t = performance.now();
      const r = await closedLoop(options.writers, options.durationMs, (w, seq) => write(w, `${matching ? 'wm' : 'w'}-${w}`, { t: performance.now(), r: tracker.run, n: seq }));
      const after = cpuNodes();
      const ms = performance.now() - t;
      const s: WriteSample = {
        label,
        watches,
        notifiedPerWrite: matching ? watches / OWNERS : 0,
        writesPerSec: r.opsPerSec,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        errors: r.errors,
        notificationsPerSec: (tracker.received * 1000) / ms,
        resets: tracker.resets,
        cpuUsPerWrite: Object.fromEntries(Object.keys(pids).map((p) => [p, ((after[p] - before[p] - idleRate[p] * ms) * 1000) / Math.max(1, r.ops)])),
        otherCores: (after.other - before.other) / ms,
      };
      log(`(data) writes, ${label}: ${Math.round(s.writesPerSec)}/s, p50 ${fmt(s.p50Ms)} p99 ${fmt(s.p99Ms)} ms, ${s.errors} errors, ${Math.round(s.notificationsPerSec)} notifications/s, ${s.resets} resets, other cores ${s.otherCores.toFixed(2)}`);
      await sleep(500); // let the last run's notifications drain before the next run
      return s;
    };

    await writeRun('warm-up', 0, false);
    writes.push(await writeRun('no watch', 0, false));
    // The baseline of the CPU curve: changes with no watch at all (no feed on either node).
    changes.push(await changeRun(0, 'unwatched', 200));
    let count = 0;
    const writeLevel = options.watches.includes(1000) ? 1000 : options.watches[0];
    for (const target of options.watches) {
      const t0 = performance.now();
      // Watch i: owner u<i % OWNERS>, on node floor(i / OWNERS) % 2 (so every owner's watches are on both nodes), spread over the connections.
      await forEachConcurrently(target - count, 32, async (n) => {
        const i = count + n;
        const conn = watchers[Math.floor(i / OWNERS) % 2][Math.floor(i / (2 * OWNERS)) % options.connectionsPerNode];
        await conn.call('data.query', { collection: LIVE, where: `owner = 'u${i % OWNERS}'`, watch: true });
      });
      log(`(data) ${target} watches (${target - count} created in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      count = target;
      await sleep(300);
      const rate = Math.min(200, Math.floor(options.notificationsPerSec / Math.max(1, target / OWNERS)));
      changes.push(await changeRun(target, 'matching', rate));
      changes.push(await changeRun(target, 'unwatched', 200));
      if (target === writeLevel) {
        writes.push(await writeRun(`${target} watches, none notified`, target, false));
        writes.push(await writeRun(`${target} watches, ${target / OWNERS} notified per write`, target, true));
      }
    }
    // Again with no watch, after the runs (the first one ran right after the query scans).
    await Promise.allSettled(watchers.flat().map((c) => c.close()));
    await sleep(500);
    writes.push(await writeRun('no watch (again, at the end)', 0, false));
  } finally {
    await Promise.allSettled([...watchers.flat().map((c) => c.close()), ...writers.map((w) => w.close())]);
  }
  const both = (s: ChangeSample): number => s.cpuUsPerChange.node1 + s.cpuUsPerChange.node2;
  const growth: Record<string, number> = {};
  for (const kind of ['matching', 'unwatched'] as const) {
    const mine = changes.filter((c) => c.kind === kind && c.watches > 0);
    if (mine.length > 1) growth[kind] = both(mine[mine.length - 1]) / both(mine[0]);
  }
  return { changes, writes, growth, table: renderWatches(changes, writes, growth, options) };
}

const cpuText = (cpu: Record<string, number>): string =>
  Object.entries(cpu)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');

function renderWatches(changes: ChangeSample[], writes: WriteSample[], growth: Record<string, number>, options: DataOptions): string {
  const head = [
    `(data ii) Watched queries owner = 'u<k>' (k = watch % ${OWNERS}) on ${LIVE}, split evenly over 2 nodes and ${options.connectionsPerNode} WebSocket connections per node.`,
    `matching: data.update of a record owned by u<k> (so it notifies 1/${OWNERS} of the watches), open loop at min(200, ${options.notificationsPerSec} ÷ notified)/s for`,
    `${options.changeMs} ms, updates alternating between the nodes; latency = update sent → data.change received (one clock), over every notification.`,
    'unwatched: the same at 200/s on records no watch concerns (owner x). CPU µs/change: /proc CPU of each node over the run, its idle CPU',
    `(${IDLE_MS} ms measured just before) taken off, ÷ changes; it includes the update's own turn on the node that ran it (half the changes each).`,
  ].join('\n');
  const rows = changes.map((c) => [
    c.watches.toLocaleString('en-US'),
    c.kind,
    String(c.notifiedPerChange),
    String(c.rate),
    String(c.changes),
    `${c.received}/${c.expected}`,
    String(c.stray + c.resets + c.errors),
    fmt(c.p50Ms),
    fmt(c.p99Ms),
    fmt(c.maxMs),
    cpuText(c.cpuUsPerChange),
    c.notifiedPerChange > 0 ? fmt((c.cpuUsPerChange.node1 + c.cpuUsPerChange.node2) / c.notifiedPerChange) : '-',
    c.otherCores.toFixed(2),
  ]);
  const main = table(['(data ii) watches', 'changes', 'notified/change', 'changes/s', 'changes', 'notifications got/expected', 'stray+resets+errors', 'p50 ms', 'p99 ms', 'max ms', 'CPU µs/change by node', 'CPU µs/notification', 'other cores'], rows);
  const first = changes.find((c) => c.watches > 0)?.watches ?? NaN;
  const last = changes[changes.length - 1]?.watches;
  const growthText = Object.entries(growth)
    .map(([k, v]) => `${k}: ${v.toFixed(2)}×`)
    .join('; ');
  const writeHead = `(data iii) data.update closed loop, ${options.writers} in flight over 4 connections per node (alternating nodes), each writer its own record, ${options.durationMs} ms per run.`;
  const writeTable = table(
    ['(data iii) writes', 'notified/write', 'writes/s', 'p50 ms', 'p99 ms', 'errors', 'notifications/s', 'resets', 'CPU µs/write by node', 'other cores'],
    writes.map((w) => [w.label, String(w.notifiedPerWrite), fmt(w.writesPerSec), fmt(w.p50Ms), fmt(w.p99Ms), String(w.errors), fmt(w.notificationsPerSec), String(w.resets), cpuText(w.cpuUsPerWrite), w.otherCores.toFixed(2)]),
  );
  return `${head}\n\n${main}\n\nCPU per change (both nodes) at ${last} ÷ at ${first} watches (${(last / first).toFixed(0)}× the watches): ${growthText}\n\n${writeHead}\n\n${writeTable}`;
}
