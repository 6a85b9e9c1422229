/**
 * The two-way transfers section (t) of `npm run bench`: two Account actors, callers on 3 nodes
 * transferring in both directions at once (each `transfer` holds its own account's turn while it
 * calls the other's `deposit`), against one-way transfers at the same concurrency in the same run.
 * The method is described in bench/README.md.
 */
import { closedLoop, type LoopResult, type Operation } from './loadLoop';
import type { TwoWayOptions } from './options';
import { cpuSnapshot } from './procCpu';
import type { ServerProcess } from './ServerProcess';
import { fmt, summarize, table, type Summary } from './stats';
import { failureCode, RpcError, WsRpcPool } from './WsRpcPool';

export const ACCOUNT_A = 'twoway-a';
export const ACCOUNT_B = 'twoway-b';
/** What each account is funded with: far more than any run can move one way. */
export const FUNDS = 100_000_000;

/** Failure code of a call the bench gave up on (no reply within `callTimeoutMs`). */
export const CLIENT_TIMEOUT = 'CLIENT_TIMEOUT';

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

/**
 * balance(a) + balance(b) after a run, once every call had finished or failed. When the bench gave
 * up on calls (CLIENT_TIMEOUT) they may still run in the nodes, so the total is read until it is
 * right or `callTimeoutMs` has passed, and `conserved` is what it settled at; otherwise the first
 * read decides (a wrong one is read again 3 s later, for the record).
 */
export interface TotalCheck {
  expected: number;
  actual: number;
  conserved: boolean;
  /** The last read, when the first was off. */
  settled?: number;
  /** How long after the first read `settled` was read, ms. */
  settledAfterMs?: number;
}

/** One measured run. */
export interface TwoWaySample {
  kind: TwoWayKind;
  round: number;
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
  twoWay: { transfersPerSec: Summary; byDirection: Record<Direction, Summary>; fairness: Summary };
  oneWay: { transfersPerSec: Summary };
  /** Per round: two-way ÷ one-way transfers/s (run back to back). */
  ratio: Summary;
  /** Every run's total check held. */
  conserved: boolean;
  checks: number;
}

export interface TwoWayServers {
  nodes: ServerProcess[];
  memberPid: number;
}

const wsUrl = (server: ServerProcess): string => `${server.url.replace(/^http/, 'ws')}/ws`;

function expectNumber(value: unknown): number {
  if (typeof value !== 'number') throw new Error(`expected a number, got ${JSON.stringify(value)}`);
  return value;
}

/** Caller `w` talks to node `w % nodes`, over that node's connection `floor(w / nodes)`. */
class Callers {
  private constructor(private readonly pools: WsRpcPool[]) {}

  static async open(nodes: ServerProcess[], connectionsPerNode: number): Promise<Callers> {
    return new Callers(await Promise.all(nodes.map((n) => WsRpcPool.open(wsUrl(n), connectionsPerNode))));
  }

  /** `Account.<method>(...args)` on `id`, from caller `w`; rejects after `timeoutMs` with CLIENT_TIMEOUT. */
  async call(w: number, id: string, method: string, args: unknown[], timeoutMs: number): Promise<number> {
    const pool = this.pools[w % this.pools.length];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RpcError(CLIENT_TIMEOUT, `no reply within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return expectNumber(await Promise.race([pool.call(Math.floor(w / this.pools.length), 'actor.call', { type: 'Account', id, method, args }), timeout]));
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.pools.map((p) => p.close()));
  }
}

/** Runs every two-way and one-way measurement; closes its own connections. */
export async function runTwoWay(
  servers: TwoWayServers,
  options: TwoWayOptions,
  log: (line: string) => void,
): Promise<{ summary: TwoWaySummary; samples: TwoWaySample[]; table: string }> {
  const { nodes } = servers;
  const callers = await Callers.open(nodes, Math.ceil(options.callers / nodes.length));
  const pids: Record<string, number> = { bench: process.pid, member: servers.memberPid };
  nodes.forEach((n, i) => (pids[`node${i + 1}`] = n.pid));
  const balance = (id: string): Promise<number> => callers.call(0, id, 'balance', [], options.callTimeoutMs);
  const total = async (): Promise<number> => (await balance(ACCOUNT_A)) + (await balance(ACCOUNT_B));

  const direction = (dir: Direction, count: number, firstWorker: number): { op: Operation; result: (r: LoopResult) => DirectionResult } => {
    const [from, to] = dir === 'a→b' ? [ACCOUNT_A, ACCOUNT_B] : [ACCOUNT_B, ACCOUNT_A];
    const failures: Record<string, number> = {};
    let maxMs = 0;
    const op: Operation = async (w) => {
      const t0 = performance.now();
      try {
        await callers.call(firstWorker + w, from, 'transfer', [to, 1], options.callTimeoutMs);
      } catch (err) {
        const code = failureCode(err);
        failures[code] = (failures[code] ?? 0) + 1;
        throw err;
      } finally {
        maxMs = Math.max(maxMs, performance.now() - t0);
      }
    };
    return { op, result: (r) => ({ ...r, direction: dir, callers: count, failures, maxMs }) };
  };

  const measure = async (kind: TwoWayKind, round: number, durationMs: number): Promise<TwoWaySample> => {
    const half = Math.floor(options.callers / 2);
    const plan: Array<[Direction, number, number]> = kind === 'two-way' ? [['a→b', half, 0], ['b→a', options.callers - half, half]] : [['a→b', options.callers, 0]];
    const expected = 2 * FUNDS;
    const cpuBefore = cpuSnapshot(pids);
    const start = performance.now();
    // Both directions start together; each is a closed loop of its own callers. Errors never stop a
    // loop early (the limit is far above what a run can fail): a direction that only fails still runs.
    const directions = await Promise.all(
      plan.map(async ([dir, count, first]) => {
        const d = direction(dir, count, first);
        return d.result(await closedLoop(count, durationMs, d.op, Number.MAX_SAFE_INTEGER));
      }),
    );
    const elapsedMs = performance.now() - start;
    const cpuAfter = cpuSnapshot(pids);
    const check: TotalCheck = { expected, actual: await total(), conserved: false };
    check.conserved = check.actual === expected;
    if (!check.conserved) {
      const gaveUp = directions.some((d) => d.failures[CLIENT_TIMEOUT] > 0);
      const t0 = performance.now();
      const until = t0 + (gaveUp ? options.callTimeoutMs : 3000);
      do {
        await new Promise((resolve) => setTimeout(resolve, gaveUp ? 250 : 3000));
        check.settled = await total();
      } while (gaveUp && check.settled !== expected && performance.now() < until);
      check.settledAfterMs = performance.now() - t0;
      if (gaveUp) check.conserved = check.settled === expected;
    }
    const done = directions.map((d) => d.ops);
    const sample: TwoWaySample = {
      kind,
      round,
      directions,
      elapsedMs,
      transfersPerSec: (done.reduce((a, b) => a + b, 0) * 1000) / elapsedMs,
      ...(kind === 'two-way' ? { fairness: Math.max(...done) > 0 ? Math.min(...done) / Math.max(...done) : NaN } : {}),
      total: check,
      cpuMs: Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, cpuAfter[k] - cpuBefore[k]])),
    };
    const dirText = directions.map((d) => `${d.direction} ${d.ops} (${Math.round(d.opsPerSec)}/s, p99 ${fmt(d.p99Ms)} ms, max ${fmt(d.maxMs)} ms, ${d.errors} failed)`).join(', ');
    log(`${round === 0 ? 'warm-up' : `round ${round}`} (t) ${kind}: ${dirText}; total ${totalText(check)}`);
    return sample;
  };

  const samples: TwoWaySample[] = [];
  try {
    log(`(t) funding ${ACCOUNT_A} and ${ACCOUNT_B} with ${FUNDS} each; ${options.callers} callers over ${nodes.length} nodes`);
    for (const id of [ACCOUNT_A, ACCOUNT_B]) await callers.call(0, id, 'deposit', [FUNDS], options.callTimeoutMs);
    // Warm-up: one-way only, so no run starts behind a two-way run's stalled calls.
    if (options.warmupMs > 0) await measure('one-way', 0, options.warmupMs);
    for (let round = 1; round <= options.rounds; round++) {
      const order: TwoWayKind[] = round % 2 ? ['two-way', 'one-way'] : ['one-way', 'two-way'];
      for (const kind of order) samples.push(await measure(kind, round, options.durationMs));
    }
  } finally {
    await callers.close();
  }
  const summary = summarizeTwoWay(samples);
  return { summary, samples, table: renderTwoWay(summary, samples, options, nodes.length) };
}

export function summarizeTwoWay(samples: TwoWaySample[]): TwoWaySummary {
  const two = samples.filter((s) => s.kind === 'two-way');
  const one = samples.filter((s) => s.kind === 'one-way');
  const dirRate = (dir: Direction): Summary => summarize(two.map((s) => s.directions.find((d) => d.direction === dir)?.opsPerSec ?? NaN));
  const ratios = two.flatMap((t) => {
    const o = one.find((s) => s.round === t.round);
    return o ? [t.transfersPerSec / o.transfersPerSec] : [];
  });
  return {
    twoWay: {
      transfersPerSec: summarize(two.map((s) => s.transfersPerSec)),
      byDirection: { 'a→b': dirRate('a→b'), 'b→a': dirRate('b→a') },
      fairness: summarize(two.map((s) => s.fairness ?? NaN)),
    },
    oneWay: { transfersPerSec: summarize(one.map((s) => s.transfersPerSec)) },
    ratio: summarize(ratios),
    conserved: samples.every((s) => s.total.conserved),
    checks: samples.length,
  };
}

const completed = (x: TwoWaySample): number => x.directions.reduce((n, d) => n + d.ops, 0);
const range = (s: Summary): string => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;

function failuresText(d: DirectionResult): string {
  const codes = Object.entries(d.failures).sort((x, y) => y[1] - x[1]);
  return codes.length ? codes.map(([code, n]) => `${code} ${n}`).join(', ') : '0';
}

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

function totalText(t: TotalCheck): string {
  const later = t.settled === undefined ? '' : `${signed(t.actual - t.expected)}, ${fmt((t.settledAfterMs ?? 0) / 1000)} s later ${signed(t.settled - t.expected)}`;
  if (t.conserved) return later ? `CONSERVED (${later})` : 'CONSERVED';
  return `VIOLATED (${later || signed(t.actual - t.expected)})`;
}

/** The two tables `npm run bench` prints for (t). */
export function renderTwoWay(summary: TwoWaySummary, samples: TwoWaySample[], options: TwoWayOptions, nodes: number): string {
  const s = summary;
  const main = table(
    ['(t) transfers', 'two-way', 'one-way a→b', 'ratio two-way ÷ one-way'],
    [
      ['transfers/s, both directions', range(s.twoWay.transfersPerSec), range(s.oneWay.transfersPerSec), range(s.ratio)],
      ['transfers/s a→b', range(s.twoWay.byDirection['a→b']), '', ''],
      ['transfers/s b→a', range(s.twoWay.byDirection['b→a']), '', ''],
      ['fairness min÷max direction', range(s.twoWay.fairness), '', ''],
      ['total balance(a)+balance(b)', s.conserved ? `CONSERVED (${s.checks} runs checked)` : 'VIOLATED (see below)', '', ''],
    ],
  );
  const processes = Object.keys(samples[0]?.cpuMs ?? {}).filter((p) => p !== 'other');
  const rows = samples.flatMap((x) =>
    x.directions.map((d, i) => [
      i === 0 ? `${x.kind} round ${x.round}` : '',
      `${d.direction} ×${d.callers}`,
      String(d.ops),
      fmt(d.opsPerSec),
      fmt(d.p50Ms),
      fmt(d.p99Ms),
      fmt(d.maxMs),
      failuresText(d),
      i === 0 ? fmt(x.elapsedMs / 1000) : '',
      i === 0 ? processes.map((p) => `${p} ${fmt((x.cpuMs[p] * 1000) / Math.max(1, completed(x)))}`).join(', ') : '',
      i === 0 ? (x.cpuMs.other / x.elapsedMs).toFixed(2) : '',
      i === 0 ? totalText(x.total) : '',
    ]),
  );
  const detail = table(['(t) run', 'direction', 'transfers', '/s', 'p50 ms', 'p99 ms', 'max ms', 'failures by code', 'elapsed s', 'CPU µs/transfer by process', 'other cores', 'total'], rows);
  const head = [
    `(t) Account.transfer(other, 1) on 2 accounts over WebSocket JSON-RPC, ${options.callers} callers (closed loops) spread over ${nodes} nodes on 1 member;`,
    `two-way: half a→b, half b→a at once; one-way: all a→b. ${options.rounds} rounds of ${options.durationMs} ms, then every call in flight finishes or fails`,
    `(client timeout ${options.callTimeoutMs} ms); transfers/s = completed ÷ (start → last call done). Medians (min–max).`,
  ].join('\n');
  return `${head}\n\n${main}\n\n${detail}`;
}
