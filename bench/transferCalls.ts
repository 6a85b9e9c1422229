/**
 * What the transfer runs (t) and (t2) share: callers on several nodes calling Account methods with a
 * client timeout, failures counted by code, and the check that a run conserved the money.
 */
import { performance } from 'node:perf_hooks';
import type { Operation } from './loadLoop';
import { wsUrl, type ServerProcess } from './ServerProcess';
import { fmt } from './stats';
import { failureCode, RpcError, WsRpcPool } from './WsRpcPool';

/** Failure code of a call the bench gave up on (no reply within `callTimeoutMs`). */
export const CLIENT_TIMEOUT = 'CLIENT_TIMEOUT';

/**
 * The sum of the balances after a run, once every call had finished or failed. When the bench gave
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

function expectNumber(value: unknown): number {
  if (typeof value !== 'number') throw new Error(`expected a number, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Caller `w` talks to node `w % spread`, over that node's connection `floor(w / spread)` (modulo the
 * connections open to it); `spread` is every node unless `on(n)` narrowed it to the first `n`.
 */
export class Callers {
  private constructor(
    private readonly pools: WsRpcPool[],
    private readonly spread = pools.length,
  ) {}

  static async open(nodes: ServerProcess[], connectionsPerNode: number): Promise<Callers> {
    return new Callers(await Promise.all(nodes.map((n) => WsRpcPool.open(wsUrl(n, '/ws'), connectionsPerNode))));
  }

  /** The same connections, with every caller on one of the first `n` nodes. */
  on(n: number): Callers {
    return new Callers(this.pools, Math.min(n, this.pools.length));
  }

  /** `Account.<method>(...args)` on `id`, from caller `w`; rejects after `timeoutMs` with CLIENT_TIMEOUT. */
  async call(w: number, id: string, method: string, args: unknown[], timeoutMs: number): Promise<number> {
    const pool = this.pools[w % this.spread];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RpcError(CLIENT_TIMEOUT, `no reply within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return expectNumber(await Promise.race([pool.call(Math.floor(w / this.spread), 'actor.call', { type: 'Account', id, method, args }), timeout]));
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.pools.map((p) => p.close()));
  }
}

/** `op` with its failures counted by code and its longest call (finished or failed) kept. */
export function tracked(op: Operation): { op: Operation; failures: Record<string, number>; maxMs(): number } {
  const failures: Record<string, number> = {};
  let maxMs = 0;
  const wrapped: Operation = async (w, seq) => {
    const t0 = performance.now();
    try {
      await op(w, seq);
    } catch (err) {
      const code = failureCode(err);
      failures[code] = (failures[code] ?? 0) + 1;
      throw err;
    } finally {
      maxMs = Math.max(maxMs, performance.now() - t0);
    }
  };
  return { op: wrapped, failures, maxMs: () => maxMs };
}

/** Reads `total()` after a run and decides whether it equals `expected` (see TotalCheck). */
export async function checkTotal(total: () => Promise<number>, expected: number, gaveUp: boolean, callTimeoutMs: number): Promise<TotalCheck> {
  const check: TotalCheck = { expected, actual: await total(), conserved: false };
  check.conserved = check.actual === expected;
  if (!check.conserved) {
    const t0 = performance.now();
    const until = t0 + (gaveUp ? callTimeoutMs : 3000);
    do {
      await new Promise((resolve) => setTimeout(resolve, gaveUp ? 250 : 3000));
      check.settled = await total();
    } while (gaveUp && check.settled !== expected && performance.now() < until);
    check.settledAfterMs = performance.now() - t0;
    if (gaveUp) check.conserved = check.settled === expected;
  }
  return check;
}

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

export function totalText(t: TotalCheck): string {
  const later = t.settled === undefined ? '' : `${signed(t.actual - t.expected)}, ${fmt((t.settledAfterMs ?? 0) / 1000)} s later ${signed(t.settled - t.expected)}`;
  if (t.conserved) return later ? `CONSERVED (${later})` : 'CONSERVED';
  return `VIOLATED (${later || signed(t.actual - t.expected)})`;
}

export function failuresText(failures: Record<string, number>): string {
  const codes = Object.entries(failures).sort((x, y) => y[1] - x[1]);
  return codes.length ? codes.map(([code, n]) => `${code} ${n}`).join(', ') : '0';
}
