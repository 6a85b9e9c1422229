import { strict as assert } from 'node:assert';
import { ActorGridError } from '../../src/errors';
import { SELECTOR_LIMITS, Selector, type SelectorHeaders } from '../../src/destinations/Selector';

/** TRUE, FALSE or UNKNOWN: `s` is TRUE when it matches, FALSE when `NOT (s)` matches, else UNKNOWN. */
function truth(text: string, headers: SelectorHeaders): 'T' | 'F' | 'U' {
  if (Selector.parse(text).matches(headers)) return 'T';
  return Selector.parse(`NOT (${text})`).matches(headers) ? 'F' : 'U';
}

function matches(text: string, headers: SelectorHeaders): boolean {
  return Selector.parse(text).matches(headers);
}

/** Asserts a coded selector error at `position` whose message matches `what`. */
function rejects(text: string, position: number, what?: RegExp): ActorGridError {
  let caught: unknown;
  assert.throws(
    () => Selector.parse(text),
    (err: unknown) => ((caught = err), true),
  );
  assert.ok(caught instanceof ActorGridError, `expected an ActorGridError for ${JSON.stringify(text)}, got ${String(caught)}`);
  assert.equal(caught.code, 'INVALID_ARGUMENTS', caught.message);
  assert.deepEqual(caught.data, { field: 'selector', position }, `${JSON.stringify(text)}: ${caught.message}`);
  assert.match(caught.message, new RegExp(`^selector: .+ at position ${position}$`));
  if (what) assert.match(caught.message, what);
  return caught;
}

describe('Selector', () => {
  describe('comparisons', () => {
    it('compares strings, numbers and booleans with = and <>', () => {
      const h = { region: 'eu', n: 5, on: true };
      assert.equal(matches("region = 'eu'", h), true);
      assert.equal(matches("region = 'EU'", h), false);
      assert.equal(matches("region <> 'us'", h), true);
      assert.equal(matches('n = 5', h), true);
      assert.equal(matches('n <> 5', h), false);
      assert.equal(matches('on = TRUE', h), true);
      assert.equal(matches('on <> false', h), true);
      assert.equal(matches('on = FALSE', h), false);
    });

    it('orders numbers, including decimals and negatives', () => {
      const h = { t: -1.5, z: 0, big: 1e6 };
      assert.equal(matches('t < 0', h), true);
      assert.equal(matches('t = -1.5', h), true);
      assert.equal(matches('t > -1.50', h), false);
      assert.equal(matches('t >= -1.5 AND t <= -1.5', h), true);
      assert.equal(matches('z >= 0 AND z <= 0 AND z > -0.001', h), true);
      assert.equal(matches('big > 999999.99', h), true);
      assert.equal(matches('big = 1000000', h), true);
      assert.equal(matches('t<>-2', h), true);
      assert.equal(matches('-2 < t', h), true);
      // At the boundary: < and > are strict, <= and >= are not.
      const at = { n: 5 };
      assert.deepEqual(
        ['n < 5', 'n > 5', 'n <= 5', 'n >= 5', 'n < 5.5', 'n > 4.5', 'n <= 4.5', 'n >= 5.5'].map((t) => matches(t, at)),
        [false, false, true, true, true, true, false, false],
      );
    });

    it('orders strings lexicographically (by code unit), never numerically', () => {
      assert.equal(matches("s < 'banana'", { s: 'apple' }), true);
      assert.equal(matches("s > 'a'", { s: 'Z' }), false);
      assert.equal(matches("s < '9'", { s: '10' }), true);
      assert.equal(matches("s >= 'ab'", { s: 'ab' }), true);
      assert.equal(matches("s <= 'a'", { s: 'ab' }), false);
      assert.deepEqual(
        ["s < 'ab'", "s > 'ab'", "s <= 'ab'", "s >= 'ab'", "s < 'b'", "s > 'a'"].map((t) => matches(t, { s: 'ab' })),
        [false, false, true, true, true, true],
      );
    });

    it('compares two headers, and literals on either side', () => {
      assert.equal(matches('a = b', { a: 'x', b: 'x' }), true);
      assert.equal(matches('a < b', { a: 1, b: 2 }), true);
      assert.equal(matches('a = b', { a: 1, b: '1' }), false);
      assert.equal(matches("'x' = a", { a: 'x' }), true);
      assert.equal(matches('1 = 1', {}), true);
    });

    it("reads strings with '' as a quote, and the empty string", () => {
      assert.equal(matches("name = 'it''s'", { name: "it's" }), true);
      assert.equal(matches("name = ''''", { name: "'" }), true);
      assert.equal(matches("name = ''", { name: '' }), true);
      assert.equal(matches("name = ''", { name: ' ' }), false);
      assert.equal(matches("name = 'a AND b = ''c'''", { name: "a AND b = 'c'" }), true);
    });

    it('takes header names with . - $ _ and digits, case-sensitively', () => {
      assert.equal(matches("x-trace-id = 'abc'", { 'x-trace-id': 'abc' }), true);
      assert.equal(matches('order.total > 5', { 'order.total': 6 }), true);
      assert.equal(matches('$v = 1 AND _w2 = 2', { $v: 1, _w2: 2 }), true);
      assert.equal(matches('Region = 1', { region: 1 }), false);
      assert.equal(matches('region = 1', { region: 1 }), true);
      assert.equal(matches('a-1 = 2', { 'a-1': 2 }), true);
    });

    it('takes keywords in any case', () => {
      const h = { a: 1, b: 'x', c: null };
      assert.equal(matches("a = 1 and b in ('x') AnD c Is NuLl", h), true);
      assert.equal(matches("not a = 2 or b like 'y'", h), true);
      assert.equal(matches('a between 0 and 2 AND true', h), true);
    });

    it('allows any whitespace between tokens, or none', () => {
      assert.equal(matches("\ta\n=\r\n1\fAND(b='x')", { a: 1, b: 'x' }), true);
      assert.equal(matches("a=1 AND(b='x')OR(c<>1)", { a: 1, b: 'x' }), true);
      rejects("a=1AND b='x'", 2, /invalid number/);
    });
  });

  describe('IN, LIKE, IS NULL, BETWEEN', () => {
    it('IN and NOT IN over strings, numbers and booleans', () => {
      assert.equal(matches("r IN ('eu', 'uk')", { r: 'uk' }), true);
      assert.equal(matches("r IN ('eu', 'uk')", { r: 'us' }), false);
      assert.equal(matches("r NOT IN ('eu', 'uk')", { r: 'us' }), true);
      assert.equal(matches("r NOT IN ('eu', 'uk')", { r: 'eu' }), false);
      assert.equal(matches('n IN (1, 2.5, -3)', { n: 2.5 }), true);
      assert.equal(matches('n IN (1, 2.5, -3)', { n: -3 }), true);
      assert.equal(matches('n in (1)', { n: 1 }), true);
      assert.equal(matches('b IN (TRUE)', { b: true }), true);
      assert.equal(matches('b NOT IN (TRUE)', { b: false }), true);
      // Mixed lists: an entry of the header's type decides; otherwise the other types make it UNKNOWN.
      assert.equal(truth("v IN ('a', 'b', 3)", { v: 3 }), 'T');
      assert.equal(truth("v IN ('a', 'b', 3)", { v: 'a' }), 'T');
      assert.equal(truth("v IN ('a', 'b', 3)", { v: 'c' }), 'U');
      assert.equal(truth("v NOT IN ('a', 3)", { v: 'c' }), 'U');
    });

    it('IN with NULL, or of a NULL value, is never FALSE', () => {
      assert.equal(truth("v IN ('a', NULL)", { v: 'a' }), 'T');
      assert.equal(truth("v IN ('a', NULL)", { v: 'b' }), 'U');
      assert.equal(truth("v NOT IN ('a', NULL)", { v: 'b' }), 'U');
      assert.equal(truth("v IN ('a')", {}), 'U');
      assert.equal(truth("v NOT IN ('a')", {}), 'U');
      assert.equal(truth("v IN ('a')", { v: null }), 'U');
    });

    it('LIKE with % and _', () => {
      assert.equal(matches("s LIKE 'sport%'", { s: 'sports' }), true);
      assert.equal(matches("s LIKE 'sport%'", { s: 'sport' }), true);
      assert.equal(matches("s LIKE 'sport%'", { s: 'a sport' }), false);
      assert.equal(matches("s LIKE '%ball'", { s: 'football' }), true);
      assert.equal(matches("s LIKE '%ball'", { s: 'footballs' }), false);
      assert.equal(matches("s LIKE '%o%a%'", { s: 'football' }), true);
      assert.equal(matches("s LIKE 'f__t%'", { s: 'foot' }), true);
      assert.equal(matches("s LIKE 'f__t%'", { s: 'fot' }), false);
      assert.equal(matches("s LIKE '___'", { s: 'abcd' }), false);
      assert.equal(matches("s LIKE '%%%'", { s: '' }), true);
      assert.equal(matches("s LIKE ''", { s: '' }), true);
      assert.equal(matches("s LIKE ''", { s: 'a' }), false);
      assert.equal(matches("s LIKE 'a%b%c'", { s: 'aXbYbZc' }), true);
      assert.equal(matches("s LIKE 'a%b%c'", { s: 'aXbYbZcd' }), false);
      assert.equal(matches("s LIKE 'Abc'", { s: 'abc' }), false);
      assert.equal(matches("s NOT LIKE 'a%'", { s: 'ba' }), true);
      assert.equal(matches("s NOT LIKE 'a%'", { s: 'ab' }), false);
    });

    it('LIKE treats regular-expression characters literally', () => {
      assert.equal(matches("s LIKE 'a.b%'", { s: 'a.bc' }), true);
      assert.equal(matches("s LIKE 'a.b%'", { s: 'axbc' }), false);
      assert.equal(matches("s LIKE 'a*'", { s: 'aaa' }), false);
      assert.equal(matches("s LIKE 'a*'", { s: 'a*' }), true);
      for (const special of ['.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '^', '$', '|', '\\', '/']) {
        const s = `x${special}y`;
        assert.equal(matches(`s LIKE 'x${special}y'`, { s }), true, special);
        assert.equal(matches(`s LIKE 'x${special}y'`, { s: 'xzy' }), false, special);
        assert.equal(matches(`s LIKE '%${special}%'`, { s }), true, special);
      }
      assert.equal(matches("s LIKE '^a$'", { s: 'a' }), false);
      assert.equal(matches("s LIKE '[ab]'", { s: 'a' }), false);
      assert.equal(matches("s LIKE 'a\nb'", { s: 'a\nb' }), true);
    });

    it('LIKE with ESCAPE makes % and _ literal', () => {
      assert.equal(matches("s LIKE '100\\%' ESCAPE '\\'", { s: '100%' }), true);
      assert.equal(matches("s LIKE '100\\%' ESCAPE '\\'", { s: '1000' }), false);
      assert.equal(matches("s LIKE 'a\\_b' ESCAPE '\\'", { s: 'a_b' }), true);
      assert.equal(matches("s LIKE 'a\\_b' ESCAPE '\\'", { s: 'axb' }), false);
      assert.equal(matches("s LIKE 'a\\\\%' ESCAPE '\\'", { s: 'a\\anything' }), true);
      assert.equal(matches("s LIKE 'a!%%' ESCAPE '!'", { s: 'a%bc' }), true);
      assert.equal(matches("s LIKE 'a!%%' ESCAPE '!'", { s: 'abc' }), false);
      assert.equal(matches("s LIKE 'it''s!_%' ESCAPE '!'", { s: "it's_x" }), true);
      assert.equal(matches("s LIKE 'a''%' ESCAPE ''''", { s: 'a%' }), true);
      assert.equal(matches("s LIKE 'a''%' ESCAPE ''''", { s: 'ab' }), false);
      // Without ESCAPE a backslash is an ordinary character.
      assert.equal(matches("s LIKE 'a\\%'", { s: 'a\\xyz' }), true);
    });

    it('LIKE counts characters, not UTF-16 units', () => {
      assert.equal(matches("s LIKE 'a_b'", { s: 'a😀b' }), true);
      assert.equal(matches("s LIKE 'a__b'", { s: 'a😀b' }), false);
      assert.equal(matches("s LIKE '%😀'", { s: 'xx😀' }), true);
      assert.equal(matches("s LIKE 'é_'", { s: 'éa' }), true);
    });

    it('LIKE on a non-string or missing header is UNKNOWN', () => {
      assert.equal(truth("n LIKE '1%'", { n: 12 }), 'U');
      assert.equal(truth("n NOT LIKE '1%'", { n: 12 }), 'U');
      assert.equal(truth("n LIKE '%'", {}), 'U');
      assert.equal(truth("n LIKE '%'", { n: true }), 'U');
    });

    it('LIKE stays fast on patterns that make backtracking matchers explode', () => {
      const s = 'a'.repeat(3000);
      assert.equal(matches("s LIKE '%a%a%a%a%a%a%a%a%a%a%a%a%b'", { s }), false);
      assert.equal(matches("s LIKE '%a%a%a%a%a%a%a%a%a%a%a%a%'", { s }), true);
      assert.equal(matches(`s LIKE '${'_%'.repeat(40)}b'`, { s }), false);
    });

    it('IS NULL and IS NOT NULL: missing and null headers are NULL', () => {
      assert.equal(matches('a IS NULL', {}), true);
      assert.equal(matches('a IS NULL', { a: null }), true);
      assert.equal(matches('a IS NULL', { a: 0 }), false);
      assert.equal(matches('a IS NULL', { a: '' }), false);
      assert.equal(matches('a IS NULL', { a: false }), false);
      assert.equal(matches('a IS NOT NULL', { a: false }), true);
      assert.equal(matches('a IS NOT NULL', {}), false);
      assert.equal(matches('NULL IS NULL', {}), true);
      assert.equal(matches("'x' IS NULL", {}), false);
    });

    it('BETWEEN and NOT BETWEEN include both bounds', () => {
      assert.equal(matches('n BETWEEN 1 AND 5', { n: 1 }), true);
      assert.equal(matches('n BETWEEN 1 AND 5', { n: 5 }), true);
      assert.equal(matches('n BETWEEN 1 AND 5', { n: 5.01 }), false);
      assert.equal(matches('n BETWEEN -5 AND -1', { n: -3 }), true);
      assert.equal(matches('n NOT BETWEEN 1 AND 5', { n: 0 }), true);
      assert.equal(matches('n NOT BETWEEN 1 AND 5', { n: 3 }), false);
      assert.equal(matches("s BETWEEN 'b' AND 'd'", { s: 'c' }), true);
      assert.equal(matches("s BETWEEN 'b' AND 'd'", { s: 'da' }), false);
      assert.equal(matches('n BETWEEN lo AND hi', { n: 3, lo: 2, hi: 4 }), true);
      // BETWEEN takes the first AND; the next one joins conditions.
      assert.equal(matches("n BETWEEN 1 AND 5 AND s = 'x'", { n: 3, s: 'x' }), true);
      assert.equal(matches("n BETWEEN 1 AND 5 AND s = 'x'", { n: 3, s: 'y' }), false);
      assert.equal(truth('n BETWEEN 1 AND 5', {}), 'U');
      assert.equal(truth('n NOT BETWEEN 1 AND 5', {}), 'U');
      assert.equal(truth("n BETWEEN 1 AND 'z'", { n: 0 }), 'F');
      assert.equal(truth("n BETWEEN 1 AND 'z'", { n: 2 }), 'U');
    });

    it('a bare header or TRUE/FALSE is a condition: TRUE only for a boolean true', () => {
      assert.equal(matches('urgent', { urgent: true }), true);
      assert.equal(matches('urgent', { urgent: false }), false);
      assert.equal(truth('urgent', { urgent: 'yes' }), 'U');
      assert.equal(truth('urgent', { urgent: 1 }), 'U');
      assert.equal(truth('urgent', {}), 'U');
      assert.equal(matches('NOT muted', { muted: false }), true);
      assert.equal(matches('TRUE', {}), true);
      assert.equal(matches('FALSE', {}), false);
      assert.equal(matches('NOT FALSE', {}), true);
    });
  });

  describe('precedence', () => {
    it('AND binds tighter than OR', () => {
      // a OR (b AND c), not (a OR b) AND c
      assert.equal(matches('a OR b AND c', { a: true, b: true, c: false }), true);
      assert.equal(matches('b AND c OR a', { a: true, b: true, c: false }), true);
      assert.equal(matches('(a OR b) AND c', { a: true, b: true, c: false }), false);
      assert.equal(matches('a OR b AND c', { a: false, b: true, c: false }), false);
    });

    it('NOT binds tighter than AND and OR', () => {
      // (NOT a) AND b, not NOT (a AND b)
      assert.equal(matches('NOT a AND b', { a: false, b: false }), false);
      assert.equal(matches('NOT (a AND b)', { a: false, b: false }), true);
      // (NOT a) OR b, not NOT (a OR b)
      assert.equal(matches('NOT a OR b', { a: true, b: true }), true);
      assert.equal(matches('NOT (a OR b)', { a: true, b: true }), false);
      assert.equal(matches('NOT NOT a', { a: true }), true);
      assert.equal(matches('NOT NOT NOT a', { a: true }), false);
    });

    it('comparisons bind tighter than NOT', () => {
      assert.equal(matches('NOT n = 1', { n: 2 }), true);
      assert.equal(matches('NOT n = 1', { n: 1 }), false);
      assert.equal(matches("NOT s LIKE 'a%' AND n IN (1)", { s: 'b', n: 1 }), true);
      assert.equal(matches('NOT n BETWEEN 1 AND 2 OR m = 1', { n: 1, m: 1 }), true);
      assert.equal(matches('NOT n BETWEEN 1 AND 2 OR m = 1', { n: 1, m: 0 }), false);
    });

    it('parentheses group, and may nest', () => {
      const h = { a: 1, b: 2, c: 3 };
      assert.equal(matches('(a = 1 OR b = 1) AND (c = 3)', h), true);
      assert.equal(matches('((((a = 1))))', h), true);
      assert.equal(matches('NOT ((a = 1 AND b = 2) OR c = 9)', h), false);
      assert.equal(matches('a = 9 OR (b = 2 AND (c = 9 OR NOT (a = 9)))', h), true);
    });
  });

  describe('NULL logic', () => {
    const cases: Array<[string, SelectorHeaders]> = [
      ['T', { v: true }],
      ['F', { v: false }],
      ['U', {}],
    ];
    const AND: Record<string, string> = { TT: 'T', TF: 'F', TU: 'U', FT: 'F', FF: 'F', FU: 'F', UT: 'U', UF: 'F', UU: 'U' };
    const OR: Record<string, string> = { TT: 'T', TF: 'T', TU: 'T', FT: 'T', FF: 'F', FU: 'U', UT: 'T', UF: 'U', UU: 'U' };

    it('follows the SQL truth tables for AND, OR and NOT', () => {
      for (const [x, hx] of cases) {
        assert.equal(truth('v', hx), x);
        assert.equal(truth('NOT v', hx), { T: 'F', F: 'T', U: 'U' }[x]);
        for (const [y, hy] of cases) {
          const h: Record<string, boolean> = {};
          if (typeof hx.v === 'boolean') h.x = hx.v;
          if (typeof hy.v === 'boolean') h.y = hy.v;
          assert.equal(truth('x AND y', h), AND[x + y], `${x} AND ${y}`);
          assert.equal(truth('x OR y', h), OR[x + y], `${x} OR ${y}`);
          assert.equal(truth('x AND y AND TRUE', h), AND[x + y], `${x} AND ${y} AND TRUE`);
        }
      }
    });

    it('delivers only on TRUE: a comparison with a missing header fails both ways', () => {
      assert.equal(matches('n = 1', {}), false);
      assert.equal(matches('n <> 1', {}), false);
      assert.equal(matches('NOT n = 1', {}), false);
      assert.equal(matches('NOT (n > 1)', { n: null }), false);
      assert.equal(matches('n = 1 OR m = 2', { m: 2 }), true);
      assert.equal(matches('n = 1 OR m = 2', { m: 3 }), false);
      assert.equal(matches('NOT (n = 1 OR m = 2)', { m: 3 }), false);
      assert.equal(matches('NOT (n = 1 AND m = 2)', { m: 3 }), true);
    });

    it('a comparison with the NULL literal is UNKNOWN, even when the header is missing', () => {
      assert.equal(truth('a = NULL', {}), 'U');
      assert.equal(truth('a = NULL', { a: null }), 'U');
      assert.equal(truth('a <> NULL', { a: 1 }), 'U');
    });

    it('comparing different types is UNKNOWN: no coercion', () => {
      assert.equal(truth("n = '5'", { n: 5 }), 'U');
      assert.equal(truth("n <> '5'", { n: 5 }), 'U');
      assert.equal(truth("n < 'x'", { n: 5 }), 'U');
      assert.equal(truth('s = 5', { s: '5' }), 'U');
      assert.equal(truth('b = 1', { b: true }), 'U');
      assert.equal(truth("b = 'true'", { b: true }), 'U');
      assert.equal(truth('n = TRUE', { n: 1 }), 'U');
      assert.equal(truth('a < b', { a: true, b: false }), 'U');
      assert.equal(truth('a = b', { a: true, b: true }), 'T');
    });

    it('counts NaN, non-scalar and inherited values as NULL', () => {
      assert.equal(truth('n = n', { n: Number.NaN }), 'U');
      assert.equal(matches('n IS NULL', { n: Number.NaN }), true);
      assert.equal(matches('o IS NULL', { o: { x: 1 } } as unknown as SelectorHeaders), true);
      assert.equal(matches('o IS NULL', { o: undefined } as unknown as SelectorHeaders), true);
      assert.equal(matches('constructor IS NULL AND toString IS NULL AND __proto__ IS NULL', {}), true);
      const inherited = Object.create({ a: 1 }) as SelectorHeaders;
      assert.equal(matches('a IS NULL', inherited), true);
      assert.equal(matches('__proto__ = 1', JSON.parse('{"__proto__": 1}')), true);
    });
  });

  describe('errors', () => {
    it('rejects empty selectors', () => {
      rejects('', 0, /expected a condition but found the end of the selector/);
      rejects('   ', 3, /expected a condition but found the end/);
      rejects('()', 1, /expected a condition but found '\)'/);
    });

    it('names the missing value and what was found', () => {
      rejects('price = ', 8, /expected a value after '=' but found the end of the selector/);
      rejects('price >= AND', 9, /expected a value after '>=' but found AND/);
      rejects('price = (1)', 8, /expected a value after '=' but found '\('/);
      rejects('a = 1 AND', 9, /expected a condition but found the end/);
      rejects('a = 1 OR OR b', 9, /expected a condition but found OR/);
      rejects('NOT', 3, /expected a condition/);
      rejects('AND a = 1', 0, /expected a condition but found AND/);
    });

    it('rejects trailing input and unbalanced parentheses', () => {
      rejects('a = 1 b = 2', 6, /expected AND, OR or the end of the selector but found the header name b/);
      rejects('a = 1)', 5, /found '\)'/);
      rejects('a = b = c', 6, /found '='/);
      rejects("a = 'x' 'y'", 8, /found the string 'y'/);
      rejects('(a = 1', 6, /expected AND, OR or '\)' \(for the '\(' at position 0\) but found the end/);
      rejects('((a = 1) OR (b = 2)', 19, /for the '\(' at position 0/);
    });

    it('rejects unterminated strings at their opening quote', () => {
      rejects("a = 'abc", 4, /unterminated string/);
      rejects("a = 'it''s", 4, /unterminated string/);
      rejects("a = 'x' AND b = '", 16, /unterminated string/);
    });

    it('reports errors in reading order', () => {
      rejects("a = = 'never closed", 4, /expected a value after '='/);
    });

    it('names unknown operators and characters', () => {
      rejects('a == 1', 2, /unknown operator '==' \(use '='\)/);
      rejects('a != 1', 2, /unknown operator '!=' \(use '<>'\)/);
      rejects('a = 1 && b = 2', 6, /unknown operator '&&' \(use AND\)/);
      rejects('a = 1 || b = 2', 6, /unknown operator '\|\|' \(use OR\)/);
      rejects('!a', 0, /unknown operator '!' \(use NOT\)/);
      rejects('a = "x"', 4, /strings use single quotes/);
      rejects('a # 1', 2, /unexpected character '#'/);
      rejects('a = 1 AND ü = 2', 10, /unexpected character U\+00FC/);
      rejects('a = 1 AND 😀 = 2', 10, /unexpected character U\+1F600/);
      rejects('a = 1\u0000', 5, /unexpected character U\+0000/);
      rejects('a => 1', 3, /expected a value after '=' but found '>'/);
    });

    it('rejects malformed numbers', () => {
      rejects('a = 1.', 4, /invalid number/);
      rejects('a = 1.x', 4, /invalid number/);
      rejects('a = 1x', 4, /invalid number/);
      rejects('a = 1e5', 4, /invalid number/);
      rejects('a = 1.2.3', 4, /invalid number/);
      rejects('a = 5-3', 4, /invalid number/);
      rejects('a = - 1', 4, /unexpected character '-'/);
      rejects('a = .5', 4, /unexpected character '\.'/);
      rejects('a = +5', 4, /unexpected character '\+'/);
      rejects(`a = 1${'0'.repeat(400)}`, 4, /number out of range/);
    });

    it('rejects a literal that is no condition', () => {
      rejects('5', 1, /expected an operator after the number 5 but found the end/);
      rejects("'x' AND a", 4, /expected an operator after the string 'x' but found AND/);
      rejects('NULL', 4, /expected an operator after NULL/);
    });

    it('rejects bad IN lists', () => {
      rejects('a IN ()', 6, /expected a literal value in the IN list but found '\)'/);
      rejects('a IN 1', 5, /expected '\(' after IN but found the number 1/);
      rejects('a IN (1 2)', 8, /expected ',' or '\)' in the IN list but found the number 2/);
      rejects('a IN (b)', 6, /expected a literal value in the IN list but found the header name b/);
      rejects('a IN (1,)', 8, /expected a literal value/);
      rejects("a IN ('x'", 9, /expected ',' or '\)' in the IN list but found the end/);
      rejects('a NOT = 1', 6, /expected IN, LIKE or BETWEEN after NOT but found '='/);
      rejects('a NOT NULL', 6, /expected IN, LIKE or BETWEEN after NOT but found NULL/);
    });

    it('rejects bad LIKE patterns and escapes, at the offending character', () => {
      rejects('a LIKE 5', 7, /expected a string pattern after LIKE but found the number 5/);
      rejects('a LIKE b', 7, /expected a string pattern after LIKE/);
      rejects("a LIKE 'x' ESCAPE 'ab'", 18, /ESCAPE string must be exactly one character/);
      rejects("a LIKE 'x' ESCAPE ''", 18, /exactly one character/);
      rejects("a LIKE 'x' ESCAPE 1", 18, /expected a one-character string after ESCAPE/);
      rejects("a LIKE 'x\\y' ESCAPE '\\'", 9, /escape character must be followed by '%', '_' or itself/);
      rejects("a LIKE 'it''s\\z' ESCAPE '\\'", 13, /escape character/);
      rejects("a LIKE 'ab\\' ESCAPE '\\'", 10, /escape character/);
    });

    it('rejects bad IS and BETWEEN', () => {
      rejects('a IS 5', 5, /expected NULL or NOT NULL after IS but found the number 5/);
      rejects('a IS NOT 5', 9, /expected NULL after IS NOT/);
      rejects('a IS TRUE', 5, /expected NULL or NOT NULL after IS but found TRUE/);
      rejects('a BETWEEN 1 OR 2', 12, /expected AND between the bounds of BETWEEN but found OR/);
      rejects('a BETWEEN 1 AND', 15, /expected a value after AND but found the end/);
      rejects('a BETWEEN AND 2', 10, /expected a value after BETWEEN but found AND/);
    });

    it('rejects ordering comparisons with TRUE or FALSE', () => {
      rejects('a < TRUE', 4, /TRUE can only be compared with '=' or '<>'/);
      rejects('false >= a', 0, /FALSE can only be compared/);
      rejects('a BETWEEN 1 AND TRUE', 16, /TRUE can only be compared/);
    });

    it('rejects a value that is not a string', () => {
      rejects(42 as unknown as string, 0, /must be a string/);
      rejects(undefined as unknown as string, 0, /must be a string/);
    });
  });

  describe('limits', () => {
    it(`takes ${SELECTOR_LIMITS.maxLength} characters, not one more`, () => {
      const at = (length: number): string => `a = '${'x'.repeat(length - 6)}'`;
      assert.equal(at(SELECTOR_LIMITS.maxLength).length, 1024);
      assert.equal(Selector.parse(at(1024)).matches({ a: 'x'.repeat(1018) }), true);
      rejects(at(1025), 1024, /longer than 1024 characters/);
      rejects(' '.repeat(1_000_000), 1024, /longer than 1024 characters/);
      // the node passes config limits.maxSelectorLength
      assert.equal(Selector.parse(at(4096), 4096).matches({ a: 'x'.repeat(4090) }), true);
      assert.throws(() => Selector.parse(at(31), 30), /longer than 30 characters at position 30/);
    });

    it(`takes ${SELECTOR_LIMITS.maxLikes} LIKE conditions, not one more`, () => {
      const likes = (n: number): string => Array.from({ length: n }, (_, i) => `h LIKE '%${i}%'`).join(' OR ');
      assert.equal(matches(likes(16), { h: 'x15x' }), true);
      const text = likes(17);
      rejects(text, text.lastIndexOf('LIKE'), /more than 16 LIKE conditions/);
    });

    it(`nests parentheses and NOT ${SELECTOR_LIMITS.maxDepth} deep, not deeper`, () => {
      assert.equal(matches(`${'('.repeat(64)}a = 1${')'.repeat(64)}`, { a: 1 }), true);
      rejects(`${'('.repeat(65)}a = 1${')'.repeat(65)}`, 64, /nesting deeper than 64 levels/);
      assert.equal(matches(`${'NOT '.repeat(64)}a`, { a: true }), true);
      rejects(`${'NOT '.repeat(65)}a`, 256, /nesting deeper than 64/);
      assert.equal(matches(`${'NOT ('.repeat(32)}a${')'.repeat(32)}`, { a: true }), true);
      rejects(`${'NOT ('.repeat(33)}a${')'.repeat(33)}`, 160, /nesting deeper than 64/);
      // Long AND/OR chains add no depth.
      const chain = Array.from({ length: 200 }, (_, i) => `h${i} = ${i}`).join(' AND ');
      const headers = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`h${i}`, i]));
      assert.equal(Selector.parse(chain, 4096).matches(headers), true);
      assert.equal(Selector.parse(chain, 4096).matches({ ...headers, h199: 0 }), false);
    });

    it(`takes ${SELECTOR_LIMITS.maxInList} IN entries, not one more`, () => {
      const list = (n: number): string => Array.from({ length: n }, (_, i) => String(i)).join(',');
      assert.equal(matches(`a IN (${list(256)})`, { a: 255 }), true);
      const text = `a IN (${list(257)})`;
      rejects(text, text.lastIndexOf('256'), /IN list longer than 256 entries/);
    });
  });

  describe('robustness', () => {
    /** mulberry32: a small seeded generator, so that a failure can be replayed. */
    function random(seed: number): () => number {
      return () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }
    const PIECES = [
      'a', 'b', 'x-y', 'n.m', '$', '1', '-2', '3.5', "'s'", "'it''s'", "'", "''", '(', ')', ',', '=', '<>', '<', '>',
      '<=', '>=', 'AND', 'or', 'NOT', 'IN', 'LIKE', "'%a_'", 'ESCAPE', "'\\'", 'IS', 'NULL', 'BETWEEN', 'TRUE', 'false',
      ' ', ' ', ' ', '\t', '!', '"', '#', '.', '-', '😀', '\u0000', 'é', '%', '_', '\\',
    ];
    const HEADERS: SelectorHeaders[] = [{}, { a: 1, b: 'x', 'x-y': true, 'n.m': -2, $: "it's" }, { a: 's', b: 3.5, 'x-y': null }];

    const VALID = [
      "a = 1 AND (b <> 'x' OR NOT c)",
      "x-y IN ('a', 'b', 3) OR n.m BETWEEN -2 AND 3.5",
      "b LIKE '%a\\_' ESCAPE '\\' AND a IS NOT NULL",
      "NOT (a < 1 OR b >= 'it''s') AND $ NOT LIKE 's%'",
    ];

    /** Garbage from pieces and random characters, or a valid selector with a few pieces changed. */
    function garbage(next: () => number): string {
      const piece = (): string =>
        next() < 0.85 ? PIECES[Math.floor(next() * PIECES.length)] : String.fromCharCode(Math.floor(next() * 0x3000));
      if (next() < 0.5) {
        let text = '';
        for (let k = Math.floor(next() * 14); k > 0; k--) text += piece() + (next() < 0.6 ? ' ' : '');
        return text;
      }
      let text = VALID[Math.floor(next() * VALID.length)];
      for (let k = Math.floor(next() * 3); k > 0; k--) {
        const at = Math.floor(next() * (text.length + 1));
        const cut = next() < 0.5 ? Math.floor(next() * 4) : 0;
        text = text.slice(0, at) + (next() < 0.7 ? piece() : '') + text.slice(at + cut);
      }
      return text;
    }

    it('turns 2000 random inputs into a selector or a coded INVALID_ARGUMENTS, never anything else', () => {
      for (const text of VALID) Selector.parse(text);
      const next = random(20240611);
      let parsed = 0;
      let refused = 0;
      for (let i = 0; i < 2000; i++) {
        const text = garbage(next);
        let selector: Selector;
        try {
          selector = Selector.parse(text);
        } catch (err) {
          refused++;
          assert.ok(err instanceof ActorGridError, `input ${i} ${JSON.stringify(text)} threw ${String(err)}`);
          assert.equal(err.code, 'INVALID_ARGUMENTS', JSON.stringify(text));
          const position = err.data?.position;
          assert.ok(typeof position === 'number' && Number.isInteger(position) && position >= 0 && position <= text.length, `${JSON.stringify(text)}: ${err.message}`);
          assert.equal(err.data?.field, 'selector');
          assert.match(err.message, new RegExp(`^selector: .+ at position ${position}$`), JSON.stringify(text));
          continue;
        }
        parsed++;
        for (const headers of HEADERS) assert.equal(typeof selector.matches(headers), 'boolean');
      }
      // Both paths ran often enough for the test to mean something.
      assert.ok(parsed >= 200, `only ${parsed} random inputs parsed`);
      assert.ok(refused >= 1000, `only ${refused} random inputs refused`);
    });

    it('evaluates one parsed selector over many messages and agrees with a hand-written filter', () => {
      const selector = Selector.parse(
        "(region IN ('eu', 'uk') OR region LIKE 'us-%') AND priority BETWEEN 2 AND 8 AND NOT muted AND trace IS NOT NULL",
      );
      const regions = ['eu', 'uk', 'us-east', 'us', 'apac', undefined];
      const next = random(7);
      let count = 0;
      let expected = 0;
      for (let i = 0; i < 50_000; i++) {
        const headers: Record<string, string | number | boolean | null> = { priority: Math.floor(next() * 11), muted: next() < 0.3 };
        const region = regions[Math.floor(next() * regions.length)];
        if (region !== undefined) headers.region = region;
        if (next() < 0.8) headers.trace = `t${i}`;
        for (let k = 0; k < 20; k++) headers[`extra${k}`] = k;
        if (selector.matches(headers)) count++;
        const r = headers.region as string | undefined;
        const p = headers.priority as number;
        if ((r === 'eu' || r === 'uk' || (r?.startsWith('us-') ?? false)) && p >= 2 && p <= 8 && !headers.muted && headers.trace !== undefined) expected++;
      }
      assert.equal(count, expected);
      assert.ok(count > 1000 && count < 40_000, `${count} matched`);
    });

    it('keeps the text it was parsed from', () => {
      const s = Selector.parse(' a = 1 ');
      assert.equal(s.text, ' a = 1 ');
      assert.equal(String(s), ' a = 1 ');
    });
  });
});
