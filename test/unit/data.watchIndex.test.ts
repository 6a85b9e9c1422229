import { strict as assert } from 'node:assert';
import type { ChangeItem } from '../../src/data/ChangeItem';
import type { Watch, WatchTarget } from '../../src/data/Watch';
import { WatchIndex } from '../../src/data/WatchIndex';
import { Where } from '../../src/data/Where';

/** A stand-in watch: the index reads only `target`. */
const watch = (name: string, target: WatchTarget): Watch => ({ id: name, target }) as unknown as Watch;
const query = (name: string, where: string): Watch => watch(name, { kind: 'query', where: Where.parse(where), orderBy: [] });
const record = (name: string, id: string): Watch => watch(name, { kind: 'record', id });
const change = (id: string, p: Record<string, unknown> | null, n: Record<string, unknown> | null): ChangeItem => ({ c: 'items', id, v: 1, p, n });
const names = (set: Set<Watch>) => [...set].map((w) => w.id).sort();

describe('WatchIndex', () => {
  it('finds a query watch by its equality term, from the value before or after the change', () => {
    const index = new WatchIndex();
    const open = query('open', "status = 'open'");
    const done = query('done', "tag = 't' AND status = 'done'");
    const either = query('either', "status IN ('doing', 'done')");
    const num = query('num', 'level = 1');
    const str = query('str', "level = '1'");
    const flag = query('flag', 'flag = TRUE');
    const nested = query('nested', "owner.id = 'ann'");
    for (const w of [open, done, either, num, str, flag, nested]) index.add(w);
    assert.equal(index.size, 7);
    assert.deepEqual(names(index.candidates(change('r', null, { status: 'open' }))), ['open'], 'created');
    assert.deepEqual(names(index.candidates(change('r', { status: 'open' }, { status: 'doing' }))), ['either', 'open'], 'before and after');
    assert.deepEqual(names(index.candidates(change('r', { status: 'done', tag: 't' }, null))), ['done', 'either'], 'deleted: by the value before');
    assert.deepEqual(names(index.candidates(change('r', null, { status: 'done', tag: 'u' }))), ['either'], '"done" is filed under its tag, not its status');
    assert.deepEqual(names(index.candidates(change('r', null, { status: 'doing' }))), ['either'], 'an IN is filed under each value');
    assert.deepEqual(names(index.candidates(change('r', null, { level: 1 }))), ['num'], 'a number is not its string');
    assert.deepEqual(names(index.candidates(change('r', null, { level: '1' }))), ['str']);
    assert.deepEqual(names(index.candidates(change('r', null, { flag: true }))), ['flag']);
    assert.deepEqual(names(index.candidates(change('r', null, { flag: 'true' }))), []);
    assert.deepEqual(names(index.candidates(change('r', { owner: { id: 'ann' } }, { owner: 'ann' }))), ['nested'], 'a dotted term');
    assert.deepEqual(names(index.candidates(change('r', { status: 'closed' }, { other: 1 }))), [], 'no watch concerned');
    assert.deepEqual(names(index.all()), ['done', 'either', 'flag', 'nested', 'num', 'open', 'str']);
  });

  it('offers every change to watches without an equality term, and a record\'s changes to its record watches', () => {
    const index = new WatchIndex();
    const scan = query('scan', 'priority > 2');
    const or = query('or', "status = 'a' OR status = 'b'");
    const all = query('all', '');
    const r1 = record('r1', 'id1');
    const r1b = record('r1b', 'id1');
    const r2 = record('r2', 'id2');
    const open = query('open', "status = 'open'");
    for (const w of [scan, or, all, r1, r1b, r2, open]) index.add(w);
    assert.deepEqual(names(index.candidates(change('id1', { x: 1 }, { x: 2 }))), ['all', 'or', 'r1', 'r1b', 'scan']);
    assert.deepEqual(names(index.candidates(change('id2', null, { status: 'open' }))), ['all', 'open', 'or', 'r2', 'scan']);
    assert.deepEqual(names(index.candidates(change('id3', null, null))), ['all', 'or', 'scan']);
  });

  it('removes watches: they are no longer found, and the size counts only what is filed', () => {
    const index = new WatchIndex();
    const open = query('open', "status = 'open'");
    const open2 = query('open2', "status = 'open' AND x > 1");
    const multi = query('multi', "status IN ('open', 'done')");
    const scan = query('scan', 'x > 1');
    const r = record('r', 'id1');
    for (const w of [open, open2, multi, scan, r]) index.add(w);
    assert.equal(index.size, 5);
    index.remove(open);
    assert.equal(index.size, 4);
    assert.deepEqual(names(index.candidates(change('id1', null, { status: 'open' }))), ['multi', 'open2', 'r', 'scan']);
    index.remove(open);
    assert.equal(index.size, 4, 'removing twice counts once');
    index.remove(query('stranger', "status = 'open'"));
    assert.equal(index.size, 4, 'a watch never added is not counted');
    index.remove(multi);
    assert.deepEqual(names(index.candidates(change('id2', null, { status: 'done' }))), ['scan']);
    index.remove(scan);
    index.remove(r);
    assert.deepEqual(names(index.candidates(change('id1', null, { status: 'open' }))), ['open2']);
    index.remove(open2);
    assert.equal(index.size, 0);
    assert.deepEqual(names(index.all()), []);
    assert.deepEqual(names(index.candidates(change('id1', { status: 'open' }, { status: 'open' }))), []);
    // filed again after removal
    index.add(open);
    assert.deepEqual(names(index.candidates(change('id1', null, { status: 'open' }))), ['open']);
    assert.equal(index.size, 1);
  });
});
