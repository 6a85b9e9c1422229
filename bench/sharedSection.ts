/**
 * The shared-objects section (s) of `npm run bench`: (1) the fan-out of one shared object's versions
 * to WebSocket subscribers on 2 nodes against the raw ws broadcast (fanoutSection.ts with the
 * shared-object flavor of fanout.ts); (2) clients editing one board at once, each its own slot with
 * `ifVersion`, which must never conflict. The method is described in bench/README.md.
 */
import { performance } from 'node:perf_hooks';
import { padFor, Run, Samples, sharedObjectFlavor } from './fanout';
import { SubscriberGroup, type Checks } from './fanoutSubscribers';
import { checksText, nodesGridCounts, runFanout, type FanoutServers, type FanoutSample, type FanoutSpec, type FanoutSummary } from './fanoutSection';
import { diffCounts, type GridOpCounts } from './gridOpCounter';
import type { EditOptions, FanoutOptions } from './options';
import { cpuSnapshot } from './procCpu';
import { wsUrl, type ServerProcess } from './ServerProcess';
import { fmt, summarize, table, type Summary } from './stats';
import { failureCode } from './WsRpcPool';

/** Failure code of an update refused because a slot it sets changed after `ifVersion`. */
export const VERSION_CONFLICT = 'VERSION_CONFLICT';
/** The edit run waits this long for the syncs still outstanding once nothing arrives any more. */
const STALL_MS = 3000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** (s), part 1: one shared object's versions, `sharedObject.update` from a third connection to node 1. */
function sharedFanoutSpec(name: string): FanoutSpec {
  return {
    id: 's',
    flavor: sharedObjectFlavor(name),
    verb: 'update',
    describe: (o) =>
      [
        `(s) 1 updating connection (sharedObject.update setting one slot, to node 1) → N WebSocket subscribers of ${name} (one connection each) split evenly`,
        `over 2 nodes; raw: the same frames through 2 bare ws broadcast servers. ${o.rounds} rounds, medians (min–max). syncs/s: closed loop, ≤ ${o.window} versions`,
        `outstanding (not yet received by every subscriber), ${o.durationMs} ms; latency: open loop, ${o.latencyRate} updates/s for ${o.latencyMs} ms, receive − send time`,
        `over every sync (one clock). Value ${o.bodyBytes} B of JSON; raw frames have the exact shape of actorgrid's sharedObject.sync. Order check: every`,
        `subscriber gets every version once, in order (gaps, duplicates, resets, missing). Latency ratio: × = how many times slower.`,
      ].join('\n'),
  };
}

/** One board-editing run. */
export interface EditSample {
  round: number;
  clients: number;
  /** Updates sent. */
  updates: number;
  /** Updates that committed. */
  commits: number;
  /** From the start until the last reply, ms. */
  elapsedMs: number;
  commitsPerSec: number;
  /** Send → reply of committed updates, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Failed updates by code (VERSION_CONFLICT, …). */
  failures: Record<string, number>;
  /** Syncs the clients received of this run's commits. */
  syncs: number;
  /** Update sent → sync received, over every sync, ms. */
  syncP50Ms: number;
  syncP99Ms: number;
  /** Syncs expected (commits × clients) and not received. */
  missing: number;
  checks: Checks;
  /** The object's version after the run minus before it: must equal `commits`. */
  versionsAdvanced: number;
  stalled: boolean;
  cpuMs: Record<string, number>;
  /** Grid operations of both nodes during the run. */
  gridOps: GridOpCounts;
}

/**
 * Every client, at `rate` per second (staggered, one update in flight each, no catch-up bursts),
 * sets its own slot `c<w>` with `ifVersion` = the newest version it has seen (its own last reply or
 * its subscription), for `durationMs`; then waits until every commit reached every client.
 */
async function editRun(
  group: SubscriberGroup,
  name: string,
  options: EditOptions,
  bodyBytes: number,
  round: number,
  nodes: ServerProcess[],
  pids: Record<string, number>,
): Promise<EditSample> {
  const clients = group.subscribers;
  const get = async (): Promise<number> => ((await clients[0].call('sharedObject.get', { name })) as { version: number }).version;
  const before = await get();
  const run = new Run(clients.length);
  const checksBefore = group.checks();
  const pad = padFor(bodyBytes);
  const latencies = new Samples();
  const failures: Record<string, number> = {};
  const interval = 1000 / options.rate;
  let commits = 0;
  let lastReplyAt = 0;
  const opsBefore = await nodesGridCounts(nodes);
  const cpuBefore = cpuSnapshot(pids);
  group.current = run;
  const start = performance.now();
  const deadline = start + options.durationMs;
  await Promise.all(
    clients.map(async (client, w) => {
      let seen = 0;
      for (let next = start + (w * interval) / clients.length; next < deadline; ) {
        await sleep(next - performance.now());
        const i = run.sent;
        run.sending(i);
        const t = performance.now();
        try {
          const body = { r: run.id, i, t, p: pad };
          const r = (await client.call('sharedObject.update', { name, set: { [`c${w}`]: body }, ifVersion: Math.max(seen, client.last) })) as { version: number };
          seen = Math.max(seen, r.version);
          commits += 1;
          latencies.push(performance.now() - t);
        } catch (err) {
          const code = failureCode(err);
          failures[code] = (failures[code] ?? 0) + 1;
          run.abandon(i);
        }
        lastReplyAt = performance.now();
        next = Math.max(next + interval, lastReplyAt);
      }
    }),
  );
  let stalled = false;
  while (run.completed < run.sent && !stalled) {
    await sleep(20);
    stalled = performance.now() - Math.max(run.lastProgressAt, lastReplyAt) > STALL_MS;
  }
  group.current = undefined;
  const cpuAfter = cpuSnapshot(pids);
  const gridOps = diffCounts(opsBefore, await nodesGridCounts(nodes));
  const after = await get();
  const checks = group.checks();
  for (const k of Object.keys(checks) as (keyof Checks)[]) checks[k] -= checksBefore[k];
  const elapsedMs = lastReplyAt - start;
  const [p50Ms, p99Ms, maxMs] = latencies.quantiles(0.5, 0.99, 1);
  const [syncP50Ms, syncP99Ms] = run.latencies.quantiles(0.5, 0.99);
  return {
    round,
    clients: clients.length,
    updates: run.sent,
    commits,
    elapsedMs,
    commitsPerSec: (commits * 1000) / elapsedMs,
    p50Ms,
    p99Ms,
    maxMs,
    failures,
    syncs: run.deliveries,
    syncP50Ms,
    syncP99Ms,
    missing: Math.max(commits * clients.length - run.deliveries, group.missingAtEnd(after)),
    checks,
    versionsAdvanced: after - before,
    stalled,
    cpuMs: Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, cpuAfter[k] - cpuBefore[k]])),
    gridOps,
  };
}

export interface EditSummary {
  commitsPerSec: Summary;
  p50Ms: Summary;
  p99Ms: Summary;
  conflicts: number;
  otherFailures: number;
}

/** (s), part 2: the board-editing runs; closes its own connections. */
async function runEdit(servers: FanoutServers, options: EditOptions, bodyBytes: number, log: (line: string) => void): Promise<{ summary: EditSummary; samples: EditSample[]; table: string }> {
  const name = `board.bench-edit-${process.pid}`;
  const clientNodes = [servers.node1, servers.node2].slice(0, options.nodes);
  const group = new SubscriberGroup('actorgrid', sharedObjectFlavor(name), clientNodes.map((n) => wsUrl(n, '/ws')), () => 0);
  const nodes = [servers.node1, servers.node2];
  const pids = { bench: process.pid, node1: servers.node1.pid, node2: servers.node2.pid, member: servers.memberPid };
  const samples: EditSample[] = [];
  try {
    log(`(s) ${options.clients} clients editing ${name} over ${options.nodes} node(s), ${options.rate} updates/s each`);
    await group.growTo(options.clients);
    for (let round = options.warmupMs > 0 ? 0 : 1; round <= options.rounds; round++) {
      const s = await editRun(group, name, round === 0 ? { ...options, durationMs: options.warmupMs } : options, bodyBytes, round, nodes, pids);
      log(
        `${round === 0 ? 'warm-up' : `round ${round}`} (s) edit: ${s.commits} commits (${Math.round(s.commitsPerSec)}/s), p50 ${fmt(s.p50Ms)} p99 ${fmt(s.p99Ms)} ms, ` +
          `failures ${failuresText(s.failures)}, syncs ${s.syncs} (p50 ${fmt(s.syncP50Ms)} p99 ${fmt(s.syncP99Ms)} ms), versions +${s.versionsAdvanced}, ${checkText(s)}`,
      );
      if (round > 0) samples.push(s);
    }
  } finally {
    await group.close();
  }
  const summary: EditSummary = {
    commitsPerSec: summarize(samples.map((s) => s.commitsPerSec)),
    p50Ms: summarize(samples.map((s) => s.p50Ms)),
    p99Ms: summarize(samples.map((s) => s.p99Ms)),
    conflicts: samples.reduce((n, s) => n + (s.failures[VERSION_CONFLICT] ?? 0), 0),
    otherFailures: samples.reduce((n, s) => n + Object.entries(s.failures).reduce((m, [code, k]) => m + (code === VERSION_CONFLICT ? 0 : k), 0), 0),
  };
  return { summary, samples, table: renderEdit(samples, options) };
}

function failuresText(failures: Record<string, number>): string {
  const codes = Object.entries(failures).sort((x, y) => y[1] - x[1]);
  return codes.length ? codes.map(([code, n]) => `${code} ${n}`).join(', ') : '0';
}

/** The order check of the clients' subscriptions and the version check, in words. */
function checkText(s: EditSample): string {
  const order = checksText({ checks: s.checks, missing: s.missing, publishErrors: 0, stalledRuns: s.stalled ? 1 : 0 }, 'resets');
  const versions = s.versionsAdvanced === s.commits ? 'versions = commits' : `VERSIONS +${s.versionsAdvanced} ≠ ${s.commits} commits`;
  return `${order}; ${versions}`;
}

function renderEdit(samples: EditSample[], options: EditOptions): string {
  const processes = Object.keys(samples[0]?.cpuMs ?? {}).filter((p) => p !== 'other');
  const rows = samples.map((s) => [
    `round ${s.round}`,
    `${fmt(s.commits)} / ${fmt(s.updates)}`,
    fmt(s.commitsPerSec),
    fmt(s.p50Ms),
    fmt(s.p99Ms),
    fmt(s.maxMs),
    String(s.failures[VERSION_CONFLICT] ?? 0),
    failuresText(Object.fromEntries(Object.entries(s.failures).filter(([code]) => code !== VERSION_CONFLICT))),
    `${fmt(s.syncP50Ms)} / ${fmt(s.syncP99Ms)}`,
    processes.map((p) => `${p} ${fmt((s.cpuMs[p] * 1000) / Math.max(1, s.commits))}`).join(', '),
    Object.entries(s.gridOps)
      .map(([k, v]) => [k, v / Math.max(1, s.commits)] as const)
      .filter(([, v]) => v >= 0.001)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', '),
    (s.cpuMs.other / s.elapsedMs).toFixed(2),
    checkText(s),
  ]);
  const head = [
    `(s) ${options.clients} WebSocket clients (one connection and one subscription each, alternating between ${options.nodes} node(s)) edit one board: each sets its own slot`,
    `at ${options.rate}/s (one update in flight, target ${options.clients * options.rate}/s in all) with ifVersion = the newest version it has seen, ${options.durationMs} ms per run;`,
    `then every commit must reach every client. Different slots never conflict, so VERSION_CONFLICT must be 0.`,
  ].join('\n');
  return `${head}\n\n${table(
    ['(s) edit run', 'commits / updates', 'commits/s', 'p50 ms', 'p99 ms', 'max ms', 'VERSION_CONFLICT', 'other failures', 'sync p50 / p99 ms', 'CPU µs/commit by process', 'grid ops/commit (both nodes)', 'other cores', 'order and version check'],
    rows,
  )}`;
}

/** Runs the whole section (s): the fan-out, then the board editing. */
export async function runShared(
  servers: FanoutServers,
  fanoutOptions: FanoutOptions,
  editOptions: EditOptions,
  profile: { dir: string } | undefined,
  log: (line: string) => void,
): Promise<{ fanout: { summaries: FanoutSummary[]; samples: FanoutSample[] }; edit: { summary: EditSummary; samples: EditSample[] }; table: string }> {
  const fanout = await runFanout(servers, fanoutOptions, profile, log, sharedFanoutSpec(`board.bench-${process.pid}`));
  const edit = await runEdit(servers, editOptions, fanoutOptions.bodyBytes, log);
  return { fanout: { summaries: fanout.summaries, samples: fanout.samples }, edit: { summary: edit.summary, samples: edit.samples }, table: `${fanout.table}\n\n${edit.table}` };
}
