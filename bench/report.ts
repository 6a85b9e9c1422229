import type { GridOpCounts } from './gridOpCounter';
import type { LoopResult } from './loadLoop';
import type { BenchOptions, PairId } from './options';
import type { Pair, Side } from './pairs';
import { fmt, fmtRange, summarize, table, type Summary } from './stats';

/** One measured run of one side of one pair. */
export interface Sample extends LoopResult {
  round: number;
  pair: PairId;
  side: Side;
  /** CPU ms each process used during the run. */
  cpuMs: Record<string, number>;
  /** IMap operations (round trips) issued during the run: by the node for actorgrid, by the bench for raw baselines. */
  gridOps: GridOpCounts;
}

export interface SideSummary {
  label: string;
  concurrency: number;
  opsPerSec: Summary;
  p50Ms: number;
  p99Ms: number;
  /** Median CPU µs per call, by process. */
  cpuUsPerCall: Record<string, number>;
  /** IMap operations per call, all rounds together. */
  gridOpsPerCall: Record<string, number>;
  errors: number;
  /** Median cores' worth of CPU used by processes not ours during the runs (noise). */
  otherCores: number;
}

export interface PairSummary {
  id: PairId;
  title: string;
  target?: number;
  actorgrid: SideSummary;
  baseline: SideSummary;
  /** Per-round actorgrid ÷ baseline (the two run back to back). */
  ratio: Summary;
  result: 'PASS' | 'MISS' | 'n/a' | 'INVALID';
}

function sideSummary(pair: Pair, side: Side, samples: Sample[]): SideSummary {
  const mine = samples.filter((s) => s.pair === pair.id && s.side === side);
  const m = pair[side];
  const processes = Object.keys(mine[0]?.cpuMs ?? {}).filter((p) => p !== 'other');
  const totalOps = mine.reduce((n, s) => n + s.ops + s.errors, 0);
  const gridOps: Record<string, number> = {};
  for (const s of mine) for (const [k, v] of Object.entries(s.gridOps)) gridOps[k] = (gridOps[k] ?? 0) + v;
  return {
    label: m.label,
    concurrency: m.concurrency,
    opsPerSec: summarize(mine.map((s) => s.opsPerSec)),
    p50Ms: summarize(mine.map((s) => s.p50Ms)).median,
    p99Ms: summarize(mine.map((s) => s.p99Ms)).median,
    cpuUsPerCall: Object.fromEntries(processes.map((p) => [p, summarize(mine.map((s) => (s.cpuMs[p] * 1000) / Math.max(1, s.ops))).median])),
    gridOpsPerCall: Object.fromEntries(Object.entries(gridOps).map(([k, v]) => [k, v / Math.max(1, totalOps)])),
    errors: mine.reduce((n, s) => n + s.errors, 0),
    otherCores: summarize(mine.map((s) => s.cpuMs.other / s.elapsedMs)).median,
  };
}

export function summarizePairs(pairs: Pair[], samples: Sample[]): PairSummary[] {
  return pairs.map((pair) => {
    const actorgrid = sideSummary(pair, 'actorgrid', samples);
    const baseline = sideSummary(pair, 'baseline', samples);
    const rounds = [...new Set(samples.filter((s) => s.pair === pair.id).map((s) => s.round))];
    const ratios = rounds.flatMap((r) => {
      const a = samples.find((s) => s.pair === pair.id && s.round === r && s.side === 'actorgrid');
      const b = samples.find((s) => s.pair === pair.id && s.round === r && s.side === 'baseline');
      return a && b && b.opsPerSec > 0 ? [a.opsPerSec / b.opsPerSec] : [];
    });
    const ratio = summarize(ratios);
    const invalid = actorgrid.errors > 0 || baseline.errors > 0;
    const result = invalid ? 'INVALID' : pair.target === undefined ? 'n/a' : ratio.median >= pair.target ? 'PASS' : 'MISS';
    return { id: pair.id, title: pair.title, ...(pair.target === undefined ? {} : { target: pair.target }), actorgrid, baseline, ratio, result };
  });
}


/** The two tables `npm run bench` prints. */
export function renderTables(summaries: PairSummary[], options: BenchOptions): string {
  const main = table(
    ['pair', 'actorgrid calls/s', 'baseline ops/s', 'ratio', 'target', 'result'],
    summaries.map((p) => [p.title, fmtRange(p.actorgrid.opsPerSec), fmtRange(p.baseline.opsPerSec), fmtRange(p.ratio), p.target === undefined ? '-' : `≥ ${p.target}`, p.result]),
  );
  const detailRows: string[][] = [];
  for (const p of summaries) {
    for (const side of ['actorgrid', 'baseline'] as const) {
      const s = p[side];
      const cpu = Object.entries(s.cpuUsPerCall)
        .filter(([, v]) => Number.isFinite(v) && v > 0.05)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ');
      const ops = Object.entries(s.gridOpsPerCall)
        .filter(([, v]) => v >= 0.001)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ');
      detailRows.push([`(${p.id}) ${s.label}`, String(s.concurrency), fmt(s.opsPerSec.median), fmt(s.p50Ms), fmt(s.p99Ms), cpu, ops || '-', s.otherCores.toFixed(2), String(s.errors)]);
    }
  }
  const detail = table(['measurement', 'in flight', 'calls/s', 'p50 ms', 'p99 ms', 'CPU µs/call by process', 'grid ops/call', 'other cores', 'errors'], detailRows);
  const head = [
    `${options.rounds} rounds × ${options.durationMs} ms per measurement; medians (min–max); ratio = per-round actorgrid ÷ baseline.`,
    'CPU µs/call: CPU time each process used per completed call; other cores: CPU the rest of the machine used meanwhile (noise).',
  ].join('\n');
  return `${head}\n\n${main}\n\n${detail}`;
}
