import type { EntryEvent, GridMap, ListenOptions, MapValue } from '../Grid';
import type { Predicate } from '../Predicate';
import { matches } from '../Predicate';
import type { MemoryGrid } from './MemoryGrid';
import type { MemoryMapStore } from './MemoryMapStore';

/** A MemoryGrid client's view of one map: its calls act as this client (the owner of its locks). */
export class MemoryMap<V extends MapValue> implements GridMap<V> {
  readonly name: string;

  constructor(
    private readonly grid: MemoryGrid,
    readonly store: MemoryMapStore,
  ) {
    this.name = store.name;
  }

  private get owner(): string {
    return this.grid.clientId;
  }

  async get(key: string): Promise<V | undefined> {
    this.grid.check();
    return this.store.get(key) as V | undefined;
  }

  async set(key: string, value: V, ttlMs?: number): Promise<void> {
    this.grid.check();
    const data = this.store.encode(value);
    await this.store.writable(key, this.owner);
    this.store.write(key, data, ttlMs);
  }

  async delete(key: string): Promise<void> {
    this.grid.check();
    await this.store.writable(key, this.owner);
    this.store.write(key, undefined);
  }

  async putIfAbsent(key: string, value: V, ttlMs?: number): Promise<V | undefined> {
    this.grid.check();
    const data = this.store.encode(value);
    await this.store.writable(key, this.owner);
    const existing = this.store.get(key);
    if (existing !== undefined) return existing as V;
    this.store.write(key, data, ttlMs);
    return undefined;
  }

  async replaceIfSame(key: string, oldValue: V, newValue: V): Promise<boolean> {
    this.grid.check();
    const expected = this.store.encode(oldValue);
    const data = this.store.encode(newValue);
    await this.store.writable(key, this.owner);
    if (!this.store.sameAs(key, expected)) return false;
    this.store.write(key, data);
    return true;
  }

  async lock(key: string, leaseMs: number): Promise<void> {
    this.grid.check();
    await this.store.acquire(key, this.owner, leaseMs);
  }

  async tryLock(key: string, waitMs: number, leaseMs: number): Promise<boolean> {
    this.grid.check();
    return this.store.acquire(key, this.owner, leaseMs, waitMs);
  }

  async unlock(key: string): Promise<void> {
    this.grid.check();
    this.store.unlock(key, this.owner);
  }

  async forceUnlock(key: string): Promise<void> {
    this.grid.check();
    this.store.release(key);
  }

  async isLocked(key: string): Promise<boolean> {
    this.grid.check();
    return this.store.isLocked(key);
  }

  async values(predicate?: Predicate): Promise<V[]> {
    return (await this.entries(predicate)).map(([, v]) => v);
  }

  async entries(predicate?: Predicate, limit?: number): Promise<Array<[string, V]>> {
    this.grid.check();
    const all = this.store.all() as Array<[string, V]>;
    if (predicate && this.store.format !== 'json') throw new TypeError(`predicates need a json map; ${this.name} is binary`);
    const found = predicate ? all.filter(([, v]) => matches(predicate, v as never)) : all;
    return limit === undefined ? found : found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit);
  }

  async addIndex(): Promise<void> {
    this.grid.check();
    if (this.store.format !== 'json') throw new TypeError(`indexes need a json map; ${this.name} is binary`);
  }

  async listen(listener: (event: EntryEvent<V>) => void, options: ListenOptions = {}): Promise<() => Promise<void>> {
    this.grid.check();
    if (options.predicate && this.store.format !== 'json') {
      throw new TypeError(`predicates need a json map; ${this.name} is binary`);
    }
    const remove = this.store.addListener(this.owner, listener as (e: EntryEvent<MapValue>) => void, options);
    return async () => remove();
  }
}
