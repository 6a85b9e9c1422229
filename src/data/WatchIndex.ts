import { fieldOf } from '../grid/Predicate';
import type { ChangeItem } from './ChangeItem';
import type { Watch } from './Watch';

/** A key for an equality value; other types are never indexed. */
function valueKey(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return `s${v}`;
    case 'number':
      return `n${v}`;
    case 'boolean':
      return v ? 'bt' : 'bf';
    default:
      return undefined;
  }
}

/**
 * A node's watches of one collection, filed so that a change finds the watches it may concern
 * without looking at the others: record watches by record id, query watches by one equality term
 * of their where clause (`status = 'open'` is filed under status → "open"); only watches without
 * such a term are looked at for every change. Per change: one lookup per indexed field for the
 * value before and after, plus the unindexed watches.
 */
export class WatchIndex {
  private readonly byRecord = new Map<string, Set<Watch>>();
  private readonly byField = new Map<string, Map<string, Set<Watch>>>();
  private readonly scan = new Set<Watch>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(watch: Watch): void {
    this.count += 1;
    const slots = this.slots(watch);
    for (const [map, key] of slots) {
      let set = map.get(key);
      if (!set) map.set(key, (set = new Set()));
      set.add(watch);
    }
    if (slots.length === 0) this.scan.add(watch);
  }

  remove(watch: Watch): void {
    if (this.count === 0) return;
    let found = this.scan.delete(watch);
    for (const [map, key] of this.slots(watch)) {
      const set = map.get(key);
      if (set?.delete(watch)) found = true;
      if (set?.size === 0) map.delete(key);
    }
    if (found) this.count -= 1;
    for (const [field, values] of this.byField) if (values.size === 0) this.byField.delete(field);
  }

  /** Every watch of this index. */
  all(): Set<Watch> {
    const out = new Set(this.scan);
    for (const set of this.byRecord.values()) set.forEach((w) => out.add(w));
    for (const values of this.byField.values()) for (const set of values.values()) set.forEach((w) => out.add(w));
    return out;
  }

  /** The watches `change` may concern. */
  candidates(change: ChangeItem): Set<Watch> {
    const out = new Set(this.scan);
    this.byRecord.get(change.id)?.forEach((w) => out.add(w));
    for (const [field, values] of this.byField) {
      for (const value of [change.p, change.n]) {
        const key = value === null ? undefined : valueKey(fieldOf(value, field));
        if (key !== undefined) values.get(key)?.forEach((w) => out.add(w));
      }
    }
    return out;
  }

  /** Where a watch is filed: its record, or each value of its equality term. */
  private slots(watch: Watch): Array<[Map<string, Set<Watch>>, string]> {
    const target = watch.target;
    if (target.kind === 'record') return [[this.byRecord, target.id]];
    const term = target.where.equality;
    if (!term) return [];
    let values = this.byField.get(term.field);
    if (!values) this.byField.set(term.field, (values = new Map()));
    const map = values;
    return term.values.flatMap((v) => {
      const key = valueKey(v);
      return key === undefined ? [] : [[map, key] as [Map<string, Set<Watch>>, string]];
    });
  }
}
