/**
 * (t) of the transfers section: `Account.transfer(to, 1)` between random pairs among many accounts
 * (`--twoway-accounts`, 1,000), the same callers as (t2) over the same nodes. Pairs rarely collide,
 * so it measures transfers as a service would see them, where (t2) measures the worst contention.
 * Every run ends with the sum of all balances against the funded total.
 */
import { performance } from 'node:perf_hooks';
import { closedLoop, forEachConcurrently, type LoopResult } from './loadLoop';
import type { TwoWayOptions } from './options';
import { cpuSnapshot } from './procCpu';
import { fmt, fmtRange, summarize, table, type Summary } from './stats';
import type { ServerProcess } from './ServerProcess';
import { checkTotal, CLIENT_TIMEOUT, failuresText, totalText, tracked, type Callers, type TotalCheck } from './transferCalls';
import { costSnapshot, perTransfer, type CostSnapshot } from './transferCosts';

/** What each of the accounts is funded with. */
export const RANDOM_FUNDS = 1_000_000;

/** One measured (t) run. */
export interface RandomSample extends LoopResult {
  round: number;
  /** Nodes the callers were spread over. */
  spread: number;
  /** What a completed transfer cost the nodes (transferCosts.ts). */
  costs: CostSnapshot;
  accounts: number;
  callers: number;
  failures: Record<string, number>;
  /** Longest call, finished or failed, ms. */
  maxMs: number;
  total: TotalCheck;
  /** CPU ms each process used during the run (and `other`: the rest of the machine). */
  cpuMs: Record<string, number>;
}

export interface RandomSummary {
  transfersPerSec: Summary;
  p99Ms: Summary;
  conserved: boolean;
  checks: number;
}

/** The accounts of (t), funded once; `run` measures one closed-loop run of random transfers. */
export class RandomTransfers {
  private readonly ids: string[];

  constructor(
    private readonly callers: Callers,
    private readonly options: TwoWayOptions,
  ) {
    this.ids = Array.from({ length: options.accounts }, (_, i) => `random-${i}`);
  }

  /** Deposits RANDOM_FUNDS into every account (they start empty: the run's member is new). */
  async fund(): Promise<void> {
    await forEachConcurrently(this.ids.length, this.options.callers, (i) => this.callers.call(i, this.ids[i], 'deposit', [RANDOM_FUNDS], this.options.callTimeoutMs));
  }

  /** One run with the callers spread over the first `spread` of `nodes`. */
  async run(round: number, pids: Record<string, number>, nodes: ServerProcess[], spread: number): Promise<RandomSample> {
    const { options, ids } = this;
    const callers = this.callers.on(spread);
    const t = tracked(async (w) => {
      const from = Math.floor(Math.random() * ids.length);
      const to = (from + 1 + Math.floor(Math.random() * (ids.length - 1))) % ids.length; // never `from`
      await callers.call(w, ids[from], 'transfer', [ids[to], 1], options.callTimeoutMs);
    });
    const costsBefore = await costSnapshot(nodes);
    const cpuBefore = cpuSnapshot(pids);
    const r = await closedLoop(options.callers, options.durationMs, t.op, Number.MAX_SAFE_INTEGER);
    const cpuAfter = cpuSnapshot(pids);
    const costs = perTransfer(costsBefore, await costSnapshot(nodes), r.ops);
    const total = await checkTotal(() => this.total(), ids.length * RANDOM_FUNDS, t.failures[CLIENT_TIMEOUT] > 0, options.callTimeoutMs);
    return {
      ...r,
      round,
      spread,
      costs,
      accounts: ids.length,
      callers: options.callers,
      failures: t.failures,
      maxMs: t.maxMs(),
      total,
      cpuMs: Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, cpuAfter[k] - cpuBefore[k]])),
    };
  }

  /** The sum of every account's balance (`@Query`, read by all callers in turn). */
  private async total(): Promise<number> {
    const balances = new Array<number>(this.ids.length);
    await forEachConcurrently(this.ids.length, this.options.callers, async (i) => {
      balances[i] = await this.callers.call(i, this.ids[i], 'balance', [], this.options.callTimeoutMs);
    });
    return balances.reduce((a, b) => a + b, 0);
  }
}

export function randomText(s: RandomSample): string {
  return `${s.ops} (${Math.round(s.opsPerSec)}/s, p50 ${fmt(s.p50Ms)} ms, p99 ${fmt(s.p99Ms)} ms, max ${fmt(s.maxMs)} ms, ${s.errors} failed); total ${totalText(s.total)}`;
}

export function summarizeRandom(samples: RandomSample[]): RandomSummary {
  return {
    transfersPerSec: summarize(samples.map((s) => s.opsPerSec)),
    p99Ms: summarize(samples.map((s) => s.p99Ms)),
    conserved: samples.every((s) => s.total.conserved),
    checks: samples.length,
  };
}

/** The rows of (t) in the transfers section's detail table: one per run. */
export function randomRows(samples: RandomSample[], processes: string[]): string[][] {
  return samples.map((x) => [
    `(t) random round ${x.round} · ${nodesText(x.spread)}`,
    `random ×${x.callers}`,
    String(x.ops),
    fmt(x.opsPerSec),
    fmt(x.p50Ms),
    fmt(x.p99Ms),
    fmt(x.maxMs),
    failuresText(x.failures),
    fmt(x.elapsedMs / 1000),
    processes.map((p) => `${p} ${fmt((x.cpuMs[p] * 1000) / Math.max(1, x.ops))}`).join(', '),
    (x.cpuMs.other / x.elapsedMs).toFixed(2),
    totalText(x.total),
  ]);
}

export const nodesText = (n: number): string => `${n} node${n === 1 ? '' : 's'}`;

/** The summary table of (t). */
export function renderRandom(summary: RandomSummary, accounts: number): string {
  return table(
    [`(t) random transfers, ${accounts} accounts`, 'value'],
    [
      ['transfers/s', fmtRange(summary.transfersPerSec)],
      ['p99 ms', fmtRange(summary.p99Ms)],
      [`total = ${accounts} × ${RANDOM_FUNDS}`, summary.conserved ? `CONSERVED (${summary.checks} runs checked)` : 'VIOLATED (see below)'],
    ],
  );
}
