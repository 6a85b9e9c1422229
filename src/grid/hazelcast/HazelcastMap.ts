import { ClassCastError, HazelcastJsonValue, IllegalArgumentError, Predicates, QueryError, type IMap, type EntryEvent as HzEntryEvent } from 'hazelcast-client';
import type { EntryEvent, GridMap, JsonValue, ListenOptions, MapFormat, MapValue } from '../Grid';
import { LockNotOwnedError, PredicateRejectedError } from '../GridErrors';
import type { Predicate } from '../Predicate';
import { call, isNotOwner, translateError } from './hazelcastErrors';
import { toHazelcastPredicate } from './hazelcastPredicate';
import type { SendWindow } from './SendWindow';

type Stored = Buffer | HazelcastJsonValue;

/**
 * A GridMap over a Hazelcast IMap. Binary maps store Buffers (byte arrays on the members); JSON maps
 * store HazelcastJsonValue so that predicates run on the members. The client is configured to parse
 * JSON values eagerly, so reads return plain values.
 */
export class HazelcastMap<V extends MapValue> implements GridMap<V> {
  constructor(
    readonly name: string,
    readonly format: MapFormat,
    /** Resolved once; the first getMap costs a round trip, so the proxy is cached by the grid. */
    private readonly proxy: Promise<IMap<string, Stored>>,
    /** The grid client's window: key operations wait for it, to leave in one socket write per loop iteration. */
    private readonly window: SendWindow,
  ) {}

  /** The map, once this loop iteration's key operations can go out together (SendWindow). */
  private async sending(): Promise<IMap<string, Stored>> {
    await this.window.opened();
    return this.proxy;
  }

  private encode(value: V): Stored {
    if (this.format === 'binary') {
      if (!Buffer.isBuffer(value)) throw new TypeError(`map ${this.name} holds Buffers`);
      return value;
    }
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`map ${this.name} holds JSON values`);
    return new HazelcastJsonValue(json);
  }

  private decode(value: unknown): V | undefined {
    if (value === null || value === undefined) return undefined;
    if (value instanceof HazelcastJsonValue) return JSON.parse(value.toString()) as V;
    return value as V;
  }

  private predicate(p: Predicate): ReturnType<typeof toHazelcastPredicate> {
    if (this.format !== 'json') throw new TypeError(`predicates need a json map; ${this.name} is binary`);
    return toHazelcastPredicate(p);
  }

  async get(key: string): Promise<V | undefined> {
    const map = await this.sending();
    return this.decode(await call(() => map.get(key)));
  }

  async set(key: string, value: V, ttlMs?: number): Promise<void> {
    const map = await this.sending();
    const stored = this.encode(value);
    await call(() => (ttlMs !== undefined && ttlMs > 0 ? map.set(key, stored, ttlMs) : map.set(key, stored)));
  }

  async delete(key: string): Promise<void> {
    const map = await this.sending();
    // remove, not delete: Hazelcast's delete publishes its `removed` event without the old value, and
    // predicate listeners then cannot match it.
    await call(() => map.remove(key));
  }

  async putIfAbsent(key: string, value: V, ttlMs?: number): Promise<V | undefined> {
    const map = await this.sending();
    const stored = this.encode(value);
    const existing = await call(() =>
      ttlMs !== undefined && ttlMs > 0 ? map.putIfAbsent(key, stored, ttlMs) : map.putIfAbsent(key, stored),
    );
    return this.decode(existing);
  }

  async replaceIfSame(key: string, oldValue: V, newValue: V): Promise<boolean> {
    const map = await this.sending();
    const [from, to] = [this.encode(oldValue), this.encode(newValue)];
    return call(() => map.replaceIfSame(key, from, to));
  }

  async lock(key: string, leaseMs: number): Promise<void> {
    const map = await this.sending();
    await call(() => map.lock(key, leaseMs));
  }

  async tryLock(key: string, waitMs: number, leaseMs: number): Promise<boolean> {
    const map = await this.sending();
    return call(() => map.tryLock(key, waitMs, leaseMs));
  }

  async unlock(key: string): Promise<void> {
    const map = await this.sending();
    try {
      await map.unlock(key);
    } catch (err) {
      if (isNotOwner(err)) throw new LockNotOwnedError(this.name, key, { cause: err });
      throw translateError(err);
    }
  }

  async forceUnlock(key: string): Promise<void> {
    const map = await this.proxy;
    await call(() => map.forceUnlock(key));
  }

  async isLocked(key: string): Promise<boolean> {
    const map = await this.proxy;
    return call(() => map.isLocked(key));
  }

  async values(predicate?: Predicate): Promise<V[]> {
    const map = await this.proxy;
    const list = await this.query(() => (predicate ? map.valuesWithPredicate(this.predicate(predicate)) : map.values()));
    return list.toArray().map((v) => this.decode(v) as V);
  }

  async entries(predicate?: Predicate, limit?: number): Promise<Array<[string, V]>> {
    const map = await this.proxy;
    const list = await this.query(() => {
      if (limit !== undefined) return map.entrySetWithPredicate(Predicates.paging(predicate ? this.predicate(predicate) : Predicates.alwaysTrue(), limit));
      return predicate ? map.entrySetWithPredicate(this.predicate(predicate)) : map.entrySet();
    });
    return list.map(([k, v]) => [k, this.decode(v) as V]);
  }

  /** Runs a predicate query; a member's conversion failure is the predicate's fault (PredicateRejectedError). */
  private async query<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await call(op);
    } catch (err) {
      const text = err instanceof Error ? err.message : '';
      // The client turns a member's ClassCastException into a ClassCastError whose message no longer names it.
      const typed = err instanceof ClassCastError || err instanceof IllegalArgumentError || err instanceof QueryError;
      const conversion = typed || /NumberFormatException|ClassCastException|IllegalArgumentException|QueryException/.test(text);
      if (conversion) throw new PredicateRejectedError(this.name, text.replace(/^Class name: /, '').split('\n')[0], { cause: err });
      throw err;
    }
  }

  async addIndex(path: string, kind: 'sorted' | 'hash'): Promise<void> {
    if (this.format !== 'json') throw new TypeError(`indexes need a json map; ${this.name} is binary`);
    const map = await this.proxy;
    await call(() => map.addIndex({ name: `${kind}:${path}`, type: kind === 'sorted' ? 'SORTED' : 'HASH', attributes: [path] }));
  }

  async listen(listener: (event: EntryEvent<V>) => void, options: ListenOptions = {}): Promise<() => Promise<void>> {
    const map = await this.proxy;
    const includeValue = options.includeValue ?? true;
    const forward =
      (type: EntryEvent<V>['type']) =>
      (e: HzEntryEvent<string, Stored>): void => {
        const event: EntryEvent<V> = { type, key: e.key };
        const value = this.decode(e.value);
        const oldValue = this.decode(e.oldValue);
        if (value !== undefined) event.value = value;
        if (oldValue !== undefined) event.oldValue = oldValue;
        listener(event);
      };
    const handlers = { added: forward('added'), updated: forward('updated'), removed: forward('removed') };
    const id = await call(() =>
      options.predicate
        ? map.addEntryListenerWithPredicate(handlers, this.predicate(options.predicate), options.key, includeValue)
        : map.addEntryListener(handlers, options.key, includeValue),
    );
    return async () => {
      await call(() => map.removeEntryListener(id));
    };
  }
}

/** Makes `JsonValue` visible to users of this module's types. */
export type { JsonValue };
