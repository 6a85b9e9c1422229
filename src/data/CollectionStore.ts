import { Packr } from 'msgpackr';
import type { OutboxItem, StateCodec } from '../actor';
import { RequestRefusedError } from '../errors';
import type { Grid, GridMap, JsonValue } from '../grid';
import type { ActorRecord } from '../runtime/ActorRecord';
import type { RecordStore, StoredRecord, TurnHooks } from '../runtime/RecordStore';
import { changeStream, type ChangeItem } from './ChangeItem';
import type { CollectionSpec } from './CollectionRegistry';
import type { DataRecord, RecordValue } from './DataRecord';

/**
 * A record as the grid holds it in `data.<collection>` (JSON, so predicates run on the members):
 * its fields under `value`, so a query on `status` reads `value.status`.
 */
export interface RecordDoc {
  id: string;
  version: number;
  /** False for a deleted record (kept, with its version, so that versions keep counting up). */
  live: boolean;
  value: RecordValue | null;
  /** When a committed change of this record was written but perhaps not yet appended to the stream (ms). */
  pending?: number;
  /** The runtime's bookkeeping (turn version, idempotent outcomes, outbox), msgpack in base64. */
  m: string;
}

/** The map of a collection's records. */
export function recordMapName(collection: string): string {
  return `data.${collection}`;
}

/** The attribute path of a record field in a RecordDoc. */
export function docPath(field: string): string {
  return `value.${field}`;
}

/**
 * The RecordStore of a collection: each actor's record is a RecordDoc in the JSON map
 * `data.<collection>` (indexed as the collection declares), and every call that changes the record
 * is checked (a JSON object within the size limit and the schema) and emits a ChangeItem with the
 * value before and after, written with the record and appended after the commit (the outbox).
 */
export class CollectionStore implements RecordStore {
  readonly name: string;
  readonly map: GridMap<JsonValue>;
  readonly hooks: TurnHooks;
  private readonly packr = new Packr({ useRecords: false, moreTypes: true });

  constructor(
    grid: Grid,
    private readonly spec: CollectionSpec,
    private readonly codec: StateCodec,
  ) {
    this.name = recordMapName(spec.name);
    this.map = grid.map<JsonValue>(this.name, 'json');
    this.hooks = { afterCall: (instance, before, _type, id) => this.afterCall(instance as DataRecord, before, id) };
  }

  /** Adds the declared indexes, and one on `pending` for the repair sweep. */
  async ensureIndexes(): Promise<void> {
    await this.map.addIndex('pending', 'sorted');
    for (const field of this.spec.indexes) await this.map.addIndex(docPath(field), 'sorted');
  }

  tryLock(id: string, waitMs: number, leaseMs: number): Promise<boolean> {
    return this.map.tryLock(id, waitMs, leaseMs);
  }

  unlock(id: string): Promise<void> {
    return this.map.unlock(id);
  }

  async read(id: string): Promise<StoredRecord | undefined> {
    const doc = (await this.map.get(id)) as RecordDoc | undefined;
    if (!doc) return undefined;
    const meta = this.packr.unpack(Buffer.from(doc.m, 'base64')) as Pick<ActorRecord, 'v' | 'r' | 'o' | 't'>;
    const record: ActorRecord = { v: meta.v, s: this.codec.encode({ value: doc.value, version: doc.version }), r: meta.r ?? [], ...(meta.o ? { o: meta.o } : {}), ...(meta.t ? { t: meta.t } : {}) };
    return { record, raw: doc };
  }

  async write(id: string, previous: unknown, record: ActorRecord): Promise<unknown> {
    const state = (record.s ? this.codec.decode(record.s) : { value: null, version: 0 }) as { value: RecordValue | null; version: number };
    const meta = { v: record.v, r: record.r, ...(record.o ? { o: record.o } : {}), ...(record.t ? { t: record.t } : {}) };
    const doc: RecordDoc = {
      id,
      version: state.version,
      live: state.value !== null,
      value: state.value,
      ...(record.o && record.o.length > 0 ? { pending: Date.now() } : {}),
      m: Buffer.from(this.packr.pack(meta)).toString('base64'),
    };
    const json = doc as unknown as JsonValue;
    const written = previous !== undefined ? await this.map.replaceIfSame(id, previous as JsonValue, json) : (await this.map.putIfAbsent(id, json)) === undefined;
    return written ? json : undefined;
  }

  /** After each call: the version is the runtime's; a changed value is checked and emits its change. */
  private afterCall(record: DataRecord, before: Record<string, unknown>, id: string): OutboxItem | undefined {
    const previous = (before.value ?? null) as RecordValue | null;
    const version = (before.version ?? 0) as number;
    record.version = version;
    const next = record.value === null ? null : this.normalize(record.value);
    if (JSON.stringify(next) === JSON.stringify(previous)) {
      record.value = previous;
      return undefined;
    }
    record.value = next;
    record.version = version + 1;
    const item: ChangeItem = { c: this.spec.name, id, v: version + 1, n: next, p: previous };
    return { stream: changeStream(this.spec.name), capacity: this.spec.retention, item: item as unknown as Record<string, unknown> };
  }

  /** The value as JSON holds it, checked against the size limit and the schema. */
  private normalize(value: unknown): RecordValue {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new RequestRefusedError('INVALID_ARGUMENTS', `a record of ${this.spec.name} must be a JSON object`, { field: 'value' });
    }
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json) > this.spec.maxValueBytes) {
      throw new RequestRefusedError('PAYLOAD_TOO_LARGE', `a record of ${this.spec.name} may take at most ${this.spec.maxValueBytes} bytes as JSON`, { field: 'value', limit: this.spec.maxValueBytes });
    }
    const normal = JSON.parse(json) as RecordValue;
    if (this.spec.validate && !this.spec.validate(normal)) {
      const errors = (this.spec.validate.errors ?? []).map((e) => ({ path: e.instancePath || '/', message: e.message ?? 'is invalid' }));
      const text = errors.map((e) => `${e.path} ${e.message}`).join('; ');
      throw new RequestRefusedError('INVALID_ARGUMENTS', `the record does not match the schema of ${this.spec.name}: ${text}`, { field: 'value', errors });
    }
    return normal;
  }
}
