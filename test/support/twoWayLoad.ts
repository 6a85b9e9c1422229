import { strict as assert } from 'node:assert';
import { ActorGridError } from '../../src/errors';

/** The two directions of a two-way load: 0 is a → b, 1 is b → a. */
export type Direction = 0 | 1;

/** What a two-way load did. */
export interface TwoWayResult {
  /** Completed calls per direction. */
  done: [number, number];
  /** For each direction: how many calls the *other* direction had completed when this one finished its last. */
  otherWhenFinished: [number, number];
  /** Failures by code, e.g. `"LOCK_TIMEOUT×2"`; empty when none. */
  failures: string;
}

/**
 * Runs `callers` closed-loop callers, half per direction, each making `perCaller` calls one after the
 * other, and records when each direction finished relative to the other: the shape of issue 7's
 * starvation (one direction done while the other has barely started).
 */
export async function twoWayLoad(callers: number, perCaller: number, call: (direction: Direction, caller: number) => Promise<unknown>): Promise<TwoWayResult> {
  const done: [number, number] = [0, 0];
  const otherWhenFinished: [number, number] = [-1, -1];
  const failed = new Map<string, number>();
  const total = (callers / 2) * perCaller;
  const worker = async (caller: number): Promise<void> => {
    const direction: Direction = caller % 2 === 0 ? 0 : 1;
    for (let i = 0; i < perCaller; i++) {
      try {
        await call(direction, caller);
        done[direction] += 1;
        if (done[direction] === total) otherWhenFinished[direction] = done[1 - direction];
      } catch (err) {
        const code = err instanceof ActorGridError ? err.code : `NOT_CODED ${String(err)}`;
        failed.set(code, (failed.get(code) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, (_, i) => worker(i)));
  return { done, otherWhenFinished, failures: [...failed].map(([code, n]) => `${code}×${n}`).join(', ') };
}

/**
 * Both directions completed every call, and neither finished while the other had done less than a
 * third of its own: no side starves.
 */
export function assertBothProgress(result: TwoWayResult, callers: number, perCaller: number): void {
  const total = (callers / 2) * perCaller;
  assert.equal(result.failures, '', 'no transfer fails');
  assert.deepEqual(result.done, [total, total], 'both directions complete every transfer');
  for (const direction of [0, 1] as const) {
    assert.ok(
      result.otherWhenFinished[direction] >= total / 3,
      `direction ${direction === 0 ? 'a→b' : 'b→a'} finished all ${total} transfers while the other had done ${result.otherWhenFinished[direction]}`,
    );
  }
}
