import type { JsonValue } from './Grid';

/** A scalar a predicate compares with. */
export type Scalar = string | number | boolean | null;

/**
 * A query over JSON map values, as data, so that both grid adapters can run it: Hazelcast translates
 * it to its predicates (evaluated on the members), the memory grid evaluates it in process.
 * `path` is a dotted attribute path into the value, e.g. `"owner.name"`.
 */
export type Predicate =
  | { op: 'true' }
  | { op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; path: string; value: Scalar }
  | { op: 'in'; path: string; values: Scalar[] }
  | { op: 'like'; path: string; pattern: string }
  | { op: 'and' | 'or'; of: Predicate[] }
  | { op: 'not'; of: Predicate };

/**
 * Predicate builders.
 * @example
 * P.and(P.eq('status', 'open'), P.gt('total', 100))
 */
export const P = {
  all: (): Predicate => ({ op: 'true' }),
  eq: (path: string, value: Scalar): Predicate => ({ op: 'eq', path, value }),
  ne: (path: string, value: Scalar): Predicate => ({ op: 'ne', path, value }),
  gt: (path: string, value: Scalar): Predicate => ({ op: 'gt', path, value }),
  gte: (path: string, value: Scalar): Predicate => ({ op: 'gte', path, value }),
  lt: (path: string, value: Scalar): Predicate => ({ op: 'lt', path, value }),
  lte: (path: string, value: Scalar): Predicate => ({ op: 'lte', path, value }),
  in: (path: string, values: Scalar[]): Predicate => ({ op: 'in', path, values }),
  /** SQL LIKE: `%` matches any run of characters, `_` exactly one. */
  like: (path: string, pattern: string): Predicate => ({ op: 'like', path, pattern }),
  and: (...of: Predicate[]): Predicate => ({ op: 'and', of }),
  or: (...of: Predicate[]): Predicate => ({ op: 'or', of }),
  not: (of: Predicate): Predicate => ({ op: 'not', of }),
};

/** A field of a JSON value by dotted path (`owner.name`), own properties only (so `constructor` is never found). */
export function fieldOf(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function attribute(value: JsonValue | undefined, path: string): JsonValue | undefined {
  return fieldOf(value, path) as JsonValue | undefined;
}

function compare(a: JsonValue | undefined, b: Scalar): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function likeToRegExp(pattern: string): RegExp {
  let src = '';
  for (const ch of pattern) {
    if (ch === '%') src += '.*';
    else if (ch === '_') src += '.';
    else src += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 's');
}

/** Evaluates a predicate in process (the memory grid; Hazelcast evaluates on its members). */
export function matches(predicate: Predicate, value: JsonValue | undefined): boolean {
  switch (predicate.op) {
    case 'true':
      return true;
    case 'and':
      return predicate.of.every((p) => matches(p, value));
    case 'or':
      return predicate.of.some((p) => matches(p, value));
    case 'not':
      return !matches(predicate.of, value);
    case 'in': {
      const a = attribute(value, predicate.path);
      return predicate.values.some((v) => a === v);
    }
    case 'like': {
      const a = attribute(value, predicate.path);
      return typeof a === 'string' && likeToRegExp(predicate.pattern).test(a);
    }
    case 'eq':
      return attribute(value, predicate.path) === predicate.value;
    case 'ne': {
      const a = attribute(value, predicate.path);
      return a !== undefined && a !== predicate.value;
    }
    default: {
      const c = compare(attribute(value, predicate.path), predicate.value);
      if (c === undefined) return false;
      if (predicate.op === 'gt') return c > 0;
      if (predicate.op === 'gte') return c >= 0;
      if (predicate.op === 'lt') return c < 0;
      return c <= 0;
    }
  }
}
