/**
 * The fan-out sections of `npm run bench`, (f) destination messages and (s) shared-object versions:
 * orchestration, summaries and the tables. What a single run does is in fanout.ts; the method is
 * described in bench/README.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ActorgridPublisher,
  DESTINATION_FLAVOR,
  destinationFlavor,
  fanoutRun,
  RawPublisher,
  SubscriberGroup,
  type Checks,
  type FanoutFlavor,
  type FanoutRunResult,
  type FanoutSide,
  type Publisher,
} from './fanout';
import { diffCounts, type GridOpCounts } from './gridOpCounter';
import type { FanoutOptions } from './options';
import { cpuSnapshot } from './procCpu';
import type { ServerProcess } from './ServerProcess';
import { fmt, summarize, table, type Summary } from './stats';

export type FanoutKind = 'throughput' | 'latency';

/** One measured run of one side. */
export interface FanoutSample extends FanoutRunResult {
  kind: FanoutKind;
  subscribers: number;
  round: number;
  side: FanoutSide;
  /** Bytes of one delivered frame, as a subscriber received it. */
  frameBytes: number;
  /** CPU ms each process used during the run. */
  cpuMs: Record<string, number>;
  /** Grid operations and grid socket writes/reads of both nodes together (actorgrid only). */
  gridOps: GridOpCounts;
}

export interface FanoutSideSummary {
  deliveriesPerSec: Summary;
  messagesPerSec: number;
  p50Ms: Summary;
  p99Ms: Summary;
  maxMs: number;
  frameBytes: number;
  /** Median CPU µs per delivery, by process. */
  cpuUsPerDelivery: Record<string, number>;
  /** Both nodes' grid operations per message published, all rounds together. */
  gridOpsPerMessage: Record<string, number>;
  otherCores: number;
  /** All rounds together. */
  checks: Checks;
  deliveries: number;
  missing: number;
  publishErrors: number;
  stalledRuns: number;
}

export interface FanoutSummary {
  kind: FanoutKind;
  subscribers: number;
  title: string;
  actorgrid: FanoutSideSummary;
  raw: FanoutSideSummary;
  /** Per round: actorgrid ÷ raw deliveries/s (throughput) or p50 latency (latency). */
  ratio: Summary;
  /** Latency runs: per-round actorgrid ÷ raw p99. */
  p99Ratio?: Summary;
}

export interface FanoutServers {
  node1: ServerProcess;
  node2: ServerProcess;
  raw1: ServerProcess;
  raw2: ServerProcess;
  memberPid: number;
}

export const wsUrl = (server: ServerProcess, route: string): string => `${server.url.replace(/^http/, 'ws')}${route}`;

/** The grid operation counts of several nodes, summed. */
export async function nodesGridCounts(nodes: ServerProcess[]): Promise<GridOpCounts> {
  const sum: GridOpCounts = {};
  for (const counts of await Promise.all(nodes.map((n) => n.counts()))) for (const [k, v] of Object.entries(counts)) sum[k] = (sum[k] ?? 0) + v;
  return sum;
}

/** What a fan-out section fans out, and how it names itself. */
export interface FanoutSpec {
  /** The section's letter in logs, tables and profile files: `f`, `s`. */
  id: string;
  flavor: FanoutFlavor;
  /** What the latency title calls a publish: `publish`, `update`. */
  verb: string;
  /** The lines printed above the tables. */
  describe(options: FanoutOptions): string;
  /** The flavor a run uses, when the options choose it (the compact form of (f)). @default `flavor` */
  flavorFor?(options: FanoutOptions): FanoutFlavor;
}

/** (f): destination messages. */
export const DESTINATION_FANOUT: FanoutSpec = {
  id: 'f',
  flavor: DESTINATION_FLAVOR,
  flavorFor: (options) => destinationFlavor(options.compact),
  verb: 'publish',
  describe: (options) =>
    [
      `(f) 1 publisher connection → N WebSocket subscribers (one connection each) split evenly over 2 server processes; ${options.rounds} rounds,`,
      `medians (min–max). deliveries/s: closed loop, ≤ ${options.window} messages outstanding (not yet received by every subscriber), ${options.durationMs} ms;`,
      `latency: open loop, ${options.latencyRate} msg/s for ${options.latencyMs} ms, receive − send time over every delivery (one clock: all clients are in the bench).`,
      `Body ${options.bodyBytes} B of JSON; ${options.compact ? 'compact form (--no-fanout-compact: named)' : 'named form (without --no-fanout-compact: compact)'}; raw frames have the exact shape of actorgrid's destination.message. Latency ratio: × = how many times slower.`,
    ].join('\n'),
};

/** Runs every fan-out measurement of one section (by default (f)); closes its own connections. */
export async function runFanout(
  servers: FanoutServers,
  options: FanoutOptions,
  profile: { dir: string } | undefined,
  log: (line: string) => void,
  spec: FanoutSpec = DESTINATION_FANOUT,
): Promise<{ summaries: FanoutSummary[]; samples: FanoutSample[]; table: string }> {
  const { node1, node2, raw1, raw2 } = servers;
  const { id } = spec;
  const flavor = spec.flavorFor?.(options) ?? spec.flavor;
  const rawPublisher = await RawPublisher.open([wsUrl(raw1, '/pub'), wsUrl(raw2, '/pub')], flavor);
  const agPublisher = await ActorgridPublisher.open(wsUrl(node1, '/ws'), flavor);
  const groups: Record<FanoutSide, SubscriberGroup> = {
    actorgrid: new SubscriberGroup('actorgrid', flavor, [wsUrl(node1, '/ws'), wsUrl(node2, '/ws')], () => 0),
    raw: new SubscriberGroup('raw', flavor, [wsUrl(raw1, '/sub'), wsUrl(raw2, '/sub')], () => rawPublisher.nextSeq),
  };
  const publishers: Record<FanoutSide, Publisher> = { actorgrid: agPublisher, raw: rawPublisher };
  const pids: Record<FanoutSide, Record<string, number>> = {
    actorgrid: { bench: process.pid, node1: node1.pid, node2: node2.pid, member: servers.memberPid },
    raw: { bench: process.pid, raw1: raw1.pid, raw2: raw2.pid, member: servers.memberPid },
  };
  const profiled: Record<FanoutSide, Array<[string, ServerProcess]>> = { actorgrid: [['node1', node1], ['node2', node2]], raw: [['raw1', raw1], ['raw2', raw2]] };
  const gridCounts = (): Promise<GridOpCounts> => nodesGridCounts([node1, node2]);

  const samples: FanoutSample[] = [];
  const measure = async (side: FanoutSide, kind: FanoutKind, round: number, durationMs: number): Promise<FanoutSample> => {
    const group = groups[side];
    const opsBefore = side === 'actorgrid' ? await gridCounts() : {};
    const prof = profile && round > 0 && kind === 'throughput';
    if (prof) await Promise.all(profiled[side].map(([, p]) => p.startProfile()));
    const cpuBefore = cpuSnapshot(pids[side]);
    const mode = kind === 'throughput' ? { window: options.window } : { rate: options.latencyRate };
    const r = await fanoutRun(group, publishers[side], mode, durationMs, options.bodyBytes);
    const cpuAfter = cpuSnapshot(pids[side]);
    if (prof) {
      fs.mkdirSync(profile.dir, { recursive: true });
      await Promise.all(profiled[side].map(([name, p]) => p.stopProfile(path.join(profile.dir, `${id}${group.size}-${name}-round${round}.cpuprofile`))));
    }
    const gridOps = side === 'actorgrid' ? diffCounts(opsBefore, await gridCounts()) : {};
    const cpuMs = Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, cpuAfter[k] - cpuBefore[k]]));
    const sample: FanoutSample = { ...r, kind, subscribers: group.size, round, side, frameBytes: group.frameBytes(), cpuMs, gridOps };
    const c = r.checks;
    if (r.publishErrors > 0) log(`(${id}) ${side}: ${r.publishErrors} publish errors, first: ${r.firstError}`);
    if (r.stalled || r.missing || c.gaps || c.duplicates || c.serverGaps || c.stray) {
      log(`(${id}) ${side} ${kind} ${group.size}: ${r.stalled ? 'STALLED, ' : ''}missing ${r.missing}, gaps ${c.gaps} (${c.gapMessages} msgs), duplicates ${c.duplicates}, ${flavor.skipLabel} ${c.serverGaps}, stray ${c.stray}`);
    }
    return sample;
  };

  const counts = [...new Set(options.subscribers)].sort((a, b) => a - b);
  try {
    for (const n of counts) {
      log(`(${id}) opening ${n} subscribers per side (${n / 2} per server process)`);
      await groups.actorgrid.growTo(n);
      await groups.raw.growTo(n);
      const kinds: FanoutKind[] = n === options.latencySubscribers && options.latencyMs > 0 ? ['throughput', 'latency'] : ['throughput'];
      if (options.warmupMs > 0) {
        for (const side of ['actorgrid', 'raw'] as const) await measure(side, 'throughput', 0, options.warmupMs);
      }
      for (let round = 1; round <= options.rounds; round++) {
        const order: FanoutSide[] = round % 2 ? ['actorgrid', 'raw'] : ['raw', 'actorgrid'];
        for (const kind of kinds) {
          for (const side of order) samples.push(await measure(side, kind, round, kind === 'throughput' ? options.durationMs : options.latencyMs));
          const [a, b] = (['actorgrid', 'raw'] as const).map((side) => samples.find((s) => s.round === round && s.kind === kind && s.subscribers === n && s.side === side)!);
          log(
            kind === 'throughput'
              ? `round ${round} (${id}) ${n} subscribers: actorgrid ${Math.round(a.deliveriesPerSec)} ${flavor.nouns}/s, raw ${Math.round(b.deliveriesPerSec)}/s, ratio ${(a.deliveriesPerSec / b.deliveriesPerSec).toFixed(3)}`
              : `round ${round} (${id}) latency @${options.latencyRate}/s, ${n} subscribers: actorgrid p50 ${a.p50Ms.toFixed(2)} p99 ${a.p99Ms.toFixed(2)} ms, raw p50 ${b.p50Ms.toFixed(2)} p99 ${b.p99Ms.toFixed(2)} ms`,
          );
        }
      }
    }
  } finally {
    await Promise.allSettled([groups.actorgrid.close(), groups.raw.close(), agPublisher.close(), rawPublisher.close()]);
  }
  const summaries = summarizeFanout(samples, options, spec);
  return { summaries, samples, table: renderFanout(summaries, options, spec) };
}

function sideSummary(mine: FanoutSample[]): FanoutSideSummary {
  const processes = Object.keys(mine[0]?.cpuMs ?? {}).filter((p) => p !== 'other');
  const messages = mine.reduce((n, s) => n + s.messages, 0);
  const gridOps: Record<string, number> = {};
  for (const s of mine) for (const [k, v] of Object.entries(s.gridOps)) gridOps[k] = (gridOps[k] ?? 0) + v;
  const checks: Checks = { delivered: 0, gaps: 0, gapMessages: 0, duplicates: 0, serverGaps: 0, stray: 0 };
  for (const s of mine) for (const k of Object.keys(checks) as (keyof Checks)[]) checks[k] += s.checks[k];
  return {
    deliveriesPerSec: summarize(mine.map((s) => s.deliveriesPerSec)),
    messagesPerSec: summarize(mine.map((s) => s.messagesPerSec)).median,
    p50Ms: summarize(mine.map((s) => s.p50Ms)),
    p99Ms: summarize(mine.map((s) => s.p99Ms)),
    maxMs: Math.max(...mine.map((s) => s.maxMs)),
    frameBytes: summarize(mine.map((s) => s.frameBytes)).median,
    cpuUsPerDelivery: Object.fromEntries(processes.map((p) => [p, summarize(mine.map((s) => (s.cpuMs[p] * 1000) / Math.max(1, s.deliveries))).median])),
    gridOpsPerMessage: Object.fromEntries(Object.entries(gridOps).map(([k, v]) => [k, v / Math.max(1, messages)])),
    otherCores: summarize(mine.map((s) => s.cpuMs.other / s.elapsedMs)).median,
    checks,
    deliveries: mine.reduce((n, s) => n + s.deliveries, 0),
    missing: mine.reduce((n, s) => n + s.missing, 0),
    publishErrors: mine.reduce((n, s) => n + s.publishErrors, 0),
    stalledRuns: mine.filter((s) => s.stalled).length,
  };
}

export function summarizeFanout(samples: FanoutSample[], options: FanoutOptions, spec: FanoutSpec = DESTINATION_FANOUT): FanoutSummary[] {
  const out: FanoutSummary[] = [];
  const keys = [...new Set(samples.map((s) => `${s.kind}:${s.subscribers}`))];
  for (const key of keys) {
    const [kind, n] = [key.split(':')[0] as FanoutKind, Number(key.split(':')[1])];
    const mine = samples.filter((s) => s.kind === kind && s.subscribers === n);
    const rounds = [...new Set(mine.map((s) => s.round))];
    const pairsByRound = rounds.flatMap((r) => {
      const a = mine.find((s) => s.round === r && s.side === 'actorgrid');
      const b = mine.find((s) => s.round === r && s.side === 'raw');
      return a && b ? [[a, b] as const] : [];
    });
    const summary: FanoutSummary = {
      kind,
      subscribers: n,
      title:
        kind === 'throughput'
          ? `${spec.flavor.nouns}/s, ${n} subscribers (window ${options.window})`
          : `${spec.verb}→receive latency, ${n} subscribers @${options.latencyRate} msg/s`,
      actorgrid: sideSummary(mine.filter((s) => s.side === 'actorgrid')),
      raw: sideSummary(mine.filter((s) => s.side === 'raw')),
      ratio: summarize(pairsByRound.map(([a, b]) => (kind === 'throughput' ? a.deliveriesPerSec / b.deliveriesPerSec : a.p50Ms / b.p50Ms))),
    };
    if (kind === 'latency') summary.p99Ratio = summarize(pairsByRound.map(([a, b]) => a.p99Ms / b.p99Ms));
    out.push(summary);
  }
  return out.sort((x, y) => (x.kind === y.kind ? x.subscribers - y.subscribers : x.kind === 'throughput' ? -1 : 1));
}

const range = (s: Summary): string => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;

/** The order check in words: `ok (N checked)`, or what went wrong. */
export function checksText(s: Pick<FanoutSideSummary, 'checks' | 'missing' | 'publishErrors' | 'stalledRuns'>, skipLabel: string): string {
  const c = s.checks;
  const bad = [
    s.missing ? `missing ${s.missing}` : '',
    c.gaps ? `gaps ${c.gaps} (${c.gapMessages} msgs)` : '',
    c.duplicates ? `dups ${c.duplicates}` : '',
    c.serverGaps ? `${skipLabel} ${c.serverGaps}` : '',
    c.stray ? `stray ${c.stray}` : '',
    s.publishErrors ? `publish errors ${s.publishErrors}` : '',
    s.stalledRuns ? `stalled runs ${s.stalledRuns}` : '',
  ].filter(Boolean);
  return bad.length ? bad.join(', ') : `ok (${fmt(c.delivered)} checked)`;
}

/** The fan-out tables `npm run bench` prints. */
export function renderFanout(summaries: FanoutSummary[], options: FanoutOptions, spec: FanoutSpec = DESTINATION_FANOUT): string {
  const { id, flavor } = spec;
  const mainRows: string[][] = [];
  for (const s of summaries) {
    if (s.kind === 'throughput') {
      mainRows.push([s.title, range(s.actorgrid.deliveriesPerSec), range(s.raw.deliveriesPerSec), range(s.ratio)]);
    } else {
      mainRows.push([`${s.title}: p50 ms`, range(s.actorgrid.p50Ms), range(s.raw.p50Ms), `×${range(s.ratio)}`]);
      mainRows.push([`${s.title}: p99 ms`, range(s.actorgrid.p99Ms), range(s.raw.p99Ms), `×${range(s.p99Ratio!)}`]);
    }
  }
  const main = table([`(${id}) fan-out`, 'actorgrid (2 nodes)', 'raw ws broadcast (2 servers)', 'ratio actorgrid ÷ raw'], mainRows);
  const detailRows: string[][] = [];
  for (const s of summaries) {
    for (const side of ['actorgrid', 'raw'] as const) {
      const d = s[side];
      const cpu = Object.entries(d.cpuUsPerDelivery)
        .filter(([, v]) => Number.isFinite(v) && v > 0.005)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ');
      const ops = Object.entries(d.gridOpsPerMessage)
        .filter(([, v]) => v >= 0.001)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ');
      detailRows.push([
        `${s.kind === 'throughput' ? flavor.nouns : 'latency'} ${s.subscribers} subs: ${side}`,
        fmt(d.messagesPerSec),
        fmt(d.deliveriesPerSec.median),
        fmt(d.p50Ms.median),
        fmt(d.p99Ms.median),
        fmt(d.maxMs),
        cpu,
        ops || '-',
        String(d.frameBytes),
        d.otherCores.toFixed(2),
        checksText(d, flavor.skipLabel),
      ]);
    }
  }
  const detail = table(
    [`(${id}) run`, 'msgs/s', `${flavor.nouns}/s`, 'p50 ms', 'p99 ms', 'max ms', `CPU µs/${flavor.noun} by process`, 'grid ops/msg (both nodes)', 'frame B', 'other cores', 'order check'],
    detailRows,
  );
  return `${spec.describe(options)}\n\n${main}\n\n${detail}`;
}
