/** A header value or literal as a selector sees it; `null` is SQL NULL (also: a missing header). */
export type SelectorValue = string | number | boolean | null;

/** A header name or a literal, the two things a comparison compares. */
export type Operand = { readonly kind: 'header'; readonly name: string } | { readonly kind: 'literal'; readonly value: SelectorValue };

/** A comparison operator. */
export type CompareOp = '=' | '<>' | '<' | '>' | '<=' | '>=';

/** An IN list, grouped by type so that a lookup is one Set probe. */
export interface InList {
  readonly strings: ReadonlySet<string>;
  readonly numbers: ReadonlySet<number>;
  readonly booleans: ReadonlySet<boolean>;
  readonly hasNull: boolean;
}

/** A compiled LIKE pattern. */
export interface LikeMatcher {
  test(value: string): boolean;
}

/**
 * The parsed selector. AND and OR are n-ary (a chain is one node, not a deep tree), so only
 * parentheses and NOT add depth, and the parser bounds those.
 */
export type SelectorNode =
  | { readonly kind: 'and' | 'or'; readonly of: readonly SelectorNode[] }
  | { readonly kind: 'not'; readonly of: SelectorNode }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'between'; readonly operand: Operand; readonly low: Operand; readonly high: Operand; readonly negated: boolean }
  | { readonly kind: 'in'; readonly operand: Operand; readonly list: InList; readonly negated: boolean }
  | { readonly kind: 'like'; readonly operand: Operand; readonly pattern: LikeMatcher; readonly negated: boolean }
  | { readonly kind: 'isNull'; readonly operand: Operand; readonly negated: boolean }
  // A bare header name or TRUE/FALSE used as a condition: true only for a boolean true.
  | { readonly kind: 'value'; readonly operand: Operand };
