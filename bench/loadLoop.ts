import { performance } from 'node:perf_hooks';

/** One operation of a closed loop; `seq` counts the worker's own operations from 0. */
export type Operation = (worker: number, seq: number) => Promise<unknown>;

/** What one closed-loop run measured. */
export interface LoopResult {
  /** Operations that completed without error. */
  ops: number;
  errors: number;
  /** The first error's message, to say why a measurement is invalid. */
  firstError?: string;
  /** From the start until the last worker finished its last operation. */
  elapsedMs: number;
  opsPerSec: number;
  /** Latency percentiles of successful operations, ms. */
  p50Ms: number;
  p99Ms: number;
}

/**
 * Runs `concurrency` workers, each issuing `op` back to back (a closed loop: a new operation starts
 * only when the worker's previous one finished), until `durationMs` has passed; then waits for the
 * operations in flight. Bounded by time, self-stopping; errors are counted, never thrown. A worker
 * stops early after `maxErrors` failures in the whole run so a broken target cannot spin.
 */
export async function closedLoop(concurrency: number, durationMs: number, op: Operation, maxErrors = 1000): Promise<LoopResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async (w: number): Promise<void> => {
    for (let seq = 0; performance.now() < deadline && errors < maxErrors; seq++) {
      const t0 = performance.now();
      try {
        await op(w, seq);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors += 1;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsedMs = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const pick = (q: number): number => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN);
  return {
    ops: latencies.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    elapsedMs,
    opsPerSec: (latencies.length * 1000) / elapsedMs,
    p50Ms: pick(0.5),
    p99Ms: pick(0.99),
  };
}

/** Runs `op` over `0..count-1` with `concurrency` in flight (setup and warm-up passes). */
export async function forEachConcurrently(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
