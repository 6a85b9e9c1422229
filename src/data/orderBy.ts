import { ActorGridError } from '../errors';
import { fieldOf } from '../destinations/Selector';

/** One sort key of a query. */
export interface OrderKey {
  field: string;
  desc?: boolean;
}

/** A query's order; records of equal keys are ordered by id, so every node orders them alike. */
export type OrderBy = readonly OrderKey[];

const PATH = /^[A-Za-z_$][A-Za-z0-9_$-]*(\.[A-Za-z_$][A-Za-z0-9_$-]*)*$/;

/** Checks `orderBy` from the wire: `[{field, desc?}]` (or `"field"`, `"-field"` strings from a URL). */
export function parseOrderBy(raw: unknown): OrderBy {
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length > 8) throw invalid('orderBy takes at most 8 keys');
  return list.map((entry): OrderKey => {
    if (typeof entry === 'string') return entry.startsWith('-') ? key(entry.slice(1), true) : key(entry, false);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw invalid('orderBy entries are {field, desc?}');
    const { field, desc, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw invalid(`unknown orderBy key "${Object.keys(rest)[0]}"`);
    if (desc !== undefined && typeof desc !== 'boolean') throw invalid('orderBy desc must be a boolean');
    return key(field, desc === true);
  });
}

function key(field: unknown, desc: boolean): OrderKey {
  if (typeof field !== 'string' || !PATH.test(field)) throw invalid(`orderBy field ${JSON.stringify(field)} is not a field path like "priority" or "owner.name"`);
  return desc ? { field, desc } : { field };
}

function invalid(message: string): ActorGridError {
  return new ActorGridError('INVALID_ARGUMENTS', message, { field: 'orderBy' });
}

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
