import { strict as assert } from 'node:assert';
import { compareRecords, parseOrderBy, type OrderBy } from '../../src/data/orderBy';
import { ActorGridError } from '../../src/errors';

const sortIds = (orderBy: OrderBy, records: Array<{ id: string; value: unknown }>) => [...records].sort((a, b) => compareRecords(orderBy, a, b)).map((r) => r.id);

describe('orderBy', () => {
  it('parses [{field, desc?}] and URL strings ("-field" descends)', () => {
    assert.deepEqual(parseOrderBy(undefined), []);
    assert.deepEqual(parseOrderBy(null), []);
    assert.deepEqual(parseOrderBy([]), []);
    assert.deepEqual(parseOrderBy('priority'), [{ field: 'priority' }]);
    assert.deepEqual(parseOrderBy(['-priority', 'owner.name']), [{ field: 'priority', desc: true }, { field: 'owner.name' }]);
    assert.deepEqual(parseOrderBy([{ field: 'a', desc: false }, { field: 'b', desc: true }, { field: 'c' }]), [{ field: 'a' }, { field: 'b', desc: true }, { field: 'c' }]);
    assert.deepEqual(parseOrderBy({ field: 'a' }), [{ field: 'a' }]);
  });

  it('refuses bad keys with INVALID_ARGUMENTS on orderBy', () => {
    const bad: unknown[] = [
      [{ field: '1x' }],
      [{ field: 'a.' }],
      [{ field: '' }],
      [{ field: 5 }],
      [{}],
      [{ field: 'a', desc: 'yes' }],
      [{ field: 'a', up: true }],
      [5],
      [null],
      [['a']],
      '-',
      '',
      Array.from({ length: 9 }, (_, i) => ({ field: `f${i}` })),
    ];
    for (const raw of bad) {
      assert.throws(
        () => parseOrderBy(raw),
        (err: unknown) => err instanceof ActorGridError && err.code === 'INVALID_ARGUMENTS' && err.data?.field === 'orderBy',
        JSON.stringify(raw),
      );
    }
    assert.equal(parseOrderBy(Array.from({ length: 8 }, (_, i) => ({ field: `f${i}` }))).length, 8);
  });

  it('orders numbers, then strings, then booleans, then other values, missing last; ties by id', () => {
    const records = [
      { id: 'm', value: {} },
      { id: 'n1', value: { p: 10 } },
      { id: 'n2', value: { p: 2 } },
      { id: 'n3', value: { p: -1.5 } },
      { id: 's1', value: { p: 'b' } },
      { id: 's2', value: { p: 'B' } },
      { id: 's3', value: { p: 'a' } },
      { id: 'b1', value: { p: true } },
      { id: 'b2', value: { p: false } },
      { id: 'o', value: { p: { x: 1 } } },
      { id: 'nul', value: { p: null } },
      { id: 'a', value: {} },
      { id: 'n0', value: { p: 2 } },
    ];
    assert.deepEqual(sortIds([{ field: 'p' }], records), ['n3', 'n0', 'n2', 'n1', 's2', 's3', 's1', 'b2', 'b1', 'o', 'a', 'm', 'nul']);
    // descending reverses each key, so missing values come first; ties stay by id ascending
    assert.deepEqual(sortIds([{ field: 'p', desc: true }], records), ['a', 'm', 'nul', 'o', 'b1', 'b2', 's1', 's3', 's2', 'n1', 'n0', 'n2', 'n3']);
  });

  it('uses later keys and dotted paths; equal keys are ordered by id', () => {
    const records = [
      { id: 'c', value: { s: 'open', owner: { name: 'bob' } } },
      { id: 'a', value: { s: 'open', owner: { name: 'ann' } } },
      { id: 'b', value: { s: 'done', owner: { name: 'bob' } } },
      { id: 'd', value: { s: 'open', owner: 'x' } },
      { id: 'e', value: { s: 'open', owner: { name: 'bob' } } },
    ];
    assert.deepEqual(sortIds([{ field: 's' }, { field: 'owner.name' }], records), ['b', 'a', 'c', 'e', 'd']);
    assert.deepEqual(sortIds([{ field: 's', desc: true }, { field: 'owner.name', desc: true }], records), ['d', 'c', 'e', 'a', 'b']);
    assert.deepEqual(sortIds([], records), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(compareRecords([{ field: 'x' }], { id: 'a', value: { x: 1 } }, { id: 'a', value: { x: 1 } }), 0);
  });
});
