import { ActorGridError } from '../errors';

import type { OrderBy, OrderKey } from './recordOrder';

export { compareRecords, type OrderBy, type OrderKey } from './recordOrder';

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
