/**
 * The transfers section of `npm run bench`. (t2): two Account actors, callers on 3 nodes
 * transferring in both directions at once (each `transfer` holds its own account's turn while it
 * calls the other's `deposit`), against one-way transfers at the same concurrency in the same run;
 * (t): the same callers transferring between random pairs of many accounts (randomTransfers.ts).
 * The method is described in bench/README.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { closedLoop, type LoopResult } from './loadLoop';
import type { TwoWayOptions } from './options';
import { cpuSnapshot } from './procCpu';
import { nodesText, randomRows, randomText, RandomTransfers, renderRandom, summarizeRandom, type RandomSample, type RandomSummary } from './randomTransfers';
import type { ServerProcess } from './ServerProcess';
import { fmt, fmtRange, summarize, table, type Summary } from './stats';
import { Callers, checkTotal, CLIENT_TIMEOUT, failuresText, totalText, tracked, type TotalCheck } from './transferCalls';
import { costSnapshot, costText, perTransfer, type CostSnapshot } from './transferCosts';

export const ACCOUNT_A = 'twoway-a';
export const ACCOUNT_B = 'twoway-b';
/** What each account is funded with: far more than any run can move one way. */
export const FUNDS = 100_000_000;

export type TwoWayKind = 'two-way' | 'one-way';
export type Direction = 'a→b' | 'b→a';

/** One direction of one run: the closed loop's numbers plus what it could not say. */
export interface DirectionResult extends LoopResult {
  direction: Direction;
  callers: number;
  /** Failed calls by error code (`error.data.code`; CLIENT_TIMEOUT; the message for anything else). */
  failures: Record<string, number>;
  /** Longest call, finished or failed, ms. */
  maxMs: number;
}

/** One measured run. */
export interface TwoWaySample {
  kind: TwoWayKind;
  round: number;
  /** Nodes the callers were spread over. */
  spread: number;
  /** What a completed transfer cost the nodes (transferCosts.ts). */
  costs: CostSnapshot;
  directions: DirectionResult[];
  /** From the start until the last call of either direction finished, ms. */
  elapsedMs: number;
  /** Completed transfers of both directions ÷ elapsed. */
  transfersPerSec: number;
  /** two-way: min(direction count) ÷ max(direction count). */
  fairness?: number;
  total: TotalCheck;
  /** CPU ms each process used during the run (and `other`: the rest of the machine). */
  cpuMs: Record<string, number>;
}

export interface TwoWaySummary {
  twoWay: { transfersPerSec: Summary; byDirection: Record<Direction, Summary>; p99ByDirection: Record<Direction, Summary>; fairness: Summary };
  oneWay: { transfersPerSec: Summary };
  /** Per round: two-way ÷ one-way transfers/s (run back to back). */
  ratio: Summary;
  /** Every run's total check held. */
  conserved: boolean;
  checks: number;
  /** (t): random transfers among many accounts. */
  random: RandomSummary;
}

export interface TwoWayServers {
  nodes: ServerProcess[];
  memberPid: number;
}

/** Runs every two-way, one-way and random measurement; closes its own connections. */
export async function runTwoWay(
  servers: TwoWayServers,
  options: TwoWayOptions,
  log: (line: string) => void,
  /** `--cpu-prof`: every node during each measured (t2) run: t2-<kind>-<n>nodes-node<i>-round<N>.cpuprofile. */
  profile?: { dir: string },
): Promise<{ summary: TwoWaySummary; samples: TwoWaySample[]; random: RandomSample[]; table: string }> {
  const { nodes } = servers;
  const callers = await Callers.open(nodes, Math.ceil(options.callers / nodes.length));
  const pids: Record<string, number> = { bench: process.pid, member: servers.memberPid };
  nodes.forEach((n, i) => (pids[`node${i + 1}`] = n.pid));
  const balance = (id: string): Promise<number> => callers.call(0, id, 'balance', [], options.callTimeoutMs);
  const total = async (): Promise<number> => (await balance(ACCOUNT_A)) + (await balance(ACCOUNT_B));

  /** One direction's closed loop of its own callers. */
  const runDirection = async (dir: Direction, count: number, firstWorker: number, durationMs: number, spread: number): Promise<DirectionResult> => {
    const [from, to] = dir === 'a→b' ? [ACCOUNT_A, ACCOUNT_B] : [ACCOUNT_B, ACCOUNT_A];
    const on = callers.on(spread);
    const t = tracked((w) => on.call(firstWorker + w, from, 'transfer', [to, 1], options.callTimeoutMs));
    const r = await closedLoop(count, durationMs, t.op, Number.MAX_SAFE_INTEGER);
    return { ...r, direction: dir, callers: count, failures: t.failures, maxMs: t.maxMs() };
  };

  const measure = async (kind: TwoWayKind, round: number, durationMs: number, spread: number): Promise<TwoWaySample> => {
    const half = Math.floor(options.callers / 2);
    const plan: Array<[Direction, number, number]> = kind === 'two-way' ? [['a→b', half, 0], ['b→a', options.callers - half, half]] : [['a→b', options.callers, 0]];
    const expected = 2 * FUNDS;
    const costsBefore = await costSnapshot(nodes);
    const profiling = profile !== undefined && round > 0;
    if (profiling) await Promise.all(nodes.map((n) => n.startProfile()));
    const cpuBefore = cpuSnapshot(pids);
    const start = performance.now();
    // Both directions start together; each is a closed loop of its own callers. Errors never stop a
    // loop early (the limit is far above what a run can fail): a direction that only fails still runs.
    const directions = await Promise.all(plan.map(([dir, count, first]) => runDirection(dir, count, first, durationMs, spread)));
    const elapsedMs = performance.now() - start;
    const cpuAfter = cpuSnapshot(pids);
    if (profiling) {
      fs.mkdirSync(profile.dir, { recursive: true });
      await Promise.all(nodes.map((n, i) => n.stopProfile(path.join(profile.dir, `t2-${kind}-${spread}nodes-node${i + 1}-round${round}.cpuprofile`))));
    }
    const costs = perTransfer(costsBefore, await costSnapshot(nodes), directions.reduce((n, d) => n + d.ops, 0));
    const gaveUp = directions.some((d) => d.failures[CLIENT_TIMEOUT] > 0);
    const check = await checkTotal(total, expected, gaveUp, options.callTimeoutMs);
    const done = directions.map((d) => d.ops);
    const sample: TwoWaySample = {
      kind,
      round,
      spread,
      costs,
      directions,
      elapsedMs,
      transfersPerSec: (done.reduce((a, b) => a + b, 0) * 1000) / elapsedMs,
      ...(kind === 'two-way' ? { fairness: Math.max(...done) > 0 ? Math.min(...done) / Math.max(...done) : NaN } : {}),
      total: check,
      cpuMs: Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, cpuAfter[k] - cpuBefore[k]])),
    };
    const dirText = directions.map((d) => `${d.direction} ${d.ops} (${Math.round(d.opsPerSec)}/s, p99 ${fmt(d.p99Ms)} ms, max ${fmt(d.maxMs)} ms, ${d.errors} failed)`).join(', ');
    log(`${round === 0 ? 'warm-up' : `round ${round}`} (t2) ${kind} · ${nodesText(spread)}: ${dirText}; total ${totalText(check)}`);
    log(`  per transfer: ${costText(costs)}`);
    return sample;
  };

  const samples: TwoWaySample[] = [];
  const random: RandomSample[] = [];
  try {
    log(`(t2) funding ${ACCOUNT_A} and ${ACCOUNT_B} with ${FUNDS} each; ${options.callers} callers over ${nodes.length} nodes`);
    for (const id of [ACCOUNT_A, ACCOUNT_B]) await callers.call(0, id, 'deposit', [FUNDS], options.callTimeoutMs);
    const randomTransfers = new RandomTransfers(callers, options);
    log(`(t) funding ${options.accounts} accounts`);
    await randomTransfers.fund();
    // Warm-up: one-way only, so no run starts behind a two-way run's stalled calls.
    if (options.warmupMs > 0) await measure('one-way', 0, options.warmupMs, Math.max(...options.spreads));
    for (let round = 1; round <= options.rounds; round++) {
      const order: TwoWayKind[] = round % 2 ? ['two-way', 'one-way'] : ['one-way', 'two-way'];
      // Spreads alternate too, so that neither always runs right after the other.
      const spreads = round % 2 ? options.spreads : [...options.spreads].reverse();
      for (const spread of spreads) {
        for (const kind of order) samples.push(await measure(kind, round, options.durationMs, spread));
        const r = await randomTransfers.run(round, pids, nodes, spread);
        log(`round ${round} (t) random · ${nodesText(spread)}: ${randomText(r)}`);
        log(`  per transfer: ${costText(r.costs)}`);
        random.push(r);
      }
    }
  } finally {
    await callers.close();
  }
  // The summary is of the callers spread widest (all nodes, by default); the detail table has every spread.
  const widest = Math.max(...options.spreads);
  const summary = summarizeTwoWay(samples.filter((x) => x.spread === widest), random.filter((x) => x.spread === widest));
  return { summary, samples, random, table: renderTwoWay(summary, samples, random, options, nodes.length) };
}

export function summarizeTwoWay(samples: TwoWaySample[], random: RandomSample[]): TwoWaySummary {
  const two = samples.filter((s) => s.kind === 'two-way');
  const one = samples.filter((s) => s.kind === 'one-way');
  const dirStat = (dir: Direction, stat: 'opsPerSec' | 'p99Ms'): Summary => summarize(two.map((s) => s.directions.find((d) => d.direction === dir)?.[stat] ?? NaN));
  const ratios = two.flatMap((t) => {
    const o = one.find((s) => s.round === t.round);
    return o ? [t.transfersPerSec / o.transfersPerSec] : [];
  });
  return {
    twoWay: {
      transfersPerSec: summarize(two.map((s) => s.transfersPerSec)),
      byDirection: { 'a→b': dirStat('a→b', 'opsPerSec'), 'b→a': dirStat('b→a', 'opsPerSec') },
      p99ByDirection: { 'a→b': dirStat('a→b', 'p99Ms'), 'b→a': dirStat('b→a', 'p99Ms') },
      fairness: summarize(two.map((s) => s.fairness ?? NaN)),
    },
    oneWay: { transfersPerSec: summarize(one.map((s) => s.transfersPerSec)) },
    ratio: summarize(ratios),
    conserved: samples.every((s) => s.total.conserved),
    checks: samples.length,
    random: summarizeRandom(random),
  };
}

const completed = (x: TwoWaySample): number => x.directions.reduce((n, d) => n + d.ops, 0);

/** The three tables `npm run bench` prints for (t) and (t2). */
export function renderTwoWay(summary: TwoWaySummary, samples: TwoWaySample[], random: RandomSample[], options: TwoWayOptions, nodes: number): string {
  const s = summary;
  const main = table(
    ['(t2) transfers between 2 accounts', 'two-way', 'one-way a→b', 'ratio two-way ÷ one-way'],
    [
      ['transfers/s, both directions', fmtRange(s.twoWay.transfersPerSec), fmtRange(s.oneWay.transfersPerSec), fmtRange(s.ratio)],
      ['transfers/s a→b', fmtRange(s.twoWay.byDirection['a→b']), '', ''],
      ['transfers/s b→a', fmtRange(s.twoWay.byDirection['b→a']), '', ''],
      ['p99 ms a→b', fmtRange(s.twoWay.p99ByDirection['a→b']), '', ''],
      ['p99 ms b→a', fmtRange(s.twoWay.p99ByDirection['b→a']), '', ''],
      ['fairness min÷max direction', fmtRange(s.twoWay.fairness), '', ''],
      ['total balance(a)+balance(b)', s.conserved ? `CONSERVED (${s.checks} runs checked)` : 'VIOLATED (see below)', '', ''],
    ],
  );
  const processes = Object.keys(samples[0]?.cpuMs ?? {}).filter((p) => p !== 'other');
  const rows = samples.flatMap((x) =>
    x.directions.map((d, i) => [
      i === 0 ? `(t2) ${x.kind} round ${x.round} · ${nodesText(x.spread)}` : '',
      `${d.direction} ×${d.callers}`,
      String(d.ops),
      fmt(d.opsPerSec),
      fmt(d.p50Ms),
      fmt(d.p99Ms),
      fmt(d.maxMs),
      failuresText(d.failures),
      i === 0 ? fmt(x.elapsedMs / 1000) : '',
      i === 0 ? processes.map((p) => `${p} ${fmt((x.cpuMs[p] * 1000) / Math.max(1, completed(x)))}`).join(', ') : '',
      i === 0 ? (x.cpuMs.other / x.elapsedMs).toFixed(2) : '',
      i === 0 ? totalText(x.total) : '',
      i === 0 ? costText(x.costs) : '',
    ]),
  );
  rows.push(...randomRows(random, processes).map((row, i) => [...row, costText(random[i].costs)]));
  const detail = table(['run', 'direction', 'transfers', '/s', 'p50 ms', 'p99 ms', 'max ms', 'failures by code', 'elapsed s', 'CPU µs/transfer by process', 'other cores', 'total', 'per transfer: grid ops, turns, calls/turn, lock wait ms, busy nested calls'], rows);
  const head = [
    `Account.transfer(other, 1) over WebSocket JSON-RPC, ${options.callers} callers (closed loops) spread over ${nodes} nodes on 1 member${options.spreads.length > 1 || options.spreads[0] !== nodes ? ` (detail: also spread over ${options.spreads.filter((n) => n !== Math.max(...options.spreads)).map(nodesText).join(', ')}; summary: ${nodesText(Math.max(...options.spreads))})` : ''}.`,
    `(t): between random pairs of ${options.accounts} accounts. (t2): between 2 accounts, two-way: half a→b, half b→a at once; one-way: all a→b.`,
    `${options.rounds} rounds of ${options.durationMs} ms each, then every call in flight finishes or fails (client timeout ${options.callTimeoutMs} ms);`,
    'transfers/s = completed ÷ (start → last call done). Medians (min–max).',
  ].join('\n');
  return `${head}\n\n${renderRandom(s.random, options.accounts)}\n\n${main}\n\n${detail}`;
}
