import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `check` until it returns a truthy value (resolved with it) or `timeoutMs` passes (rejects with
 * `what` and the last error). Polling, never a fixed sleep: the wait ends as soon as the condition holds.
 */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await delay(everyMs);
  }
}

/** A unique name for a test's map or stream, so tests sharing one cluster never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
