import * as path from 'node:path';
import { Client } from 'pg';
import { HazelcastHarness } from '../scripts/harness/HazelcastHarness';
import { defaultDatabaseUrl, type MemberPersistenceOptions } from '../scripts/harness/MemberPersistence';
import { StateCodec } from '../src/actor/StateCodec';
import type { ActorRecord } from '../src/runtime/ActorRecord';
import { closedLoop, forEachConcurrently, type LoopResult } from './loadLoop';
import { fmt, summarize, table, type Summary } from './stats';
import type { ServerProcess } from './ServerProcess';
import { WsRpcPool } from './WsRpcPool';

/** The persistence section (p); see bench/README.md. */
export interface PersistenceBenchOptions {
  /** Actors the throughput load spreads over; each worker owns actors/concurrency of them. */
  actors: number;
  concurrency: number;
  connections: number;
  rounds: number;
  durationMs: number;
  warmupMs: number;
  /** The write-behind window of the write-behind cluster, s. */
  writeDelaySeconds: number;
  /** Actors seeded in PostgreSQL for the cold starts. */
  coldActors: number;
}

/** What the section needs from the run: the plain node (persistence off) and a way to start more nodes. */
export interface PersistenceContext {
  /** A node on the run's plain cluster: the "off" side. */
  offNode: ServerProcess;
  startNode: (name: string, file: string, cluster: HazelcastHarness) => Promise<ServerProcess>;
  log: (line: string) => void;
}

type Mode = 'off' | 'write-through' | 'write-behind';
const MODES: Mode[] = ['off', 'write-through', 'write-behind'];

export interface PersistenceSummary {
  throughput: Array<{ mode: Mode; opsPerSec: Summary; p50Ms: Summary; p99Ms: Summary; errors: number }>;
  cold: Array<{ keys: 'lazy' | 'eager'; clusterStartMs: number; firstCallMs: number; readAllMs: number; reads: number; errors: number }>;
}

const codec = new StateCodec();

/**
 * (p) Actor-call throughput (Counter.increment, spread over actors, closed loop over WebSocket)
 * with persistence off, write-through and write-behind side by side, rounds alternating the order;
 * then the cold start of a cluster over `coldActors` actors seeded in PostgreSQL, lazily and
 * eagerly loaded: time to start the member, to answer the first call, and to read every actor once.
 */
export async function runPersistence(
  ctx: PersistenceContext,
  options: PersistenceBenchOptions,
): Promise<{ summary: PersistenceSummary; table: string }> {
  const { log } = ctx;
  const url = defaultDatabaseUrl();
  const db = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await db.connect().catch((err: Error) => {
    throw new Error(`(p) needs PostgreSQL at ${url.host}${url.pathname} (set ACTORGRID_PG_URL): ${err.message}`);
  });
  const schema = `bench_${process.pid}`;
  const clusters: HazelcastHarness[] = [];
  const nodes: ServerProcess[] = [];
  const pools: WsRpcPool[] = [];
  const persisted = async (name: string, persistence: MemberPersistenceOptions): Promise<{ node: ServerProcess; cluster: HazelcastHarness; startMs: number }> => {
    const cluster = new HazelcastHarness({ members: 1, heapMb: 512, clusterName: `actorgrid-bench-${name}-${process.pid}`, persistence: { url: url.toString(), schema, ...persistence } });
    clusters.push(cluster);
    const began = Date.now();
    await cluster.start();
    const startMs = Date.now() - began;
    const node = await ctx.startNode(`node ${name}`, `node-${name}.log`, cluster);
    nodes.push(node);
    return { node, cluster, startMs };
  };
  const openPool = async (node: ServerProcess): Promise<WsRpcPool> => {
    const pool = await WsRpcPool.open(`${node.url.replace(/^http/, 'ws')}/ws`, options.connections);
    pools.push(pool);
    return pool;
  };
  try {
    // Throughput, the three modes side by side.
    const through = await persisted('write-through', { mode: 'write-through' });
    const behind = await persisted('write-behind', { mode: 'write-behind', writeDelaySeconds: options.writeDelaySeconds });
    const byMode: Record<Mode, WsRpcPool> = {
      off: await openPool(ctx.offNode),
      'write-through': await openPool(through.node),
      'write-behind': await openPool(behind.node),
    };
    const perWorker = Math.max(1, Math.floor(options.actors / options.concurrency));
    // Each worker owns its actors (no lock contention between workers); each mode its own ids.
    const increment = (mode: Mode) => (w: number, seq: number) =>
      byMode[mode].call(w, 'actor.call', { type: 'Counter', id: `p-${mode}-${w}-${seq % perWorker}`, method: 'increment', args: [] });
    log(`(p) creating ${perWorker * options.concurrency} actors per mode`);
    for (const mode of MODES) {
      await forEachConcurrently(perWorker * options.concurrency, options.concurrency, (i) => increment(mode)(i % options.concurrency, Math.floor(i / options.concurrency)));
    }
    if (options.warmupMs > 0) for (const mode of MODES) await closedLoop(options.concurrency, options.warmupMs, increment(mode));
    const samples: Record<Mode, LoopResult[]> = { off: [], 'write-through': [], 'write-behind': [] };
    for (let round = 1; round <= options.rounds; round++) {
      const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]);
      for (const mode of order) {
        const r = await closedLoop(options.concurrency, options.durationMs, increment(mode));
        if (r.errors > 0) log(`(p) ${mode}: ${r.errors} errors, first: ${r.firstError}`);
        samples[mode].push(r);
        log(`(p) round ${round} ${mode}: ${Math.round(r.opsPerSec)}/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`);
      }
    }
    const throughput = MODES.map((mode) => ({
      mode,
      opsPerSec: summarize(samples[mode].map((s) => s.opsPerSec)),
      p50Ms: summarize(samples[mode].map((s) => s.p50Ms)),
      p99Ms: summarize(samples[mode].map((s) => s.p99Ms)),
      errors: samples[mode].reduce((n, s) => n + s.errors, 0),
    }));
    await Promise.all(pools.splice(0).map((p) => p.close()));
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    await Promise.all(clusters.splice(0).map((c) => c.stop()));

    // Cold starts over coldActors actors that only PostgreSQL holds.
    log(`(p) seeding ${options.coldActors} actors in PostgreSQL`);
    await db.query(`DELETE FROM "${schema}".grid_entries`);
    const record = codec.encode({ v: 1, s: codec.encode({ value: 1 }), r: [] } satisfies ActorRecord);
    await db.query(`INSERT INTO "${schema}".grid_entries (map, key, bin) SELECT 'actor.Counter', 'cold-' || g, $1 FROM generate_series(0, $2::int - 1) g`, [record, options.coldActors]);
    const cold: PersistenceSummary['cold'] = [];
    for (const keys of ['lazy', 'eager'] as const) {
      const started = await persisted(`cold-${keys}`, { loadAllKeys: keys });
      const pool = await openPool(started.node);
      const get = (i: number): Promise<unknown> => pool.call(i, 'actor.call', { type: 'Counter', id: `cold-${i}`, method: 'get', args: [] });
      let began = Date.now();
      await get(0);
      const firstCallMs = Date.now() - began;
      let errors = 0;
      began = Date.now();
      await forEachConcurrently(options.coldActors, options.concurrency, (i) => get(i).catch(() => void (errors += 1)));
      const readAllMs = Date.now() - began;
      cold.push({ keys, clusterStartMs: started.startMs, firstCallMs, readAllMs, reads: options.coldActors, errors });
      log(`(p) cold ${keys}: member ${started.startMs} ms, first call ${firstCallMs} ms, ${options.coldActors} reads ${readAllMs} ms, ${errors} errors`);
      await Promise.all(pools.splice(0).map((p) => p.close()));
      await Promise.all(nodes.splice(0).map((n) => n.stop()));
      await Promise.all(clusters.splice(0).map((c) => c.stop()));
    }
    const summary: PersistenceSummary = { throughput, cold };
    return { summary, table: render(summary, options) };
  } finally {
    await Promise.allSettled(pools.map((p) => p.close()));
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await Promise.allSettled(clusters.map((c) => c.stop()));
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.end();
  }
}

function render(summary: PersistenceSummary, options: PersistenceBenchOptions): string {
  const off = summary.throughput.find((t) => t.mode === 'off')!.opsPerSec.median;
  const rows = summary.throughput.map((t) => [
    t.mode === 'write-behind' ? `write-behind (${options.writeDelaySeconds} s)` : t.mode,
    `${fmt(t.opsPerSec.median)} (${fmt(t.opsPerSec.min)}-${fmt(t.opsPerSec.max)})`,
    (t.opsPerSec.median / off).toFixed(3),
    fmt(t.p50Ms.median),
    fmt(t.p99Ms.median),
    String(t.errors),
  ]);
  const throughput = table(['(p) Counter.increment, ws', 'calls/s median (min-max)', 'vs off', 'p50 ms', 'p99 ms', 'errors'], rows);
  const coldRows = summary.cold.map((c) => [
    `${c.keys}, ${c.reads.toLocaleString('en-US')} actors`,
    fmt(c.clusterStartMs),
    fmt(c.firstCallMs),
    fmt(c.readAllMs),
    fmt((c.reads / c.readAllMs) * 1000),
    String(c.errors),
  ]);
  const cold = table(['(p) cold start', 'member start ms', 'first call ms', 'read all ms', 'reads/s', 'errors'], coldRows);
  return `${throughput}\n(${options.concurrency} in flight over ${options.actors} actors, ${options.rounds} rounds of ${options.durationMs} ms)\n\n${cold}`;
}
