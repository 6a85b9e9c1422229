import type { ActorType, OutboxItem, StateCodec } from '../actor';
import type { GridMap } from '../grid';
import type { ActorRecord } from './ActorRecord';

/** A record as read, with what its fenced write must compare against (`raw`). */
export interface StoredRecord {
  record: ActorRecord;
  /** The stored form, as read; `write` replaces it only if the grid still holds exactly this. */
  raw: unknown;
}

/**
 * What a turn may add to the plain actor model for the records of its store (collections): a check
 * after each call, which may emit an item for the call's change or throw to roll the call back.
 */
export interface TurnHooks {
  /**
   * Runs after a call returned, with the state the call started from; may adjust the instance (e.g.
   * its version). Returns what the call's change emits, if anything. Throwing rolls the call back
   * and fails it with the thrown error.
   */
  afterCall(instance: object, before: Record<string, unknown>, type: ActorType, id: string): OutboxItem | undefined;
}

/**
 * Where a type's actor records live, and how they are read and written: one entry per actor, with
 * an entry lock and a fenced write. Turns and queries see only this, so a type can keep its records
 * in a binary map (`actor.<Type>`, msgpack) or as queryable JSON (collections, `data.<name>`).
 */
export interface RecordStore {
  readonly name: string;
  /** See GridMap.tryLock. */
  tryLock(id: string, waitMs: number, leaseMs: number): Promise<boolean>;
  /** See GridMap.unlock. */
  unlock(id: string): Promise<void>;
  /** The record, or `undefined` for an actor never written. */
  read(id: string): Promise<StoredRecord | undefined>;
  /**
   * Writes `record`, fenced: only if the entry still holds `previous` (as read), or is still absent
   * when `previous` is undefined. Resolves to the new stored form, or `undefined` if fenced out.
   */
  write(id: string, previous: unknown, record: ActorRecord): Promise<unknown>;
  /** Extra per-call checks of this store's types. */
  readonly hooks?: TurnHooks;
}

/** The plain actor store: the whole record msgpack-encoded in the binary map `actor.<Type>`. */
export class BinaryRecordStore implements RecordStore {
  readonly name: string;

  constructor(
    private readonly map: GridMap<Buffer>,
    private readonly codec: StateCodec,
  ) {
    this.name = map.name;
  }

  tryLock(id: string, waitMs: number, leaseMs: number): Promise<boolean> {
    return this.map.tryLock(id, waitMs, leaseMs);
  }

  unlock(id: string): Promise<void> {
    return this.map.unlock(id);
  }

  async read(id: string): Promise<StoredRecord | undefined> {
    const raw = await this.map.get(id);
    return raw ? { record: this.codec.decode(raw) as ActorRecord, raw } : undefined;
  }

  async write(id: string, previous: unknown, record: ActorRecord): Promise<unknown> {
    const bytes = this.codec.encode(record);
    const written = previous !== undefined ? await this.map.replaceIfSame(id, previous as Buffer, bytes) : (await this.map.putIfAbsent(id, bytes)) === undefined;
    return written ? bytes : undefined;
  }
}
