import { Packr } from 'msgpackr';
import type { RecordValue } from './DataRecord';

/**
 * One committed change of a record, as its collection's stream (`data.<collection>`) holds it
 * (msgpack): the record's value before (`p`) and after (`n`, `null` once deleted), so that a node
 * can tell, for each watch, whether the record was in its set before, after, or both.
 */
export interface ChangeItem {
  /** The collection. */
  c: string;
  /** The record's id. */
  id: string;
  /** The version this change made. */
  v: number;
  /** The value after the change (`null`: deleted). */
  n: RecordValue | null;
  /** The value before (`null`: created). */
  p: RecordValue | null;
}

/** The stream of a collection's committed changes. */
export function changeStream(collection: string): string {
  return `data.${collection}`;
}

/** Decodes stream items: once per item per node. */
export class ChangeItemCodec {
  private readonly packr = new Packr({ useRecords: false, moreTypes: true });

  decode(bytes: Buffer): ChangeItem {
    const { c, id, v, n, p } = this.packr.unpack(bytes) as ChangeItem;
    if (typeof c !== 'string' || typeof id !== 'string' || !Number.isSafeInteger(v)) throw new Error('not a record change');
    return { c, id, v, n: n ?? null, p: p ?? null };
  }
}
