import type { EntryEvent, JsonValue, ListenOptions, MapFormat, MapValue } from '../Grid';
import { LockNotOwnedError } from '../GridErrors';
import { matches } from '../Predicate';

type Stored = Buffer | string;

interface Entry {
  data: Stored;
  expiresAt?: number;
}

interface Lock {
  owner: string;
  count: number;
  lease: NodeJS.Timeout;
}

interface Listener {
  owner: string;
  fn: (event: EntryEvent<MapValue>) => void;
  options: ListenOptions;
}

/**
 * One map's entries, locks and listeners, shared by every MemoryGrid client of a MemoryGridStore.
 * Values are kept serialized (Buffer copies, JSON strings), as a real grid would: callers never
 * share objects with the store, and `replaceIfSame` compares serialized forms.
 */
export class MemoryMapStore {
  private readonly entries = new Map<string, Entry>();
  private readonly locks = new Map<string, Lock>();
  /** Callbacks waiting for a key's lock to be released. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly listeners = new Set<Listener>();

  constructor(
    readonly name: string,
    readonly format: MapFormat,
  ) {}

  encode(value: MapValue): Stored {
    if (this.format === 'binary') {
      if (!Buffer.isBuffer(value)) throw new TypeError(`map ${this.name} holds Buffers`);
      return Buffer.from(value);
    }
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`map ${this.name} holds JSON values`);
    return json;
  }

  decode(data: Stored): MapValue {
    return typeof data === 'string' ? (JSON.parse(data) as JsonValue) : Buffer.from(data);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  get(key: string): MapValue | undefined {
    const entry = this.live(key);
    return entry && this.decode(entry.data);
  }

  all(): Array<[string, MapValue]> {
    const out: Array<[string, MapValue]> = [];
    for (const key of [...this.entries.keys()]) {
      const entry = this.live(key);
      if (entry) out.push([key, this.decode(entry.data)]);
    }
    return out;
  }

  /** Writes wait while another client holds the key's lock, as Hazelcast's do. */
  async writable(key: string, owner: string): Promise<void> {
    for (;;) {
      const lock = this.locks.get(key);
      if (!lock || lock.owner === owner) return;
      await this.released(key);
    }
  }

  write(key: string, data: Stored | undefined, ttlMs?: number): void {
    const before = this.live(key);
    if (data === undefined) {
      if (!before) return;
      this.entries.delete(key);
      this.emit({ type: 'removed', key }, before.data, undefined);
      return;
    }
    const entry: Entry = { data };
    if (ttlMs !== undefined && ttlMs > 0) entry.expiresAt = Date.now() + ttlMs;
    this.entries.set(key, entry);
    this.emit({ type: before ? 'updated' : 'added', key }, before?.data, data);
  }

  sameAs(key: string, data: Stored): boolean {
    const entry = this.live(key);
    if (!entry) return false;
    return typeof data === 'string' ? entry.data === data : Buffer.isBuffer(entry.data) && entry.data.equals(data);
  }

  tryAcquire(key: string, owner: string, leaseMs: number): boolean {
    const lock = this.locks.get(key);
    if (lock && lock.owner !== owner) return false;
    if (lock) {
      lock.count += 1;
      clearTimeout(lock.lease);
      lock.lease = this.leaseTimer(key, leaseMs);
    } else {
      this.locks.set(key, { owner, count: 1, lease: this.leaseTimer(key, leaseMs) });
    }
    return true;
  }

  private leaseTimer(key: string, leaseMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.release(key), leaseMs);
    timer.unref();
    return timer;
  }

  async acquire(key: string, owner: string, leaseMs: number, waitMs = Infinity): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    while (!this.tryAcquire(key, owner, leaseMs)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.released(key, left);
    }
    return true;
  }

  unlock(key: string, owner: string): void {
    const lock = this.locks.get(key);
    if (!lock || lock.owner !== owner) throw new LockNotOwnedError(this.name, key);
    lock.count -= 1;
    if (lock.count === 0) this.release(key);
  }

  release(key: string): void {
    const lock = this.locks.get(key);
    if (!lock) return;
    clearTimeout(lock.lease);
    this.locks.delete(key);
    const waiting = this.waiters.get(key);
    this.waiters.delete(key);
    waiting?.forEach((wake) => wake());
  }

  isLocked(key: string): boolean {
    return this.locks.has(key);
  }

  /** Releases every lock and listener of a client that went away (Hazelcast's client cleanup). */
  dropOwner(owner: string): void {
    for (const [key, lock] of [...this.locks]) if (lock.owner === owner) this.release(key);
    for (const l of [...this.listeners]) if (l.owner === owner) this.listeners.delete(l);
  }

  /** Resolves when the key's lock is released, or after `timeoutMs`. */
  private released(key: string, timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const waiters = set;
      let timer: NodeJS.Timeout | undefined;
      const wake = (): void => {
        if (timer) clearTimeout(timer);
        waiters.delete(wake);
        resolve();
      };
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) timer = setTimeout(wake, timeoutMs);
      waiters.add(wake);
    });
  }

  addListener(owner: string, fn: (event: EntryEvent<MapValue>) => void, options: ListenOptions): () => void {
    const listener: Listener = { owner, fn, options };
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private emit(base: Pick<EntryEvent<MapValue>, 'type' | 'key'>, before: Stored | undefined, after: Stored | undefined): void {
    for (const listener of this.listeners) {
      const { key, predicate, includeValue = true } = listener.options;
      if (key !== undefined && key !== base.key) continue;
      const subject = base.type === 'removed' ? before : after;
      if (predicate && !matches(predicate, subject === undefined ? undefined : (this.decode(subject) as JsonValue))) continue;
      const event: EntryEvent<MapValue> = { ...base };
      if (includeValue) {
        if (after !== undefined) event.value = this.decode(after);
        if (before !== undefined) event.oldValue = this.decode(before);
      }
      // Events arrive asynchronously, after the write's promise, as they do from a real grid.
      setImmediate(() => {
        if (this.listeners.has(listener)) listener.fn(event);
      });
    }
  }
}
