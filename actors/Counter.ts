import { Action, Actor, Query, State } from '../src';

/**
 * A counter every node sees.
 *
 * curl -X POST localhost:8080/actors/Counter/hits/increment -H 'content-type: application/json' -d '[5]'
 */
@Actor('Counter')
export class Counter {
  @State() value = 0;

  /**
   * Adds `by` (default 1) and returns the new value; refuses a sum past ±Number.MAX_VALUE. Its body
   * only changes state, so it may run again safely: its turn takes no lock (optimistic).
   */
  @Action({ optimistic: true })
  increment(by: number = 1): number {
    const next = this.value + by;
    if (!Number.isFinite(next)) throw new Error(`increment would overflow: ${this.value} + ${by} is not a finite number`);
    this.value = next;
    return this.value;
  }

  /** The current value, read without a lock. */
  @Query()
  get(): number {
    return this.value;
  }

  /** Sets the value back to 0. */
  @Action({ optimistic: true })
  reset(): number {
    this.value = 0;
    return this.value;
  }
}
