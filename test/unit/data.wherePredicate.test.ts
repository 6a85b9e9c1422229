import { strict as assert } from 'node:assert';
import { P } from '../../src/grid';
import { Where } from '../../src/data/Where';

/** Equality as the members get it: a closed range (Where.ts), so mixed-type fields fall back to the node. */
const EQ = (path: string, value: string | number) => P.and(P.gte(path, value), P.lte(path, value));

describe('Where: the members\' predicate and deleted records', () => {
  const live = P.eq('live', true);

  it('leaves out live = true where a deleted record (value null) cannot match anyway', () => {
    assert.deepEqual(Where.parse("status = 'open'").predicate, EQ('value.status', 'open'));
    assert.deepEqual(Where.parse("status IN ('a', 'b') AND priority > 2").predicate, P.and(P.or(EQ('value.status', 'a'), EQ('value.status', 'b')), P.gt('value.priority', 2)));
    assert.deepEqual(Where.parse('priority BETWEEN 1 AND 3').predicate, P.and(P.gte('value.priority', 1), P.lte('value.priority', 3)));
  });

  it('keeps live = true where the rest could match a deleted record', () => {
    assert.deepEqual(Where.parse(undefined).predicate, P.and(live, P.all()));
    assert.deepEqual(Where.parse("status <> 'done'").predicate, P.and(live, P.ne('value.status', 'done')));
    assert.deepEqual(Where.parse("status = 'a' OR owner <> 'x'").predicate, P.and(live, P.or(EQ('value.status', 'a'), P.ne('value.owner', 'x'))));
    // NOT and LIKE are filtered in the node: the members get everything live.
    assert.deepEqual(Where.parse("NOT (status = 'a')").predicate, P.and(live, P.all()));
  });

  it('sends equality as equality on fields the schema gives one type, as a closed range on the others', () => {
    const uniform = new Set(['status']);
    assert.deepEqual(Where.parse("status = 'open'", uniform).predicate, P.eq('value.status', 'open'));
    assert.deepEqual(Where.parse("status IN ('a', 'b')", uniform).predicate, P.in('value.status', ['a', 'b']));
    assert.deepEqual(Where.parse("owner = 'x'", uniform).predicate, EQ('value.owner', 'x'));
  });

  it('still matches exactly in the node', () => {
    const where = Where.parse("status = 'open'");
    assert.equal(where.matches({ status: 'open' }), true);
    assert.equal(where.matches(null), false);
  });

  it('takes the selector limits (config limits.maxSelectorLength, LIKE conditions) and the linear LIKE', () => {
    assert.throws(() => Where.parse("title = 'abcdef'", new Set(), 10), (err: any) => err.code === 'INVALID_ARGUMENTS' && err.data.field === 'where' && /^where: longer than 10 characters/.test(err.message));
    const likes = Array.from({ length: 17 }, (_, i) => `title LIKE '%${i}'`).join(' OR ');
    assert.throws(() => Where.parse(likes), (err: any) => err.code === 'INVALID_ARGUMENTS' && /more than 16 LIKE/.test(err.message));
    assert.equal(Where.parse(`title LIKE '%${'a_'.repeat(400)}b%'`).matches({ title: `${'a'.repeat(16_000)}${'ax'.repeat(400)}b` }), true);
  });
});
