import type { ActorGridClient } from '../../src/client';
import { fromHttpError } from '../../src/client/clientErrors';
import { ActorGridError } from '../../src/errors';

import type { DataRecordView } from '../../src/data';
import type { ChangeParams, ResetParams } from './dataInbox';

/** A record as `data.*` answers it. */
export type RecordView = DataRecordView;
/** A `data.change` notification's params. */
export type DataChangeParams = ChangeParams;
/** A `data.reset` notification's params. */
export type DataResetParams = ResetParams;

/** Every `data.change` and `data.reset` one client was pushed, in arrival order. */
export class DataInbox {
  readonly events: Array<{ kind: 'change'; params: DataChangeParams } | { kind: 'reset'; params: DataResetParams }> = [];

  constructor(client: ActorGridClient) {
    client.onNotification((n) => {
      if (n.method === 'data.change') this.events.push({ kind: 'change', params: n.params as DataChangeParams });
      if (n.method === 'data.reset') this.events.push({ kind: 'reset', params: n.params as DataResetParams });
    });
  }

  /** The changes one watch got, in order. */
  changes(watch: string): DataChangeParams[] {
    return this.events.filter((e) => e.kind === 'change' && e.params.watch === watch).map((e) => e.params as DataChangeParams);
  }

  /** The resets one watch got. */
  resets(watch: string): DataResetParams[] {
    return this.events.filter((e) => e.kind === 'reset' && e.params.watch === watch).map((e) => e.params as DataResetParams);
  }

  /** The cursor of the last notification of one watch, or `fallback` (the watch's own start). */
  lastCursor(watch: string, fallback: string): string {
    const mine = this.events.filter((e) => e.params.watch === watch);
    return mine.length === 0 ? fallback : mine[mine.length - 1].params.cursor;
  }
}

/** A client's copy of a watched set: the records it was given, with the changes applied as a client would. */
export class Replica {
  readonly records = new Map<string, { version: number; value: Record<string, unknown> }>();

  constructor(initial: readonly RecordView[] = []) {
    this.reset(initial);
  }

  reset(records: readonly RecordView[]): void {
    this.records.clear();
    for (const r of records) this.records.set(r.id, { version: r.version, value: r.value });
  }

  apply(change: DataChangeParams): void {
    if (change.kind === 'removed') this.records.delete(change.id);
    else this.records.set(change.id, { version: change.version, value: change.value! });
  }

  /** The records by id, sorted, for deepEqual against a query result. */
  sorted(): RecordView[] {
    return [...this.records].map(([id, r]) => ({ id, ...r })).sort((a, b) => a.id.localeCompare(b.id));
  }
}

/** A committed change of a record as its writer had it acknowledged: the version it made and the value after (`null`: deleted). */
export interface Acknowledged {
  version: number;
  value: Record<string, unknown> | null;
}

/**
 * The `[kind, version]` a watch must send for a record's acknowledged changes (in version order,
 * from its creation), given what its set holds: a change concerns it when the record is in the set
 * before or after (PROTOCOL.md "Data").
 */
export function expectedChanges(history: readonly Acknowledged[], inSet: (value: Record<string, unknown>) => boolean): Array<[DataChangeParams['kind'], number]> {
  const out: Array<[DataChangeParams['kind'], number]> = [];
  let previous: Record<string, unknown> | null = null;
  for (const { version, value } of history) {
    const before = previous !== null && inSet(previous);
    const after = value !== null && inSet(value);
    if (before || after) out.push([before && after ? 'changed' : after ? 'added' : 'removed', version]);
    previous = value;
  }
  return out;
}

/** The `data.*` writes over the HTTP routes (`POST`/`PATCH`/`DELETE /data/{collection}`), with an `Idempotency-Key`; errors as an ActorGridClient reports them. */
export class DataHttp {
  constructor(private readonly baseUrl: string) {}

  create(collection: string, id: string, value: object, idempotencyKey: string): Promise<{ id: string; version: number }> {
    return this.send('POST', `/data/${encodeURIComponent(collection)}`, { id, value }, idempotencyKey) as Promise<{ id: string; version: number }>;
  }

  update(collection: string, id: string, change: { set?: object; value?: object }, idempotencyKey: string): Promise<{ version: number }> {
    return this.send('PATCH', `/data/${encodeURIComponent(collection)}/${encodeURIComponent(id)}`, change, idempotencyKey) as Promise<{ version: number }>;
  }

  delete(collection: string, id: string, idempotencyKey: string): Promise<unknown> {
    return this.send('DELETE', `/data/${encodeURIComponent(collection)}/${encodeURIComponent(id)}`, undefined, idempotencyKey);
  }

  private async send(method: string, path: string, body: object | undefined, idempotencyKey: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { 'idempotency-key': idempotencyKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new ActorGridError('UNAVAILABLE', `${method} ${path} failed: ${String(cause)}`, { outcome: 'unknown' }, { cause });
    }
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) throw fromHttpError(response.status, parsed);
    return parsed;
  }
}
