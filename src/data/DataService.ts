import type { AuthPrincipal } from '../auth/AuthPrincipal';
import { createHash, randomUUID } from 'node:crypto';
import type { CallInvoker } from '../actor/CallRequest';
import { ActorGridError } from '../errors';
import { P, PredicateRejectedError } from '../grid';
import type { Logger } from '../runtime/Logger';
import type { CollectionRegistry, CollectionSpec } from './CollectionRegistry';
import type { CollectionStore, RecordDoc } from './CollectionStore';
import { DataWatches } from './DataWatches';
import { compareRecords, type OrderBy } from './orderBy';
import type { DataRecordView, Watch, WatchChannel, WatchTarget } from './Watch';
import { Where } from './Where';

/** Settings (config `data`). */
export interface DataServiceOptions {
  /** Most records a query returns. */
  maxResults: number;
  /** Bytes that may wait in a connection's send buffer before its watches skip changes and get a reset. */
  maxBufferedBytes: number;
  /** How often a node looks for records whose committed change may not be in their stream yet. */
  repairCheckMs: number;
}

/** A query. */
export interface DataQuery {
  where: Where;
  orderBy: OrderBy;
  limit?: number;
  offset?: number;
}

/** What a call passes on to the turn: its idempotency key, and who made it (for logs). */
export interface DataCall {
  idempotencyKey?: string;
  callerText?: string;
  /** The authenticated client (auth on): the record's actions see it as `ActorContext.principal`. */
  principal?: AuthPrincipal;
}

/** What `watch` answers. */
export interface WatchResult {
  watch: Watch;
  records: DataRecordView[];
  cursor: string;
  reset?: boolean;
  activate: () => void;
}

const ID = /^[^\u0000-\u001f]{1,256}$/;

/**
 * Collections on this node (PROTOCOL.md "Data"): writes are turns of the record's actor (so they
 * are locked, fenced, idempotent and emit their change with the commit); reads and queries go to the
 * grid directly, never through actor code; watches are DataWatches. A sweep finds records whose
 * committed change waits for its append (its node died right after the commit) and has a turn on
 * each append it.
 */
export class DataService {
  readonly watches: DataWatches;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly registry: CollectionRegistry,
    private readonly stores: ReadonlyMap<string, CollectionStore>,
    private readonly invoker: CallInvoker,
    private readonly log: Logger,
    private readonly options: DataServiceOptions,
    watches: (load: (spec: CollectionSpec, target: WatchTarget) => Promise<DataRecordView[]>) => DataWatches,
  ) {
    this.watches = watches((spec, target) => this.load(spec, target));
    this.sweeper = setInterval(() => void this.sweep(), options.repairCheckMs);
    this.sweeper.unref();
  }

  /** Creates the collections' indexes (node start). */
  async start(): Promise<void> {
    for (const store of this.stores.values()) await store.ensureIndexes();
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.watches.stop();
  }

  async create(collection: string, id: string | undefined, value: unknown, call: DataCall = {}): Promise<{ id: string; version: number }> {
    const spec = this.registry.resolve(collection);
    // Without an id, a retry with the same idempotency key must reach the same record: its id comes from the key.
    const generated = (): string => (call.idempotencyKey === undefined ? randomUUID() : idOfKey(spec.name, call.idempotencyKey));
    return (await this.invoke(spec, id === undefined ? generated() : checkId(id), '$create', [value], call)) as { id: string; version: number };
  }

  async get(collection: string, id: string): Promise<DataRecordView | null> {
    const spec = this.registry.resolve(collection);
    const doc = (await this.store(spec).map.get(checkId(id))) as RecordDoc | undefined;
    return doc && doc.live && doc.value ? { id: doc.id, version: doc.version, value: doc.value } : null;
  }

  async update(collection: string, id: string, change: { set?: unknown; value?: unknown; ifVersion?: unknown }, call: DataCall = {}): Promise<{ version: number }> {
    const spec = this.registry.resolve(collection);
    return (await this.invoke(spec, checkId(id), '$update', [change], call)) as { version: number };
  }

  async delete(collection: string, id: string, ifVersion: number | undefined, call: DataCall = {}): Promise<boolean> {
    const spec = this.registry.resolve(collection);
    return (await this.invoke(spec, checkId(id), '$delete', ifVersion === undefined ? [] : [ifVersion], call)) as boolean;
  }

  /** Runs a query: the where clause on the members, then ordered and cut in the node. */
  async query(collection: string, query: DataQuery): Promise<{ records: DataRecordView[]; cursor: string }> {
    const spec = this.registry.resolve(collection);
    const tail = await this.watches.stream(spec).tail();
    return { records: await this.run(spec, query), cursor: String(tail) };
  }

  /**
   * A watched query, or a watched record (`id`). With `after` (a cursor) it resumes: no records,
   * and the changes after the cursor are replayed — unless the cursor is no longer retained or the
   * query is limited (its window cannot be replayed), which answers the whole result and `reset`.
   */
  async watch(collection: string, target: { id: string } | DataQuery, channel: WatchChannel, after?: string): Promise<WatchResult> {
    const spec = this.registry.resolve(collection);
    const watchTarget: WatchTarget = 'id' in target ? { kind: 'record', id: checkId(target.id) } : { kind: 'query', where: target.where, orderBy: target.orderBy, ...(target.limit === undefined ? {} : { limit: target.limit }) };
    const stream = this.watches.stream(spec);
    const tail = await stream.tail();
    if (after !== undefined) {
      const seq = parseCursor(after);
      if (seq > tail) throw new ActorGridError('INVALID_ARGUMENTS', `cursor ${after} is ahead of the collection's changes (${tail})`, { field: 'after' });
      const retained = seq + 1 >= (await stream.head());
      if (retained && !(watchTarget.kind === 'query' && watchTarget.limit !== undefined)) {
        const { watch, activate } = this.watches.create(spec, watchTarget, channel, { next: seq + 1 });
        return { watch, records: [], cursor: after, activate };
      }
    }
    const records = await this.load(spec, watchTarget);
    const { watch, activate } = this.watches.create(spec, watchTarget, channel, { next: tail + 1, records });
    return { watch, records, cursor: String(tail), ...(after !== undefined ? { reset: true } : {}), activate };
  }

  private store(spec: CollectionSpec): CollectionStore {
    return this.stores.get(spec.name)!;
  }

  private invoke(spec: CollectionSpec, id: string, method: string, args: unknown[], call: DataCall): Promise<unknown> {
    return this.invoker.invoke({
      type: spec.name,
      id,
      method,
      args,
      ...(call.idempotencyKey === undefined ? {} : { idempotencyKey: call.idempotencyKey }),
      ...(call.callerText === undefined ? {} : { caller: call.callerText }),
      ...(call.principal === undefined ? {} : { principal: call.principal }),
    });
  }

  private async load(spec: CollectionSpec, target: WatchTarget): Promise<DataRecordView[]> {
    if (target.kind === 'record') {
      const record = await this.get(spec.name, target.id);
      return record ? [record] : [];
    }
    return this.run(spec, { where: target.where, orderBy: target.orderBy, ...(target.limit === undefined ? {} : { limit: target.limit }) });
  }

  private async run(spec: CollectionSpec, query: DataQuery): Promise<DataRecordView[]> {
    const map = this.store(spec).map;
    let docs: RecordDoc[];
    try {
      docs = (await map.values(query.where.predicate)) as unknown as RecordDoc[];
    } catch (err) {
      if (!(err instanceof PredicateRejectedError)) throw err;
      // A literal of another type than some record's field (`priority > 'a'`): in SQL that is UNKNOWN
      // for that record, but the members refuse the whole predicate. The node filters every record instead.
      this.log.debug('the grid refused a where clause; filtering in the node', { collection: spec.name, where: query.where.text, err });
      docs = (await map.values(P.eq('live', true))) as unknown as RecordDoc[];
    }
    const matched: DataRecordView[] = [];
    for (const doc of docs) if (doc.live && doc.value && query.where.matches(doc.value)) matched.push({ id: doc.id, version: doc.version, value: doc.value });
    const offset = query.offset ?? 0;
    if (query.limit === undefined && matched.length - offset > this.options.maxResults) {
      throw new ActorGridError('INVALID_ARGUMENTS', `more than ${this.options.maxResults} records match; add a limit (and page with offset)`, { field: 'limit', matched: matched.length });
    }
    matched.sort((a, b) => compareRecords(query.orderBy, a, b));
    return matched.slice(offset, query.limit === undefined ? undefined : offset + query.limit);
  }

  /** Has a turn run on each record whose change has waited long for its append. */
  private async sweep(): Promise<void> {
    const before = Date.now() - 2 * this.options.repairCheckMs;
    for (const spec of this.registry.all()) {
      try {
        const waiting = await this.store(spec).map.entries(P.lt('pending', before));
        for (const [id] of waiting) {
          this.log.info('a record\'s committed change was not appended (its node stopped?); appending it', { collection: spec.name, id });
          await this.invoke(spec, id, '$sync', [], {});
        }
      } catch (err) {
        this.log.warn('looking for unappended record changes failed', { collection: spec.name, err });
      }
    }
  }
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !ID.test(id)) throw new ActorGridError('INVALID_ARGUMENTS', 'id must be a string of 1 to 256 characters, no control characters', { field: 'id' });
  return id;
}

/** A record id (UUID-shaped) that one idempotency key always gives in one collection. */
function idOfKey(collection: string, key: string): string {
  const h = createHash('sha256').update(`${collection}\n${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function parseCursor(cursor: string): number {
  if (typeof cursor !== 'string' || !/^-?\d{1,15}$/.test(cursor) || Number(cursor) < -1) {
    throw new ActorGridError('INVALID_ARGUMENTS', 'after must be a cursor from a data.change or data.query result', { field: 'after' });
  }
  return Number(cursor);
}
