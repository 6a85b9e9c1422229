import type { StoredRecord } from './RecordStore';

/**
 * The records this node last wrote (or read) in turns, most recently used last, at most `capacity`:
 * an optimistic turn compares-and-sets against one instead of reading it first (docs/actors.md "The
 * turn"). An entry may be stale — another node may have written the actor since — which the fenced
 * write finds out; it is never trusted for anything else.
 *
 * A turn *takes* an entry (it leaves the cache) and puts back what it wrote: a turn changes the
 * record object it works on, so no two turns may share one.
 */
export class RecordCache {
  private readonly entries = new Map<string, StoredRecord>();

  constructor(private readonly capacity: number) {}

  /** The entry for `key`, removed from the cache; undefined when there is none. */
  take(key: string): StoredRecord | undefined {
    const stored = this.entries.get(key);
    if (stored !== undefined) this.entries.delete(key);
    return stored;
  }

  /** Keeps `stored` as the record of `key`, dropping the least recently used entry when full. */
  put(key: string, stored: StoredRecord): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, stored);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Forgets `key` (a turn that did not end knowing what the grid holds). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
