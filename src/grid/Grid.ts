import type { Predicate } from './Predicate';

/**
 * The Grid port: everything the runtime needs from a distributed data grid, and nothing more.
 * Two adapters implement it: `HazelcastGrid` (the only code that imports hazelcast-client) and
 * `MemoryGrid` (the embedded single-node default). Both pass one contract suite
 * (test/contract/grid.contract.ts).
 *
 * Ownership: locks belong to a Grid *client instance* (one per node), not to an async call chain.
 * Two concurrent `lock()` calls from the same Grid both succeed (locks are reentrant per client);
 * exclusion inside a node is the runtime's job (one turn per key).
 */
export interface Grid {
  /** Which adapter this is. */
  readonly kind: GridKind;
  /** A map proxy. Proxies are cached: asking twice for the same name returns the same object. */
  map<V extends MapValue = Buffer>(name: string, format?: MapFormat): GridMap<V>;
  /** A stream proxy (a bounded, ordered, replayable log). Capacity rounds up to a tier (see `streamTier`). */
  stream(name: string, options?: StreamOptions): GridStream;
  /** The grid's members as the client sees them now. */
  members(): Promise<GridMember[]>;
  /** Calls `listener` when a member joins or leaves. Returns a function that removes the listener. */
  onMembershipChange(listener: (event: MembershipEvent) => void): () => void;
  /** Whether the client is connected to the grid right now (readiness). */
  isConnected(): boolean;
  /** Closes the client. Locks it held are released by the grid (see docs/grid.md for how fast). */
  shutdown(): Promise<void>;
}

/** `memory` (embedded, single node) or `hazelcast` (a real cluster). */
export type GridKind = 'memory' | 'hazelcast';

/**
 * How a map stores its values.
 * - `binary`: Buffers, compared byte for byte by `replaceIfSame` (actor state, msgpack).
 * - `json`: JSON-compatible values, queryable by predicates (collection records, node registry).
 */
export type MapFormat = 'binary' | 'json';

/** A JSON-compatible value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What a map may hold. */
export type MapValue = Buffer | JsonValue;

/** Options for entry listeners. */
export interface ListenOptions {
  /** Only events whose value (the new value; the old one for `removed`) matches. JSON maps only. */
  predicate?: Predicate;
  /** Only events for this key. */
  key?: string;
  /** Include values in events. @default true */
  includeValue?: boolean;
}

/** One entry event. `value` is the new value (absent on `removed`), `oldValue` the previous one. */
export interface EntryEvent<V> {
  type: 'added' | 'updated' | 'removed';
  key: string;
  value?: V;
  oldValue?: V;
}

/** A distributed map with string keys and entry locks. */
export interface GridMap<V extends MapValue = Buffer> {
  readonly name: string;
  /** The value, or `undefined` when absent (or expired). Never blocks on locks. */
  get(key: string): Promise<V | undefined>;
  /** Sets the value, optionally expiring after `ttlMs`. Waits while another client holds the key's lock. */
  set(key: string, value: V, ttlMs?: number): Promise<void>;
  /** Removes the entry. Waits while another client holds the key's lock. */
  delete(key: string): Promise<void>;
  /** Stores `value` only if the key is absent; returns the existing value, or `undefined` if it stored. */
  putIfAbsent(key: string, value: V, ttlMs?: number): Promise<V | undefined>;
  /** Compare-and-set: replaces only when the current value equals `oldValue` exactly (serialized form). */
  replaceIfSame(key: string, oldValue: V, newValue: V): Promise<boolean>;
  /** Waits for the key's lock; the grid force-releases it after `leaseMs`. Reentrant per client. */
  lock(key: string, leaseMs: number): Promise<void>;
  /** Like `lock`, but gives up after `waitMs` and resolves `false`. */
  tryLock(key: string, waitMs: number, leaseMs: number): Promise<boolean>;
  /** Releases one hold of this client's lock. Rejects with `LockNotOwnedError` if this client does not hold it. */
  unlock(key: string): Promise<void>;
  /** Releases the lock whoever holds it. */
  forceUnlock(key: string): Promise<void>;
  /** Whether anyone holds the key's lock. */
  isLocked(key: string): Promise<boolean>;
  /** Values matching `predicate` (all values without one). */
  values(predicate?: Predicate): Promise<V[]>;
  /**
   * Entries matching `predicate` (all entries without one). With `limit`, at most that many of them
   * (which ones is up to the adapter: by key order on Hazelcast, whose paging predicate sorts by key).
   */
  entries(predicate?: Predicate, limit?: number): Promise<Array<[string, V]>>;
  /**
   * Indexes a JSON map on an attribute path so that predicates on it need not scan every entry:
   * `sorted` serves ranges and equality, `hash` equality only. Idempotent (adding the same index
   * again changes nothing); the memory grid scans anyway and ignores it.
   */
  addIndex(path: string, kind: 'sorted' | 'hash'): Promise<void>;
  /** Listens for added / updated / removed entries. Resolves to an async remover. */
  listen(listener: (event: EntryEvent<V>) => void, options?: ListenOptions): Promise<() => Promise<void>>;
}

/** Options for a stream. */
export interface StreamOptions {
  /** How many items stay replayable; rounded up to the next tier of `STREAM_TIERS`. @default 10000 */
  capacity?: number;
}

/** Items read from a stream. */
export interface StreamReadResult {
  /** Items in order. `seq` is the item's sequence. */
  items: Array<{ seq: number; value: Buffer }>;
  /** The sequence to read from next. */
  next: number;
  /** Present when items from the requested sequence had been overwritten: `[from, to]` are gone. */
  lost?: { from: number; to: number };
}

/**
 * A bounded, ordered, replayable log (a Hazelcast Ringbuffer). The first item has sequence 0; when
 * full, appending overwrites the oldest item.
 */
export interface GridStream {
  readonly name: string;
  /** The stream's effective capacity (a tier). */
  readonly capacity: number;
  /** Appends one item; resolves to its sequence. */
  append(value: Buffer): Promise<number>;
  /** Appends several items in order in one round trip; resolves to the last one's sequence. */
  appendAll(values: readonly Buffer[]): Promise<number>;
  /**
   * Reads up to `max` items from sequence `from`. With `waitMs > 0` and nothing to read yet, waits up to
   * that long for the next item (resolving with no items if none came). Reading from past the tail + 1
   * is an error; reading from before the head reports the overwritten range in `lost`.
   */
  read(from: number, max: number, waitMs?: number): Promise<StreamReadResult>;
  /** Sequence of the oldest item still held (0 when empty). */
  head(): Promise<number>;
  /** Sequence of the newest item (-1 when empty). */
  tail(): Promise<number>;
}

/** A grid member. */
export interface GridMember {
  id: string;
  address: string;
}

/** A member joined or left. */
export interface MembershipEvent {
  type: 'joined' | 'left';
  member: GridMember;
}

/** Capacity tiers of streams. Hazelcast needs one ringbuffer config per capacity (config/hazelcast.yaml). */
export const STREAM_TIERS = [16, 1000, 10000, 100000] as const;

/** The default stream capacity. */
export const DEFAULT_STREAM_CAPACITY = 10000;

/** The smallest tier that holds `capacity` items; the largest tier when none does. */
export function streamTier(capacity: number = DEFAULT_STREAM_CAPACITY): number {
  for (const tier of STREAM_TIERS) if (capacity <= tier) return tier;
  return STREAM_TIERS[STREAM_TIERS.length - 1];
}
