import type { ActorRecord } from '../../src/runtime/ActorRecord';
import type { BinaryRecordStore, RecordStore, StoredRecord } from '../../src/runtime/RecordStore';

/** One thing a turn asked of the store: the actor, the operation, and for a lock its wait and answer. */
export interface StoreOp {
  id: string;
  op: 'tryLock' | 'read' | 'write' | 'unlock';
  waitMs?: number;
  locked?: boolean;
}

/** A record store that counts and logs what turns ask of it (test/runtime: which grid path a turn took). */
export class CountingStore implements RecordStore {
  readonly counts = { tryLock: 0, read: 0, write: 0, unlock: 0 };
  readonly log: StoreOp[] = [];

  constructor(private readonly inner: BinaryRecordStore) {}

  get name(): string {
    return this.inner.name;
  }

  /** The operations on actor `id` logged so far, from `since` (an index into `log`). */
  of(id: string, since = 0): StoreOp[] {
    return this.log.slice(since).filter((entry) => entry.id === id);
  }

  async tryLock(id: string, waitMs: number, leaseMs: number): Promise<boolean> {
    this.counts.tryLock += 1;
    const entry: StoreOp = { id, op: 'tryLock', waitMs };
    this.log.push(entry);
    entry.locked = await this.inner.tryLock(id, waitMs, leaseMs);
    return entry.locked;
  }

  unlock(id: string): Promise<void> {
    this.counts.unlock += 1;
    this.log.push({ id, op: 'unlock' });
    return this.inner.unlock(id);
  }

  read(id: string): Promise<StoredRecord | undefined> {
    this.counts.read += 1;
    this.log.push({ id, op: 'read' });
    return this.inner.read(id);
  }

  write(id: string, previous: unknown, record: ActorRecord): Promise<unknown> {
    this.counts.write += 1;
    this.log.push({ id, op: 'write' });
    return this.inner.write(id, previous, record);
  }
}
