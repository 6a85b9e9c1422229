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

interface LockWaiter {
  owner: string;
  leaseMs: number;
  settle(granted: boolean): void;
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
  /** Callbacks waiting for a key's lock to be released (writes). */
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Clients waiting to take a key's lock, first come first served, as Hazelcast parks them. */
  private readonly lockQueues = new Map<string, LockWaiter[]>();
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

  /**
   * Takes the lock, waiting up to `waitMs` for it. Waiters get the lock in the order they came: a
   * release hands it straight to the first one, so a stream of new callers cannot overtake them.
   */
  acquire(key: string, owner: string, leaseMs: number, waitMs = Infinity): Promise<boolean> {
    if (this.tryAcquire(key, owner, leaseMs)) return Promise.resolve(true);
    if (waitMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let queue = this.lockQueues.get(key);
      if (!queue) this.lockQueues.set(key, (queue = []));
      const waiting = queue;
      let timer: NodeJS.Timeout | undefined;
      const waiter: LockWaiter = {
        owner,
        leaseMs,
        settle: (granted) => {
          clearTimeout(timer);
          resolve(granted);
        },
      };
      if (Number.isFinite(waitMs)) {
        timer = setTimeout(() => {
          const at = waiting.indexOf(waiter);
          if (at >= 0) waiting.splice(at, 1);
          if (waiting.length === 0 && this.lockQueues.get(key) === waiting) this.lockQueues.delete(key);
          resolve(false);
        }, waitMs);
      }
      waiting.push(waiter);
    });
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
    const next = this.lockQueues.get(key)?.shift();
    if (this.lockQueues.get(key)?.length === 0) this.lockQueues.delete(key);
    if (next) {
      this.locks.set(key, { owner: next.owner, count: 1, lease: this.leaseTimer(key, next.leaseMs) });
      next.settle(true);
      return;
    }
    const waiting = this.waiters.get(key);
    this.waiters.delete(key);
    waiting?.forEach((wake) => wake());
  }

  isLocked(key: string): boolean {
    return this.locks.has(key);
  }

  /** Releases every lock and listener of a client that went away (Hazelcast's client cleanup). */
  dropOwner(owner: string): void {
    for (const [key, queue] of [...this.lockQueues]) {
      for (const waiter of queue.filter((w) => w.owner === owner)) {
        queue.splice(queue.indexOf(waiter), 1);
        waiter.settle(false);
      }
      if (queue.length === 0) this.lockQueues.delete(key);
    }
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
