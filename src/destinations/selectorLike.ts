import type { LikeMatcher } from './selectorAst';

// Pattern items: a literal character (one code point) or one of the two wildcards.
const ANY_ONE = 0;
const ANY_RUN = 1;
type Item = string | typeof ANY_ONE | typeof ANY_RUN;

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Compiles an SQL LIKE pattern: `%` matches any run of characters (also none), `_` exactly one
 * character (code point); with an escape character, escape + `%`, `_` or itself stands for that
 * character. Every other character, `.` and `*` included, only matches itself: no regular
 * expression is built, and matching is the linear-space wildcard walk whose worst case is
 * O(pattern × value), so no pattern can make it backtrack exponentially.
 *
 * `fail(index, what)` is called (and must throw) for an escape character that is not followed by
 * `%`, `_` or itself; `index` counts UTF-16 units into `pattern`.
 */
export function compileLike(pattern: string, escape: string | undefined, fail: (index: number, what: string) => never): LikeMatcher {
  const items: Item[] = [];
  let index = 0;
  while (index < pattern.length) {
    const ch = String.fromCodePoint(pattern.codePointAt(index)!);
    if (ch === escape) {
      const nextIndex = index + ch.length;
      const next = nextIndex < pattern.length ? String.fromCodePoint(pattern.codePointAt(nextIndex)!) : '';
      if (next !== '%' && next !== '_' && next !== escape) {
        fail(index, `the escape character must be followed by '%', '_' or itself in the LIKE pattern`);
      }
      items.push(next);
      index = nextIndex + next.length;
      continue;
    }
    // Consecutive `%` act as one; collapsing them keeps the walk below simple.
    if (ch === '%') {
      if (items[items.length - 1] !== ANY_RUN) items.push(ANY_RUN);
    } else {
      items.push(ch === '_' ? ANY_ONE : ch);
    }
    index += ch.length;
  }
  return { test: (value) => likeMatch(items, value) };
}

function likeMatch(items: readonly Item[], value: string): boolean {
  // Index by code point only when it matters; without surrogates a string index is a code point.
  const chars: ArrayLike<string> = SURROGATE.test(value) ? Array.from(value) : value;
  const n = chars.length;
  let i = 0; // next character of the value
  let p = 0; // next pattern item
  let runAt = -1; // pattern index just after the last `%` seen, -1 if none yet
  let runFrom = 0; // where in the value that `%` currently ends
  while (i < n) {
    const item = items[p];
    if (p < items.length && (item === ANY_ONE || item === chars[i])) {
      i++;
      p++;
    } else if (item === ANY_RUN) {
      runAt = ++p;
      runFrom = i;
    } else if (runAt >= 0) {
      // Let the last `%` swallow one more character and retry from there.
      p = runAt;
      i = ++runFrom;
    } else {
      return false;
    }
  }
  while (items[p] === ANY_RUN) p++;
  return p === items.length;
}
