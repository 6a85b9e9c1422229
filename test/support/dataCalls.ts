import { strict as assert } from 'node:assert';
import type { ActorGridClient } from '../../src/client';
import { ActorGridError } from '../../src/errors';
import { shortId } from './dataInbox';

/** A record field map. */
export type Value = Record<string, unknown>;

/** A record as `data.get` and queries answer it. */
export interface View {
  id: string;
  version: number;
  value: Value;
}

/** What `data.query` answers. */
export interface QueryResult {
  records: View[];
  cursor: string;
  watch?: string;
  reset?: boolean;
}

/** What `data.get` with `watch: true` answers. */
export interface Watched extends View {
  watch: string;
  cursor: string;
}

/** `from..to`, inclusive. */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The `data.*` calls over one client; the collection is `items` unless the params name another. */
export const dataCalls = {
  create: (c: ActorGridClient, params: Value) => c.rpc<{ id: string; version: number }>('data.create', { collection: 'items', ...params }),
  get: (c: ActorGridClient, id: string, collection = 'items') => c.rpc<View | null>('data.get', { collection, id }),
  update: (c: ActorGridClient, params: Value) => c.rpc<{ version: number }>('data.update', { collection: 'items', ...params }),
  remove: (c: ActorGridClient, params: Value) => c.rpc<boolean>('data.delete', { collection: 'items', ...params }),
  query: (c: ActorGridClient, params: Value) => c.rpc<QueryResult>('data.query', { collection: 'items', ...params }),
  watchRecord: (c: ActorGridClient, id: string, collection = 'items') => c.rpc<Watched>('data.get', { collection, id, watch: true }),
  /** The ids a query returns, shortened, in its order. */
  ids: async (c: ActorGridClient, params: Value) => (await c.rpc<QueryResult>('data.query', { collection: 'items', ...params })).records.map((r) => shortId(r.id)),
};

/** The error a promise rejects with (it must reject with a coded error). */
export async function errorOf(p: Promise<unknown>): Promise<ActorGridError> {
  const err = await p.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ActorGridError, `expected a coded error, got ${String(err)}`);
  return err;
}

/** An HTTP error body's code. */
export async function httpCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}
