import type { CompareOp, Operand, SelectorNode, SelectorValue } from './selectorAst';
import { parseSelector } from './selectorParser';
import { fieldOf } from '../grid/Predicate';

export type { SelectorValue } from './selectorAst';
export { SELECTOR_LIMITS } from './selectorParser';

/** The headers a selector reads: a message's `headers`. Values of other types count as NULL. */
export type SelectorHeaders = Readonly<Record<string, SelectorValue>>;

/** Looks a name up: a header, or a record's field by dotted path. */
type Lookup = (name: string) => unknown;

/** SQL's three truth values: `null` is UNKNOWN. */
type Truth = boolean | null;

/**
 * A message selector: a small SQL-92-like condition over message headers, as in JMS. A subscriber
 * receives a message only when its selector is TRUE for the message's headers.
 *
 * Syntax:
 * - Header names `[A-Za-z_$][A-Za-z0-9_$.-]*`, case-sensitive (`x-trace-id`, `order.total`).
 *   Keywords are case-insensitive and cannot be header names: AND OR NOT IN LIKE ESCAPE IS NULL
 *   BETWEEN TRUE FALSE.
 * - Literals: strings in single quotes (`'it''s'` for a quote), numbers `-?digits(.digits)?`, TRUE,
 *   FALSE, NULL.
 * - Comparisons `= <> < > <= >=`, `[NOT] IN (literal, …)`, `[NOT] LIKE 'pattern' [ESCAPE 'c']`
 *   (`%` any run of characters, `_` one character), `IS [NOT] NULL`, `[NOT] BETWEEN a AND b`; a
 *   header name or TRUE/FALSE alone is a condition too (a boolean header).
 * - `NOT`, `AND`, `OR` and parentheses; precedence from tightest: comparisons, NOT, AND, OR.
 *
 * Grammar:
 * ```
 * selector   = or EOF
 * or         = and { "OR" and }
 * and        = not { "AND" not }
 * not        = "NOT" not | condition
 * condition  = "(" or ")"
 *            | operand ( cmp operand
 *                      | "IS" ["NOT"] "NULL"
 *                      | ["NOT"] "IN" "(" literal { "," literal } ")"
 *                      | ["NOT"] "LIKE" string ["ESCAPE" string]
 *                      | ["NOT"] "BETWEEN" operand "AND" operand
 *                      | (* nothing: operand must be a header name, TRUE or FALSE *) )
 * cmp        = "=" | "<>" | "<" | ">" | "<=" | ">="
 * operand    = header | literal
 * literal    = string | number | "TRUE" | "FALSE" | "NULL"
 * ```
 *
 * Semantics are SQL's three-valued logic. A missing header is NULL; any comparison with NULL is
 * UNKNOWN, so are comparisons between different types (no coercion: `'5' = 5` is UNKNOWN), `<`/`>`
 * between booleans, and LIKE on a non-string. Strings order by UTF-16 code units. `x IN (a, b)` is
 * `x = a OR x = b`, and `x BETWEEN a AND b` is `x >= a AND x <= b`. NOT UNKNOWN is UNKNOWN; only TRUE
 * delivers.
 *
 * Limits: {@link SELECTOR_LIMITS}. A selector is parsed once (per subscription); `matches` walks the
 * parsed tree, with no code generation.
 *
 * @example
 * const s = Selector.parse("region IN ('eu', 'uk') AND priority >= 3 AND NOT muted");
 * s.matches({ region: 'eu', priority: 5, muted: false }); // true
 */
export class Selector {
  private constructor(
    /** The selector as given. */
    readonly text: string,
    /** The parsed tree (for translations, e.g. to grid predicates). */
    readonly root: SelectorNode,
  ) {}

  /**
   * Parses a selector. Throws `ActorGridError('INVALID_ARGUMENTS', 'selector: <what> at position N',
   * { field: 'selector', position: N })`, N the 0-based position of the problem. `maxLength`
   * (default `SELECTOR_LIMITS.maxLength`) is the longest text accepted.
   */
  static parse(text: string, maxLength?: number): Selector {
    return new Selector(text, parseSelector(text, maxLength));
  }

  /** Whether the selector is TRUE for these headers (FALSE and UNKNOWN both give false). */
  matches(headers: SelectorHeaders): boolean {
    const h = headers ?? {};
    return evaluate(this.root, (name) => (Object.prototype.hasOwnProperty.call(h, name) ? h[name] : undefined)) === true;
  }

  /**
   * Whether the selector is TRUE for a JSON record, names read as dotted paths into it (`owner.name`
   * is field `name` of field `owner`; own properties only).
   */
  matchesRecord(record: unknown): boolean {
    return evaluate(this.root, (name) => fieldOf(record, name)) === true;
  }

  toString(): string {
    return this.text;
  }
}

function evaluate(node: SelectorNode, headers: Lookup): Truth {
  switch (node.kind) {
    case 'and': {
      let result: Truth = true;
      for (const child of node.of) {
        const v = evaluate(child, headers);
        if (v === false) return false;
        if (v === null) result = null;
      }
      return result;
    }
    case 'or': {
      let result: Truth = false;
      for (const child of node.of) {
        const v = evaluate(child, headers);
        if (v === true) return true;
        if (v === null) result = null;
      }
      return result;
    }
    case 'not':
      return not(evaluate(node.of, headers));
    case 'compare':
      return compare(node.op, valueOf(node.left, headers), valueOf(node.right, headers));
    case 'between': {
      const v = valueOf(node.operand, headers);
      const inside = and(compare('>=', v, valueOf(node.low, headers)), compare('<=', v, valueOf(node.high, headers)));
      return node.negated ? not(inside) : inside;
    }
    case 'in': {
      const v = valueOf(node.operand, headers);
      if (v === null) return null;
      const { strings, numbers, booleans, hasNull } = node.list;
      const same = typeof v === 'string' ? strings : typeof v === 'number' ? numbers : booleans;
      let result: Truth;
      if ((same as ReadonlySet<typeof v>).has(v)) result = true;
      // No equal entry: FALSE, unless an entry compares as UNKNOWN (NULL or another type).
      else result = hasNull || strings.size + numbers.size + booleans.size > same.size ? null : false;
      return node.negated ? not(result) : result;
    }
    case 'like': {
      const v = valueOf(node.operand, headers);
      if (typeof v !== 'string') return null;
      const result = node.pattern.test(v);
      return node.negated ? !result : result;
    }
    case 'isNull':
      return (valueOf(node.operand, headers) === null) !== node.negated;
    case 'value': {
      const v = valueOf(node.operand, headers);
      return typeof v === 'boolean' ? v : null;
    }
  }
}

/** A header's value (own properties only, so `constructor` is not found on every message), or the literal. */
function valueOf(operand: Operand, headers: Lookup): SelectorValue {
  if (operand.kind === 'literal') return operand.value;
  const v: unknown = headers(operand.name);
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isNaN(v) ? null : v;
    default:
      return null;
  }
}

function compare(op: CompareOp, a: SelectorValue, b: SelectorValue): Truth {
  if (a === null || b === null || typeof a !== typeof b) return null;
  if (typeof a === 'boolean') return op === '=' ? a === b : op === '<>' ? a !== b : null;
  const x = a as string | number;
  const y = b as string | number;
  switch (op) {
    case '=':
      return x === y;
    case '<>':
      return x !== y;
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    case '>=':
      return x >= y;
  }
}

function not(v: Truth): Truth {
  return v === null ? null : !v;
}

function and(a: Truth, b: Truth): Truth {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}
