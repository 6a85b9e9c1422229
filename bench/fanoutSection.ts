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
  type FanoutFlavor,
  type FanoutRunResult,
  type FanoutSide,
  type Publisher,
} from './fanout';
import { SubscriberGroup, type Checks } from './fanoutSubscribers';
import { diffCounts, type GridOpCounts } from './gridOpCounter';
import type { FanoutOptions } from './options';
import { cpuSnapshot } from './procCpu';
import { wsUrl, type ServerProcess } from './ServerProcess';
import { openSocketIoSide, type SocketIoServers } from './socketIoSide';
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
  /** (f) with the Socket.IO peer (not with --no-socketio). */
  socketio?: FanoutSideSummary;
  /** Per round: actorgrid ÷ raw deliveries/s (throughput) or p50 latency (latency). */
  ratio: Summary;
  /** Latency runs: per-round actorgrid ÷ raw p99. */
  p99Ratio?: Summary;
  /** As `ratio`, actorgrid ÷ Socket.IO. */
  socketioRatio?: Summary;
  /** As `p99Ratio`, actorgrid ÷ Socket.IO. */
  socketioP99Ratio?: Summary;
}

export interface FanoutServers {
  node1: ServerProcess;
  node2: ServerProcess;
  raw1: ServerProcess;
  raw2: ServerProcess;
  memberPid: number;
  /** (f) only: the Socket.IO peer's two servers (socketIoSide.ts); without them the section has two sides. */
  socketIo?: SocketIoServers;
}


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
  const { node1, node2, raw1, raw2, socketIo } = servers;
  const { id } = spec;
  const flavor = spec.flavorFor?.(options) ?? spec.flavor;
  const rawPublisher = await RawPublisher.open([wsUrl(raw1, '/pub'), wsUrl(raw2, '/pub')], flavor);
  const agPublisher = await ActorgridPublisher.open(wsUrl(node1, '/ws'), flavor);
  const groups: Partial<Record<FanoutSide, SubscriberGroup>> = {
    actorgrid: new SubscriberGroup('actorgrid', flavor, [wsUrl(node1, '/ws'), wsUrl(node2, '/ws')], () => 0),
    raw: new SubscriberGroup('raw', flavor, [wsUrl(raw1, '/sub'), wsUrl(raw2, '/sub')], () => rawPublisher.nextSeq),
  };
  const publishers: Partial<Record<FanoutSide, Publisher>> = { actorgrid: agPublisher, raw: rawPublisher };
  const pids: Partial<Record<FanoutSide, Record<string, number>>> = {
    actorgrid: { bench: process.pid, node1: node1.pid, node2: node2.pid, member: servers.memberPid },
    raw: { bench: process.pid, raw1: raw1.pid, raw2: raw2.pid, member: servers.memberPid },
  };
  const profiled: Partial<Record<FanoutSide, Array<[string, ServerProcess]>>> = { actorgrid: [['node1', node1], ['node2', node2]], raw: [['raw1', raw1], ['raw2', raw2]] };
  const sides: FanoutSide[] = ['actorgrid', 'raw'];
  if (socketIo) {
    const { group, publisher } = await openSocketIoSide(socketIo);
    sides.push('socketio');
    groups.socketio = group;
    publishers.socketio = publisher;
    // redis-server's CPU time only when it is a local process this user can read (otherwise shown as n/a).
    pids.socketio = { bench: process.pid, sio1: socketIo.io1.pid, sio2: socketIo.io2.pid, ...(socketIo.redisPid === undefined ? {} : { redis: socketIo.redisPid }) };
    profiled.socketio = [['sio1', socketIo.io1], ['sio2', socketIo.io2]];
  }
  const gridCounts = (): Promise<GridOpCounts> => nodesGridCounts([node1, node2]);

  const samples: FanoutSample[] = [];
  const measure = async (side: FanoutSide, kind: FanoutKind, round: number, durationMs: number): Promise<FanoutSample> => {
    const group = groups[side]!;
    const opsBefore = side === 'actorgrid' ? await gridCounts() : {};
    const prof = profile && round > 0 && kind === 'throughput';
    if (prof) await Promise.all(profiled[side]!.map(([, p]) => p.startProfile()));
    const cpuBefore = cpuSnapshot(pids[side]!);
    const mode = kind === 'throughput' ? { window: options.window } : { rate: options.latencyRate };
    const r = await fanoutRun(group, publishers[side]!, mode, durationMs, options.bodyBytes);
    const cpuAfter = cpuSnapshot(pids[side]!);
    if (prof) {
      fs.mkdirSync(profile.dir, { recursive: true });
      await Promise.all(profiled[side]!.map(([name, p]) => p.stopProfile(path.join(profile.dir, `${id}${group.size}-${name}-round${round}.cpuprofile`))));
    }
    const gridOps = side === 'actorgrid' ? diffCounts(opsBefore, await gridCounts()) : {};
    const cpuMs = Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, cpuAfter[k] - cpuBefore[k]]));
    if (side === 'socketio' && !('redis' in cpuMs)) cpuMs.redis = NaN;
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
      for (const side of sides) await groups[side]!.growTo(n);
      const kinds: FanoutKind[] = n === options.latencySubscribers && options.latencyMs > 0 ? ['throughput', 'latency'] : ['throughput'];
      if (options.warmupMs > 0) {
        for (const side of sides) await measure(side, 'throughput', 0, options.warmupMs);
      }
      for (let round = 1; round <= options.rounds; round++) {
        // Odd rounds actorgrid first, even rounds last (so actorgrid and raw alternate as before the third side).
        const order = round % 2 ? sides : [...sides].reverse();
        for (const kind of kinds) {
          for (const side of order) samples.push(await measure(side, kind, round, kind === 'throughput' ? options.durationMs : options.latencyMs));
          const [a, ...others] = sides.map((side) => samples.find((s) => s.round === round && s.kind === kind && s.subscribers === n && s.side === side)!);
          log(
            kind === 'throughput'
              ? `round ${round} (${id}) ${n} subscribers: actorgrid ${Math.round(a.deliveriesPerSec)} ${flavor.nouns}/s, ${others.map((b) => `${b.side} ${Math.round(b.deliveriesPerSec)}/s (ratio ${(a.deliveriesPerSec / b.deliveriesPerSec).toFixed(3)})`).join(', ')}`
              : `round ${round} (${id}) latency @${options.latencyRate}/s, ${n} subscribers: ${[a, ...others].map((b) => `${b.side} p50 ${b.p50Ms.toFixed(2)} p99 ${b.p99Ms.toFixed(2)} ms`).join(', ')}`,
          );
        }
      }
    }
  } finally {
    await Promise.allSettled([...sides.map((side) => groups[side]!.close()), ...sides.map((side) => publishers[side]!.close())]);
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
    // Per round, actorgrid ÷ the baseline: deliveries/s (throughput) or p50 and p99 (latency).
    const ratios = (baseline: FanoutSide): { ratio: Summary; p99: Summary } => {
      const pairsByRound = rounds.flatMap((r) => {
        const a = mine.find((s) => s.round === r && s.side === 'actorgrid');
        const b = mine.find((s) => s.round === r && s.side === baseline);
        return a && b ? [[a, b] as const] : [];
      });
      return {
        ratio: summarize(pairsByRound.map(([a, b]) => (kind === 'throughput' ? a.deliveriesPerSec / b.deliveriesPerSec : a.p50Ms / b.p50Ms))),
        p99: summarize(pairsByRound.map(([a, b]) => a.p99Ms / b.p99Ms)),
      };
    };
    const vsRaw = ratios('raw');
    const summary: FanoutSummary = {
      kind,
      subscribers: n,
      title:
        kind === 'throughput'
          ? `${spec.flavor.nouns}/s, ${n} subscribers (window ${options.window})`
          : `${spec.verb}→receive latency, ${n} subscribers @${options.latencyRate} msg/s`,
      actorgrid: sideSummary(mine.filter((s) => s.side === 'actorgrid')),
      raw: sideSummary(mine.filter((s) => s.side === 'raw')),
      ratio: vsRaw.ratio,
    };
    if (kind === 'latency') summary.p99Ratio = vsRaw.p99;
    const sio = mine.filter((s) => s.side === 'socketio');
    if (sio.length > 0) {
      const vsSio = ratios('socketio');
      summary.socketio = sideSummary(sio);
      summary.socketioRatio = vsSio.ratio;
      if (kind === 'latency') summary.socketioP99Ratio = vsSio.p99;
    }
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
  const withSio = summaries.some((s) => s.socketio);
  const mainRows: string[][] = [];
  for (const s of summaries) {
    // Each row: actorgrid, raw, [Socket.IO], ratio ÷ raw, [ratio ÷ Socket.IO]; latency ratios are "× slower".
    const row = (label: string, pick: (d: FanoutSideSummary) => Summary, vsRaw: Summary, vsSio: Summary | undefined, prefix: string): string[] => [
      label,
      range(pick(s.actorgrid)),
      range(pick(s.raw)),
      ...(withSio ? [s.socketio ? range(pick(s.socketio)) : '-', prefix + range(vsRaw), vsSio ? prefix + range(vsSio) : '-'] : [prefix + range(vsRaw)]),
    ];
    if (s.kind === 'throughput') {
      mainRows.push(row(s.title, (d) => d.deliveriesPerSec, s.ratio, s.socketioRatio, ''));
    } else {
      mainRows.push(row(`${s.title}: p50 ms`, (d) => d.p50Ms, s.ratio, s.socketioRatio, '×'));
      mainRows.push(row(`${s.title}: p99 ms`, (d) => d.p99Ms, s.p99Ratio!, s.socketioP99Ratio, '×'));
    }
  }
  const main = table(
    [
      `(${id}) fan-out`,
      'actorgrid (2 nodes)',
      'raw ws broadcast (2 servers)',
      ...(withSio ? ['Socket.IO + Redis adapter (2 servers)', 'actorgrid ÷ raw', 'actorgrid ÷ Socket.IO'] : ['ratio actorgrid ÷ raw']),
    ],
    mainRows,
  );
  const detailRows: string[][] = [];
  for (const s of summaries) {
    for (const side of ['actorgrid', 'raw', 'socketio'] as const) {
      const d = s[side];
      if (!d) continue;
      // A process whose CPU time could not be read (redis-server elsewhere) shows as n/a; redis-server
      // always shows, as 0 when it used less than one clock tick (10 ms) in the runs.
      const cpu = Object.entries(d.cpuUsPerDelivery)
        .filter(([k, v]) => k === 'redis' || !Number.isFinite(v) || v > 0.005)
        .map(([k, v]) => `${k} ${Number.isFinite(v) ? fmt(v) : 'n/a'}`)
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
  const sioLine = withSio
    ? `\nSocket.IO peer: socket.io 4.8 + @socket.io/redis-adapter, 2 servers on one Redis, the publisher on server 1 (io.to(room).emit), websocket transport; its seq is the bench's counter.`
    : '';
  return `${spec.describe(options)}${sioLine}\n\n${main}\n\n${detail}`;
}
