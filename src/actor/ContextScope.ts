import { AsyncLocalStorage } from 'node:async_hooks';

/** What `ContextScope.run` needs to know of the function it runs: declared `async` or not. */
export interface ScopedFunction {
  readonly async: boolean;
}

/**
 * Where the context of the running actor call is found (`ActorContext.current()`), at the least
 * cost per call.
 *
 * Node 20's AsyncLocalStorage installs promise hooks for the whole process as soon as it is used:
 * every promise any library creates then pays for them (about a tenth of a node's CPU under
 * `npm run bench` pair (a)). Most actor methods are synchronous and need no propagation across
 * awaits, so a method that is not declared `async` runs with its context in a plain slot, set for
 * its synchronous run and restored after. Only `async` methods — and a plain method once it has
 * been seen to return a promise — run under the AsyncLocalStorage, and its hooks are switched off
 * again whenever no such run is under way.
 *
 * A plain function that returns a promise gets its context in `.then` callbacks from its second call
 * on; its first call has it only in its synchronous part (docs/actors.md "The context").
 */
export class ContextScope<T extends object> {
  private readonly storage = new AsyncLocalStorage<T>();
  /** The context of the synchronous method running now, if any. */
  private syncStore: T | undefined;
  /** Runs under the AsyncLocalStorage whose promise has not settled. */
  private asyncRuns = 0;
  /** Plain (non-`async`) methods seen returning a promise: from then on they run as `async` ones. */
  private readonly promising = new WeakSet<ScopedFunction>();

  /** The context of the call running now, or undefined outside one. */
  current(): T | undefined {
    if (this.syncStore !== undefined) return this.syncStore;
    return this.asyncRuns > 0 ? this.storage.getStore() : undefined;
  }

  /**
   * Runs `fn` with `store` as the current context: in its synchronous run and — when `target` is
   * `async`, unknown, or known to return promises — across its awaits too.
   */
  run<R>(store: T, fn: () => R, target?: ScopedFunction): R {
    if (target === undefined || target.async || this.promising.has(target)) return this.runAsync(store, fn);
    const outer = this.syncStore;
    this.syncStore = store;
    try {
      const result = fn();
      if (isThenable(result)) this.promising.add(target);
      return result;
    } finally {
      this.syncStore = outer;
    }
  }

  private runAsync<R>(store: T, fn: () => R): R {
    const outer = this.syncStore;
    this.syncStore = undefined; // the slot would hide this run's context in its synchronous part
    this.asyncRuns += 1;
    let result: R;
    try {
      result = this.storage.run(store, fn);
    } catch (err) {
      this.ended();
      throw err;
    } finally {
      this.syncStore = outer;
    }
    if (isThenable(result)) {
      const end = (): void => this.ended();
      result.then(end, end);
    } else {
      this.ended();
    }
    return result;
  }

  private ended(): void {
    this.asyncRuns -= 1;
    // No call needs propagation now: stop paying for the process-wide promise hooks.
    if (this.asyncRuns === 0) this.storage.disable();
  }
}

/** A promise or anything `await` treats as one. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
