import { ActorGridError } from '../errors';
import { P, type Predicate, type Scalar } from '../grid';
import { Selector } from '../destinations/Selector';
import type { CompareOp, Operand, SelectorNode } from '../destinations/selectorAst';
import { docPath } from './CollectionStore';

/** An equality term of a where clause: the field must equal one of `values`. */
export interface EqualityTerm {
  field: string;
  values: Array<string | number | boolean>;
}

/**
 * A parsed `where` (the destination selector language over record fields, dotted paths allowed),
 * three ways: `matches` decides exactly, in the node; `predicate` is what the grid's members filter
 * with (using indexes), never narrower than `matches`, so a query runs `predicate` on the members
 * and `matches` on what comes back; `equality` is one equality term every match satisfies, which a
 * node's watch index files the watch under.
 *
 * What the members cannot filter (the node does, after transferring the records): NOT, LIKE,
 * IS NULL, comparisons between two fields or with NULL. AND, OR, =, <>, <, <=, >, >=, IN and
 * BETWEEN run on the members.
 */
export class Where {
  readonly predicate: Predicate;
  readonly equality: EqualityTerm | undefined;
  /** Whether the members' predicate is exactly the condition (no node-side filtering needed). */
  readonly exact: boolean;

  private constructor(
    private readonly selector: Selector | undefined,
    readonly text: string | undefined,
    uniform: ReadonlySet<string>,
  ) {
    const root = selector?.root;
    const translated = root ? translate(root, uniform) : { predicate: P.all(), exact: true };
    // A deleted record's value is null, which no comparison, IN or BETWEEN on its fields matches: the
    // `live` term only keeps deleted records off the wire when the rest could match them (no condition,
    // <>). Elsewhere the member would pay for it on every indexed hit (+50% member CPU, bench/README.md
    // "data"), and `run` checks `live` in the node anyway.
    this.predicate = mayMatchDeleted(translated.predicate) ? P.and(P.eq('live', true), translated.predicate) : translated.predicate;
    this.exact = translated.exact;
    this.equality = root ? equalityOf(root) : undefined;
  }

  /**
   * Parses a where clause; absent or empty matches every record. `uniform` names the fields whose
   * every value has one JSON type (the collection's schema says so): equality on them goes to the
   * members as plain equality, on other fields as a closed range (see `equalTo`). `maxLength` is
   * the longest clause accepted (config `limits.maxSelectorLength`).
   * @throws INVALID_ARGUMENTS with `data.position`
   */
  static parse(text: unknown, uniform: ReadonlySet<string> = new Set(), maxLength?: number): Where {
    if (text === undefined || text === null || text === '') return new Where(undefined, undefined, uniform);
    if (typeof text !== 'string') throw new ActorGridError('INVALID_ARGUMENTS', 'where must be a string', { field: 'where' });
    try {
      return new Where(Selector.parse(text, maxLength), text, uniform);
    } catch (err) {
      if (err instanceof ActorGridError && err.code === 'INVALID_ARGUMENTS') {
        throw new ActorGridError('INVALID_ARGUMENTS', err.message.replace(/^selector/, 'where'), { ...err.data, field: 'where' });
      }
      throw err;
    }
  }

  /** Whether a record value (null: absent or deleted) matches. */
  matches(value: unknown): boolean {
    if (value === null || value === undefined) return false;
    return this.selector ? this.selector.matchesRecord(value) : true;
  }
}

const OPS: Record<CompareOp, 'eq' | 'ne' | 'lt' | 'gt' | 'lte' | 'gte'> = { '=': 'eq', '<>': 'ne', '<': 'lt', '>': 'gt', '<=': 'lte', '>=': 'gte' };
const FLIPPED: Record<CompareOp, CompareOp> = { '=': '=', '<>': '<>', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

type Translation = { predicate: Predicate; exact: boolean };
const ALL: Translation = { predicate: P.all(), exact: false };

/** A member-side predicate no narrower than the node's SQL three-valued condition. */
function translate(node: SelectorNode, uniform: ReadonlySet<string>): Translation {
  switch (node.kind) {
    case 'and': {
      const parts = node.of.map((n) => translate(n, uniform));
      const kept = parts.filter((p) => p.predicate.op !== 'true');
      return { predicate: kept.length === 0 ? P.all() : kept.length === 1 ? kept[0].predicate : P.and(...kept.map((p) => p.predicate)), exact: parts.every((p) => p.exact) };
    }
    case 'or': {
      const parts = node.of.map((n) => translate(n, uniform));
      if (parts.some((p) => p.predicate.op === 'true')) return ALL;
      return { predicate: P.or(...parts.map((p) => p.predicate)), exact: parts.every((p) => p.exact) };
    }
    case 'compare': {
      const side = fieldAndLiteral(node.left, node.right, node.op);
      if (!side) return ALL;
      if (side.op === '=') return { predicate: uniform.has(side.field) ? P.eq(docPath(side.field), side.value) : equalTo(docPath(side.field), side.value), exact: true };
      return { predicate: { op: OPS[side.op], path: docPath(side.field), value: side.value }, exact: side.op !== '<>' };
    }
    case 'between': {
      if (node.negated || node.operand.kind !== 'header' || node.low.kind !== 'literal' || node.high.kind !== 'literal' || node.low.value === null || node.high.value === null) return ALL;
      const path = docPath(node.operand.name);
      return { predicate: P.and(P.gte(path, node.low.value), P.lte(path, node.high.value)), exact: true };
    }
    case 'in': {
      if (node.negated || node.operand.kind !== 'header') return ALL;
      const values: Scalar[] = [...node.list.strings, ...node.list.numbers, ...node.list.booleans];
      const path = docPath(node.operand.name);
      if (uniform.has(node.operand.name)) return { predicate: P.in(path, values), exact: true };
      return { predicate: values.length === 1 ? equalTo(path, values[0]) : P.or(...values.map((v) => equalTo(path, v))), exact: true };
    }
    case 'value':
      return node.operand.kind === 'header' ? { predicate: P.eq(docPath(node.operand.name), true), exact: true } : ALL;
    default:
      return ALL; // NOT, LIKE, IS NULL: filtered in the node
  }
}

/** Whether a member-side predicate may hold for a record whose value is null (a deleted one). */
function mayMatchDeleted(p: Predicate): boolean {
  switch (p.op) {
    case 'true':
    case 'ne':
    case 'not':
      return true;
    case 'and':
      return p.of.every(mayMatchDeleted);
    case 'or':
      return p.of.some(mayMatchDeleted);
    default:
      return false;
  }
}

/**
 * Equality as a closed range. Hazelcast's members convert a literal to the type of the first value
 * they meet, so an `equal` on a field holding numbers in some records and strings in others can
 * silently miss records; a range instead fails on the mismatch (PredicateRejectedError), and the
 * node then filters every record itself — slower on such data, never wrong. The sorted index
 * serves the range as it serves equality.
 */
function equalTo(path: string, value: Scalar): Predicate {
  return typeof value === 'boolean' || value === null ? P.eq(path, value) : P.and(P.gte(path, value), P.lte(path, value));
}

/** `field op literal` (either way round, non-null literal), or undefined. */
function fieldAndLiteral(left: Operand, right: Operand, op: CompareOp): { field: string; op: CompareOp; value: string | number | boolean } | undefined {
  if (left.kind === 'header' && right.kind === 'literal' && right.value !== null) return { field: left.name, op, value: right.value };
  if (right.kind === 'header' && left.kind === 'literal' && left.value !== null) return { field: right.name, op: FLIPPED[op], value: left.value };
  return undefined;
}

/** One equality term (`f = v`, `f IN (…)`) that every match satisfies: the root or a term of a top-level AND. */
function equalityOf(root: SelectorNode): EqualityTerm | undefined {
  const terms = root.kind === 'and' ? root.of : [root];
  for (const term of terms) {
    if (term.kind === 'compare' && term.op === '=') {
      const side = fieldAndLiteral(term.left, term.right, term.op);
      if (side) return { field: side.field, values: [side.value] };
    }
    if (term.kind === 'in' && !term.negated && term.operand.kind === 'header') {
      return { field: term.operand.name, values: [...term.list.strings, ...term.list.numbers, ...term.list.booleans] };
    }
  }
  return undefined;
}
