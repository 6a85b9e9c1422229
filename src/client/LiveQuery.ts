import { compareRecords, type OrderBy } from '../data/recordOrder';
import type { ActorGridClient } from './ActorGridClient';
import { isRecord } from './clientErrors';
import { ResumableSubscription } from './ResumableSubscription';

/** A record as a collection's reads return it. */
export interface LiveRecord<T = Record<string, unknown>> {
  id: string;
  version: number;
  value: T;
}

/** One change a live query applied (`data.change`). */
export interface LiveChange<T = Record<string, unknown>> {
  id: string;
  kind: 'added' | 'changed' | 'removed';
  version: number;
  value?: T;
}

/** A query of a collection. */
export interface CollectionQuery {
  /** The condition, in the selector language over record fields (`status = 'open' AND priority > 2`). */
  where?: string;
  /** Sort keys; ties are ordered by id. */
  orderBy?: Array<{ field: string; desc?: boolean }>;
  /** The most records: with `orderBy`, a window the node keeps full. */
  limit?: number;
}

/** Options of {@link Collection.watch}. */
export interface LiveQueryOptions<T> extends CollectionQuery {
  /** Each change, after it was applied to `records`. */
  onChange?: (change: LiveChange<T>, query: LiveQuery<T>) => void;
  /** The whole set was replaced (first result, a reset, a resume past retention). */
  onReset?: (records: LiveRecord<T>[], query: LiveQuery<T>) => void;
  /** A resubscribe after a reconnect that the node refused; the query then stays as it was. @default a process warning */
  onError?: (err: Error) => void;
}

/**
 * A watched query kept up to date: `records` is what the query selects now, as the client's
 * replica. It survives failover: after a reconnect (to any node) it resumes from its last cursor,
 * so the node replays only what was missed (a limited query, or a cursor past retention, gets the
 * whole set again). A change whose version the replica already holds is dropped.
 */
export class LiveQuery<T = Record<string, unknown>> extends ResumableSubscription {
  private cursor: string | undefined;
  private readonly byId = new Map<string, LiveRecord<T>>();

  /** @internal use `client.collection(name).watch()` */
  constructor(
    client: ActorGridClient,
    readonly collection: string,
    private readonly options: LiveQueryOptions<T>,
  ) {
    super(client, options.onError);
  }

  /** The records the query selects, in its order (by id when it has none). */
  get records(): LiveRecord<T>[] {
    const orderBy: OrderBy = this.options.orderBy ?? [];
    return [...this.byId.values()].sort((a, b) => compareRecords(orderBy, a, b));
  }

  /** One record of the set, if it is in it. */
  get(id: string): LiveRecord<T> | undefined {
    return this.byId.get(id);
  }

  /** Where the query is in the collection's changes (resume with it as `after`). */
  get position(): string | undefined {
    return this.cursor;
  }

  /** Stops watching and tells the node (when connected). */
  close(): Promise<void> {
    return this.end('data.unwatch', 'watch');
  }



  protected async open(first: boolean): Promise<void> {
    const { where, orderBy, limit } = this.options;
    const params: Record<string, unknown> = { collection: this.collection, watch: true };
    if (where !== undefined) params.where = where;
    if (orderBy !== undefined) params.orderBy = orderBy;
    if (limit !== undefined) params.limit = limit;
    if (!first && this.cursor !== undefined) params.after = this.cursor;
    const reply = await this.client.rpc<{ records: LiveRecord<T>[]; cursor: string; watch: string; reset?: boolean }>('data.query', params);
    if (!this.active) return;
    this.id = reply.watch;
    if (first || reply.reset) this.replace(reply.records, reply.cursor);
  }

  protected onNotification(method: string, params: unknown): void {
    if (!isRecord(params) || this.id === undefined || params.watch !== this.id) return;
    if (method === 'data.reset' && Array.isArray(params.records)) {
      this.replace(params.records as LiveRecord<T>[], String(params.cursor));
      return;
    }
    if (method !== 'data.change' || typeof params.id !== 'string' || typeof params.version !== 'number') return;
    this.cursor = String(params.cursor);
    const change = { id: params.id, kind: params.kind, version: params.version, ...(params.value === undefined ? {} : { value: params.value }) } as LiveChange<T>;
    const held = this.byId.get(change.id);
    if (change.kind === 'removed') {
      if (!held) return;
      this.byId.delete(change.id);
    } else {
      if (held && held.version >= change.version) return;
      this.byId.set(change.id, { id: change.id, version: change.version, value: change.value as T });
    }
    this.options.onChange?.(change, this);
  }

  private replace(records: LiveRecord<T>[], cursor: string): void {
    this.cursor = cursor;
    this.byId.clear();
    for (const r of records) this.byId.set(r.id, r);
    this.options.onReset?.(this.records, this);
  }
}

/** A collection of the cluster, as `client.collection(name)` gives it. Writes carry an idempotency key, so a retry after failover applies once. */
export class Collection<T = Record<string, unknown>> {
  constructor(
    private readonly client: ActorGridClient,
    /** The collection's name, e.g. `tasks`. */
    readonly name: string,
  ) {}

  /** Creates a record; resolves to its id and version 1. */
  create(value: T, id?: string): Promise<{ id: string; version: number }> {
    return this.client.idempotentRpc('data.create', { collection: this.name, value: value as unknown, ...(id === undefined ? {} : { id }) });
  }

  /** The record, or null. */
  get(id: string): Promise<LiveRecord<T> | null> {
    return this.client.rpc('data.get', { collection: this.name, id });
  }

  /** Merges `set` into the record's fields (with `ifVersion`, only at that version). */
  update(id: string, set: Partial<T>, ifVersion?: number): Promise<{ version: number }> {
    return this.client.idempotentRpc('data.update', { collection: this.name, id, set: set as unknown, ...(ifVersion === undefined ? {} : { ifVersion }) });
  }

  /** Deletes the record. */
  delete(id: string, ifVersion?: number): Promise<boolean> {
    return this.client.idempotentRpc('data.delete', { collection: this.name, id, ...(ifVersion === undefined ? {} : { ifVersion }) });
  }

  /** Runs a query once. */
  query(query: CollectionQuery & { offset?: number } = {}): Promise<{ records: LiveRecord<T>[]; cursor: string }> {
    return this.client.rpc('data.query', { collection: this.name, ...query });
  }

  /**
   * Watches a query: resolves once the first result is in `records`; then changes keep it current,
   * across reconnects.
   *
   * @example
   * const open = await client.collection('tasks').watch({ where: "status = 'open'", onChange: (c) => console.log(c.kind, c.id) });
   * console.log(open.records.length);
   */
  async watch(options: LiveQueryOptions<T> = {}): Promise<LiveQuery<T>> {
    const query = new LiveQuery<T>(this.client, this.name, options);
    await query.start();
    return query;
  }
}
