/**
 * Holds a grid client's map operations until the event loop has handled this iteration's I/O, then
 * lets them all go at once, so that they leave in one socket write.
 *
 * The Hazelcast client coalesces the operations issued within one tick (`process.nextTick`) into one
 * write. A node's operations are issued from many I/O callbacks per loop iteration — one per
 * WebSocket frame or grid response that arrives — so each callback's few operations cost a write
 * syscall of their own, which made up a fifth of a node's CPU under load (bench/README.md, issue 13).
 * Waiting for `setImmediate` (the check phase, right after the poll phase) gathers them: the latency
 * added is the rest of the current I/O phase; the order of operations is kept (the waiters resume in
 * the order they waited). Only the maps' key operations wait (HazelcastMap: get, set, delete,
 * putIfAbsent, replaceIfSame, lock, tryLock, unlock); queries, `isLocked`, `forceUnlock`, listeners
 * and streams go at once, so they may overtake a key operation issued just before them.
 */
export class SendWindow {
  private next: Promise<void> | undefined;

  /** Resolves after this loop iteration's I/O callbacks, for every operation that waits on it meanwhile. */
  opened(): Promise<void> {
    return (this.next ??= new Promise<void>((resolve) => {
      setImmediate(() => {
        this.next = undefined;
        resolve();
      });
    }));
  }
}
