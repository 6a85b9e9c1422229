import { fieldOf } from '../grid/Predicate';

/** One sort key of a query. */
export interface OrderKey {
  field: string;
  desc?: boolean;
}

/** A query's order; records of equal keys are ordered by id, so every node (and client) orders them alike. */
export type OrderBy = readonly OrderKey[];

/** Type rank: numbers, then strings, then booleans, then anything else (missing last). */
function rank(v: unknown): number {
  switch (typeof v) {
    case 'number':
      return 0;
    case 'string':
      return 1;
    case 'boolean':
      return 2;
    default:
      return v === undefined || v === null ? 4 : 3;
  }
}

function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return (a as number) - (b as number);
  if (ra === 1) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if (ra === 2) return Number(a) - Number(b);
  return 0;
}

/** Orders two records by `orderBy`, then by id. Missing fields sort last (first when descending). */
export function compareRecords(orderBy: OrderBy, a: { id: string; value: unknown }, b: { id: string; value: unknown }): number {
  for (const { field, desc } of orderBy) {
    const c = compareValues(fieldOf(a.value, field), fieldOf(b.value, field));
    if (c !== 0) return desc ? -c : c;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
