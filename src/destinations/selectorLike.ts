import type { LikeMatcher } from './selectorAst';
import { LikeSegment } from './LikeSegment';

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Compiles an SQL LIKE pattern: `%` matches any run of characters (also none), `_` exactly one
 * character (code point); with an escape character, escape + `%`, `_` or itself stands for that
 * character. Every other character, `.` and `*` included, only matches itself: no regular
 * expression is built.
 *
 * The pattern is cut at its `%`s into segments of fixed length. The first must match at the start,
 * the last at the end, and each one between is taken at its leftmost place after the previous one
 * (taking it further right can only leave less room for the rest), so nothing is ever retried: one
 * pass over the value, each character looked at once per segment that searches it, bit-parallel
 * (see `LikeSegment`). A hostile pattern against a hostile value costs about value length ×
 * pattern length / 32 simple steps, never the backtracking walk's value × pattern.
 *
 * `fail(index, what)` is called (and must throw) for an escape character that is not followed by
 * `%`, `_` or itself; `index` counts UTF-16 units into `pattern`.
 */
export function compileLike(pattern: string, escape: string | undefined, fail: (index: number, what: string) => never): LikeMatcher {
  const segments: Array<Array<string | null>> = [[]];
  let index = 0;
  while (index < pattern.length) {
    const ch = String.fromCodePoint(pattern.codePointAt(index)!);
    if (ch === escape) {
      const nextIndex = index + ch.length;
      const next = nextIndex < pattern.length ? String.fromCodePoint(pattern.codePointAt(nextIndex)!) : '';
      if (next !== '%' && next !== '_' && next !== escape) {
        fail(index, `the escape character must be followed by '%', '_' or itself in the LIKE pattern`);
      }
      segments[segments.length - 1].push(next);
      index = nextIndex + next.length;
      continue;
    }
    if (ch === '%') segments.push([]);
    else segments[segments.length - 1].push(ch === '_' ? null : ch);
    index += ch.length;
  }
  const compiled = segments.map((items) => new LikeSegment(items));
  return { test: (value) => likeMatch(compiled, value) };
}

function likeMatch(segments: readonly LikeSegment[], value: string): boolean {
  // Index by code point only when it matters; without surrogates a string index is a code point.
  const chars: ArrayLike<string> = SURROGATE.test(value) ? Array.from(value) : value;
  const n = chars.length;
  const first = segments[0];
  if (segments.length === 1) return n === first.length && first.matchesAt(chars, 0);
  const last = segments[segments.length - 1];
  const end = n - last.length;
  if (end < first.length || !first.matchesAt(chars, 0) || !last.matchesAt(chars, end)) return false;
  let pos = first.length;
  for (let s = 1; s < segments.length - 1; s++) {
    const at = segments[s].find(chars, pos, end);
    if (at < 0) return false;
    pos = at + segments[s].length;
  }
  return true;
}
