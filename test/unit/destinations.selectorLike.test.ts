import { strict as assert } from 'node:assert';
import { Selector } from '../../src/destinations/Selector';
import { FuzzRandom } from '../support/fuzz/FuzzRandom';

/** LIKE matching (src/destinations/selectorLike.ts, LikeSegment.ts): exact, and never backtracking. */
describe('Selector LIKE matching', () => {
  const like = (pattern: string, value: string): boolean => Selector.parse(`s LIKE '${pattern}'`).matches({ s: value });

  it('agrees with a reference regular expression over 5000 random patterns and values', () => {
    const random = new FuzzRandom(1101);
    const alphabet = ['a', 'b', '%', '_', '😀'];
    const pick = (n: number): string => Array.from({ length: random.int(n) }, () => random.pick(alphabet)).join('');
    for (let i = 0; i < 5000; i++) {
      const pattern = pick(8);
      const value = pick(10).replace(/[%_]/g, 'a');
      const source = [...pattern].map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch)).join('');
      assert.equal(like(pattern, value), new RegExp(`^${source}$`, 'su').test(value), `${JSON.stringify(pattern)} on ${JSON.stringify(value)}`);
    }
  });

  it('finds segments longer than one 32-bit word, with _ anywhere in them', () => {
    const segment = 'ab_'.repeat(30); // 90 items: three words
    const hit = 'abX'.repeat(30);
    assert.equal(like(`%${segment}%`, `zz${hit}zz`), true);
    assert.equal(like(`%${segment}%`, `zz${hit.slice(0, -1)}`), false);
    assert.equal(like(`x%${segment}%y%${segment}`, `x..${hit}..y${hit}`), true);
    assert.equal(like(`x%${segment}%y%${segment}`, `x..${hit}..${hit}`), false);
  });

  it('matches a pathological LIKE against a 16 KB header without backtracking (each 300 times within the test timeout)', function () {
    // The old walk retried the last % at every character: pattern × value steps, ~60 ms per match here.
    this.timeout(20_000);
    const value = { h: 'a'.repeat(16_384) };
    const literal = Selector.parse(`h LIKE '%${'a'.repeat(1000)}b'`);
    const middle = Selector.parse(`h LIKE '%${'a'.repeat(1000)}b%'`);
    const wildcards = Selector.parse(`h LIKE '%${'a_'.repeat(490)}b%'`);
    for (let i = 0; i < 300; i++) {
      assert.equal(literal.matches(value), false);
      assert.equal(middle.matches(value), false);
      assert.equal(wildcards.matches(value), false);
    }
    assert.equal(wildcards.matches({ h: `${'a'.repeat(16_000)}${'ax'.repeat(490)}b` }), true);
  });
});
