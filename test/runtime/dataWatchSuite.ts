import { strict as assert } from 'node:assert';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient } from '../../src/client';
import { loadConfig, type Config, type DeepPartial } from '../../src/config';
import type { Grid, GridStream, JsonValue } from '../../src/grid';
import { Logger } from '../../src/runtime/Logger';
import { TEST_COLLECTIONS } from '../fixtures/testCollections';
import { codeOf } from '../support/codeOf';
import { dataCalls, range, type QueryResult, type Value } from '../support/dataCalls';
import { DataInbox, shortId, type ChangeParams } from '../support/dataInbox';
import { SseReader } from '../support/sse';
import { SuiteNodes, type GridSetup } from '../support/suiteNodes';
import { uniqueName, waitFor } from '../support/waitFor';

/** `grid`, but its streams' appends fail while `failing()` says so (a node that dies between a commit and its appends, as far as the stream can tell). */
function failingAppends(grid: Grid, failing: () => boolean): Grid {
  const wrapStream = (stream: GridStream): GridStream =>
    new Proxy(stream, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'append' || prop === 'appendAll') return (...args: unknown[]) => (failing() ? Promise.reject(new Error('append failed (test)')) : value.apply(target, args));
        return value.bind(target);
      },
    });
  return new Proxy(grid, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'stream') return (...args: unknown[]) => wrapStream(value.apply(target, args) as GridStream);
      return value.bind(target);
    },
  });
}

/**
 * Live queries across three nodes on one grid (PROTOCOL.md "Data"): the WebORB rule with
 * non-recipients, limited windows, concurrent writers, joining and resuming with a cursor (and past
 * retention), slow watchers, SSE, the repair of an append that never happened, the end of watches.
 */
export function dataWatchSuite(setup: () => GridSetup): void {
  describe('Collections across 3 nodes: live queries', function () {
    this.timeout(120000);
    const suite = new SuiteNodes(setup, {
      defaults: {},
      classes: { actors: TEST_COLLECTIONS },
      inbox: (c) => new DataInbox(c),
    });
    const node = (id: string, extra?: DeepPartial<Config>) => suite.node(id, extra);
    const client = (n: ActorGridNode, encoding?: 'json' | 'msgpack') => suite.client(n, encoding);

    const { create, get, update, remove, query, watchRecord } = dataCalls;

    let a: ActorGridNode, b: ActorGridNode, c3: ActorGridNode;
    before(async () => ([a, b, c3] = await suite.start(['a', 'b', 'c'])));
    after(() => suite.close());

    it('watches a record that does not exist yet: version 0, then its creation, changes and deletion', async function () {
      const tag = uniqueName('missing');
      const id = `${tag}-r1`;
      const watcher = await client(c3, 'msgpack');
      const w = await watchRecord(watcher.c, id);
      assert.deepEqual({ id: w.id, version: w.version, value: w.value }, { id, version: 0, value: null });
      const writer = (await client(a)).c;
      await create(writer, { id, value: { tag, n: 1 } });
      await create(writer, { id: `${tag}-r2`, value: { tag, n: 1 } });
      await update(writer, { id, set: { n: 2 } });
      await remove(writer, { id });
      await create(writer, { id, value: { tag, n: 3 } });
      await waitFor('four changes', () => watcher.inbox.changes(w.watch).length >= 4);
      assert.deepEqual(watcher.inbox.trace(w.watch), ['added r1@1', 'changed r1@2', 'removed r1@3', 'added r1@4']);
      assert.deepEqual(watcher.inbox.changes(w.watch).map((ch) => ch.value), [{ tag, n: 1 }, { tag, n: 2 }, undefined, { tag, n: 3 }]);
    });

    it('notifies exactly the watchers a change concerns (the WebORB rule), JSON and msgpack, on other nodes than the writer', async function () {
      const tag = uniqueName('weborb');
      const id = (n: string) => `${tag}-${n}`;
      const writer = (await client(a)).c;
      await create(writer, { id: id('r1'), value: { tag, status: 'open', owner: 'ann' } });
      // A and D on one JSON connection to b; B and C on one msgpack connection to c: one socket's order shows what was not sent
      const ad = await client(b);
      const bc = await client(c3, 'msgpack');
      const A = await query(ad.c, { where: `status = 'open' AND tag = '${tag}'`, watch: true });
      const D = await query(ad.c, { where: `tag = '${tag}' AND status = 'never'`, watch: true });
      const B = await query(bc.c, { where: `owner = 'bob' AND tag = '${tag}'`, watch: true });
      const C = await watchRecord(bc.c, id('r1'));
      assert.deepEqual(A.records.map((r) => r.id), [id('r1')]);
      assert.deepEqual([D.records, B.records], [[], []]);
      assert.deepEqual({ id: C.id, version: C.version, value: C.value }, { id: id('r1'), version: 1, value: { tag, status: 'open', owner: 'ann' } });
      for (const w of [A.watch, B.watch, C.watch, D.watch]) assert.equal(typeof w, 'string');

      await create(writer, { id: id('r2'), value: { tag, status: 'done', owner: 'carl' } }); // nobody
      await update(writer, { id: id('r1'), set: { priority: 2 } }); // A changed, C changed
      await update(writer, { id: id('r2'), set: { status: 'open' } }); // A added
      await update(writer, { id: id('r1'), set: { status: 'doing' } }); // A removed, C changed
      await update(writer, { id: id('r2'), set: { owner: 'bob' } }); // A changed, B added
      await update(writer, { id: id('r2'), set: { owner: 'dan' } }); // A changed, B removed
      await create(writer, { id: id('r3'), value: { tag, status: 'doing', owner: 'eve' } }); // nobody
      await update(writer, { id: id('r3'), set: { status: 'done' } }); // nobody
      await remove(writer, { id: id('r1') }); // C removed (A no longer has it)
      await remove(writer, { id: id('r2') }); // A removed (B no longer has it)
      await create(writer, { id: id('r4'), value: { tag, status: 'open', owner: 'bob' } }); // A, B added: the marker
      await waitFor('the marker on b and c', () => ad.inbox.changes(A.watch!).some((ch) => ch.id === id('r4')) && bc.inbox.changes(B.watch!).some((ch) => ch.id === id('r4')));
      assert.deepEqual(ad.inbox.trace(A.watch!), ['changed r1@2', 'added r2@2', 'removed r1@3', 'changed r2@3', 'changed r2@4', 'removed r2@5', 'added r4@1']);
      assert.deepEqual(bc.inbox.trace(B.watch!), ['added r2@3', 'removed r2@4', 'added r4@1']);
      assert.deepEqual(bc.inbox.trace(C.watch), ['changed r1@2', 'changed r1@3', 'removed r1@4']);
      assert.deepEqual(ad.inbox.trace(D.watch!), []);
      assert.equal(ad.inbox.events.length + bc.inbox.events.length, 13, 'nothing else was sent');

      // what each carries: the value after the change, none when removed; the collection; cursors that grow
      const values = ad.inbox.changes(A.watch!).map((ch) => ch.value);
      assert.deepEqual(values, [
        { tag, status: 'open', owner: 'ann', priority: 2 },
        { tag, status: 'open', owner: 'carl' },
        undefined,
        { tag, status: 'open', owner: 'bob' },
        { tag, status: 'open', owner: 'dan' },
        undefined,
        { tag, status: 'open', owner: 'bob' },
      ]);
      assert.deepEqual(bc.inbox.changes(C.watch).map((ch) => ch.value), [{ tag, status: 'open', owner: 'ann', priority: 2 }, { tag, status: 'doing', owner: 'ann', priority: 2 }, undefined]);
      for (const [inbox, watch] of [[ad.inbox, A.watch!], [bc.inbox, B.watch!], [bc.inbox, C.watch]] as const) {
        const changes = inbox.changes(watch);
        assert.ok(changes.every((ch) => ch.collection === 'items'));
        const cursors = changes.map((ch) => Number(ch.cursor));
        assert.deepEqual(cursors, [...cursors].sort((x, y) => x - y));
        assert.equal(new Set(cursors).size, cursors.length, `one cursor per change: ${cursors}`);
        assert.ok(cursors[0] > Number(A.cursor), 'after the query\'s cursor');
      }
      // A and B saw the same change (r2's owner → bob) at the same cursor
      assert.equal(ad.inbox.changes(A.watch!)[3].cursor, bc.inbox.changes(B.watch!)[0].cursor);
    });

    it('keeps a limited window (orderBy + limit) full: the next record enters when one leaves, the last leaves when a better one enters', async function () {
      const tag = uniqueName('window');
      const id = (n: string) => `${tag}-${n}`;
      const writer = (await client(c3)).c;
      for (const p of [1, 2, 3, 4, 5]) await create(writer, { id: id(`p${p}`), value: { tag, status: 'open', priority: p } });
      const watcher = await client(a);
      const w = await query(watcher.c, { where: `tag = '${tag}' AND status = 'open'`, orderBy: [{ field: 'priority' }], limit: 3, watch: true });
      assert.deepEqual(w.records.map((r) => shortId(r.id)), ['p1', 'p2', 'p3']);
      const trace = () => watcher.inbox.trace(w.watch!);
      const step = async (write: () => Promise<unknown>, expected: string[]) => {
        const before = trace().length;
        await write();
        await waitFor(`${expected.join(', ')}`, () => trace().length >= before + expected.length);
        assert.deepEqual(trace().slice(before), expected);
      };
      await step(() => update(writer, { id: id('p2'), set: { status: 'done' } }), ['removed p2@2', 'added p4@1']);
      await step(() => create(writer, { id: id('p0'), value: { tag, status: 'open', priority: 0 } }), ['added p0@1', 'removed p4@1']);
      await step(() => update(writer, { id: id('p3'), set: { priority: 10 } }), ['changed p3@2', 'removed p3@2', 'added p4@1']);
      await step(() => remove(writer, { id: id('p1') }), ['removed p1@2', 'added p5@1']);
      await step(() => update(writer, { id: id('p4'), set: { title: 'x' } }), ['changed p4@2']);
      // outside the full window: nothing; then a marker
      await create(writer, { id: id('p9'), value: { tag, status: 'open', priority: 9 } });
      await update(writer, { id: id('p3'), set: { title: 'still out' } });
      await step(() => update(writer, { id: id('p0'), set: { title: 'marker' } }), ['changed p0@2']);
      const expectedWindow = (await query(writer, { where: `tag = '${tag}' AND status = 'open'`, orderBy: [{ field: 'priority' }], limit: 3 })).records;
      assert.deepEqual(expectedWindow.map((r) => shortId(r.id)), ['p0', 'p4', 'p5']);
      // replaying the notifications over the first result gives the current window
      const window = new Map(w.records.map((r) => [r.id, r.value]));
      for (const ch of watcher.inbox.changes(w.watch!)) {
        if (ch.kind === 'removed') window.delete(ch.id);
        else window.set(ch.id, ch.value!);
      }
      assert.deepEqual([...window.keys()].sort(), expectedWindow.map((r) => r.id).sort());
      for (const r of expectedWindow) assert.deepEqual(window.get(r.id), r.value);
    });

    it('commits concurrent updates of one record from three nodes as versions 1..N; every watcher on every node sees each once, in order', async function () {
      const tag = uniqueName('concurrent');
      const id = `${tag}-r`;
      const writers = [(await client(a)).c, (await client(b)).c, (await client(c3, 'msgpack')).c];
      await create(writers[0], { id, value: { tag } });
      const watchers = await Promise.all([client(a), client(b, 'msgpack'), client(c3)]);
      const watches = await Promise.all(
        watchers.flatMap((w) => [watchRecord(w.c, id).then((r) => ({ inbox: w.inbox, watch: r.watch })), query(w.c, { where: `tag = '${tag}'`, watch: true }).then((r) => ({ inbox: w.inbox, watch: r.watch! }))]),
      );
      const perWriter = 10;
      const results = await Promise.all(
        writers.flatMap((w, k) => range(1, perWriter).map(async (i) => ({ field: `w${k}_${i}`, ...(await update(w, { id, set: { [`w${k}_${i}`]: i } })) }))),
      );
      const total = 1 + writers.length * perWriter;
      assert.deepEqual(results.map((r) => r.version).sort((x, y) => x - y), range(2, total), 'versions 2..N, each once');
      const final = await get(writers[1], id);
      assert.equal(final?.version, total);
      assert.deepEqual(Object.keys(final!.value).sort(), ['tag', ...results.map((r) => r.field)].sort());
      const fieldOf = new Map(results.map((r) => [r.version, r.field]));
      for (const { inbox, watch } of watches) {
        await waitFor(`every version for ${watch}`, () => inbox.changes(watch).length >= total - 1);
        const changes = inbox.changes(watch);
        assert.deepEqual(changes.map((ch) => `${ch.kind}@${ch.version}`), range(2, total).map((v) => `changed@${v}`));
        // each version's value holds exactly the fields of the versions up to it
        for (const ch of changes) {
          const expected = ['tag', ...range(2, ch.version).map((v) => fieldOf.get(v)!)].sort();
          assert.deepEqual(Object.keys(ch.value!).sort(), expected, `version ${ch.version}`);
        }
      }
    });

    it('gives a watcher that joins or resumes during writes its records and then every later version once, with no gap', async function () {
      const tag = uniqueName('join');
      const id = (k: number) => `${tag}-r${k}`;
      const where = `tag = '${tag}'`;
      const writer = (await client(a)).c;
      for (let k = 0; k < 3; k++) await create(writer, { id: id(k), value: { tag, n: 0 } });
      const early = (await query(writer, { where })).cursor;
      // a watch on node c already feeds from the collection, so a resume there catches up while the feed runs
      const feedHolder = await client(c3);
      await query(feedHolder.c, { where: `${where} AND n < 0`, watch: true });
      const total = 60;
      const writing = (async () => {
        for (let i = 1; i <= total; i++) await update(writer, { id: id(i % 3), set: { n: i } });
      })();
      await waitFor('some versions', async () => ((await get(writer, id(0)))?.version ?? 0) >= 5);
      const joiner = await client(b);
      const joined = await query(joiner.c, { where, watch: true });
      const resumer = await client(c3, 'msgpack');
      const resumed = await query(resumer.c, { where, watch: true, after: early });
      await writing;
      const final = (await query(writer, { where })).records;
      const finalVersion = new Map(final.map((r) => [r.id, r.version]));
      const check = (what: string, changes: ChangeParams[], start: Map<string, number>) => {
        for (let k = 0; k < 3; k++) {
          const mine = changes.filter((ch) => ch.id === id(k));
          const from = start.get(id(k)) ?? 0;
          assert.deepEqual(mine.map((ch) => `${ch.kind}@${ch.version}`), range(from + 1, finalVersion.get(id(k))!).map((v) => `changed@${v}`), `${what}: r${k} from version ${from}`);
        }
      };
      await waitFor('every version for the joiner', () => joiner.inbox.changes(joined.watch!).length >= final.reduce((n, r) => n + r.version, 0) - joined.records.reduce((n, r) => n + r.version, 0));
      await waitFor('every version for the resumer', () => resumer.inbox.changes(resumed.watch!).length >= total);
      assert.equal(joined.records.length, 3);
      check('joined', joiner.inbox.changes(joined.watch!), new Map(joined.records.map((r) => [r.id, r.version])));
      check('resumed', resumer.inbox.changes(resumed.watch!), new Map(final.map((r) => [r.id, 1])));
      assert.deepEqual(resumed.records, []);
      // a limited query cannot be replayed: resuming one answers its whole window and reset
      const limited = await query(resumer.c, { where, orderBy: [{ field: 'n', desc: true }], limit: 2, watch: true, after: early });
      assert.equal(limited.reset, true);
      assert.deepEqual(limited.records, [...final].sort((x, y) => (y.value.n as number) - (x.value.n as number)).slice(0, 2));
    });

    it('gives a slow watcher one data.reset with its whole set instead of a silent gap, then consecutive versions', async function () {
      const slowNode = await node('slow', { data: { maxBufferedBytes: 1024 } });
      const tag = uniqueName('slow');
      const id = `${tag}-r`;
      const where = `tag = '${tag}'`;
      const notes = (params: Value) => ({ collection: 'notes', ...params });
      const writer = (await client(a)).c;
      const write = async (params: Value) => (await writer.rpc<{ version: number }>('data.update', notes({ id, ...params }))).version;
      await writer.rpc('data.create', notes({ id, value: { tag, i: 0 } }));
      const fast = await client(slowNode);
      const slow = await client(slowNode);
      const fw = (await query(fast.c, notes({ where, watch: true }))).watch!;
      const sw = (await query(slow.c, notes({ where, watch: true }))).watch!;
      const socket = (slow.c as unknown as { socket: { _socket: { pause(): void; resume(): void } } }).socket._socket;
      socket.pause();
      let marker = 0;
      try {
        // enough to fill the loopback socket buffers (several MB), so that the node's send buffer grows
        const big = 'x'.repeat(60000);
        const n = 200;
        for (let i = 1; i <= n; i++) await write({ set: { big: `${i}${big}`, i } });
        // a small record again, so that the reset does not fill the buffer itself
        await write({ value: { tag, i: n + 1 } });
        await waitFor('the fast watcher to get all', () => fast.inbox.changes(fw).length >= n + 1, 60000);
        assert.deepEqual(fast.inbox.changes(fw).map((ch) => ch.version), range(2, n + 2));
        socket.resume();
        // a change once the slow one has drained, so that its pending reset is sent
        await waitFor('the reset', async () => {
          await write({ set: { tick: Date.now() } });
          return slow.inbox.resets(sw).length > 0;
        }, 30000, 200);
        marker = await write({ set: { marker: true } });
        await waitFor('the marker', () => slow.inbox.changes(sw).some((ch) => ch.version === marker));
      } finally {
        socket.resume();
      }
      const events = slow.inbox.events.filter((e) => e.params.watch === sw);
      const trace = slow.inbox.trace(sw).join(' ');
      assert.equal(slow.inbox.resets(sw).length, 1, `one reset: ${trace}`);
      assert.ok(slow.inbox.changes(sw).length < fast.inbox.changes(fw).length, `the slow watcher skipped some: ${trace}`);
      let version = 1;
      for (const e of events) {
        if (e.reset) {
          const [record] = e.params.records;
          assert.equal(e.params.records.length, 1, trace);
          assert.ok(record.version > version, `a reset moves forward: ${trace}`);
          version = record.version;
          const seen = fast.inbox.changes(fw).find((ch) => ch.version === version);
          if (seen) assert.deepEqual(record.value, seen.value, 'the reset holds the record at its version');
        } else {
          assert.equal(e.params.version, version + 1, `consecutive versions besides the reset: ${trace}`);
          version = e.params.version;
        }
      }
      assert.equal(version, marker);
    });

    it('resumes a watch with a cursor on another node: exactly the missed changes, then live ones', async function () {
      const tag = uniqueName('resume');
      const id = (n: string) => `${tag}-${n}`;
      const where = `tag = '${tag}'`;
      const writer = (await client(a)).c;
      const start = await query(writer, { where });
      assert.deepEqual(start.records, []);
      const first = await client(b);
      const w = await query(first.c, { where, watch: true });
      await create(writer, { id: id('r1'), value: { tag, n: 1 } });
      await create(writer, { id: id('r2'), value: { tag, n: 2 } });
      await update(writer, { id: id('r1'), set: { n: 11 } });
      await waitFor('three changes', () => first.inbox.changes(w.watch!).length >= 3);
      assert.deepEqual(first.inbox.trace(w.watch!), ['added r1@1', 'added r2@1', 'changed r1@2']);
      const last = first.inbox.changes(w.watch!)[2].cursor;
      await first.c.close();
      await update(writer, { id: id('r2'), set: { n: 22 } });
      await remove(writer, { id: id('r1') });
      await create(writer, { id: id('r3'), value: { tag, n: 3 } });
      await update(writer, { id: id('r3'), value: { tag, n: 33 } });
      await create(writer, { id: 'elsewhere-' + uniqueName('x'), value: { tag: `${tag}-other` } }); // not in the set

      const second = await client(c3, 'msgpack');
      const resumed = await query(second.c, { where, watch: true, after: last });
      assert.deepEqual({ records: resumed.records, cursor: resumed.cursor, reset: resumed.reset }, { records: [], cursor: last, reset: undefined });
      await waitFor('the missed changes', () => second.inbox.changes(resumed.watch!).length >= 4);
      await update(writer, { id: id('r2'), set: { n: 222 } });
      await waitFor('the live change', () => second.inbox.changes(resumed.watch!).length >= 5);
      assert.deepEqual(second.inbox.trace(resumed.watch!), ['changed r2@2', 'removed r1@3', 'added r3@1', 'changed r3@2', 'changed r2@3']);
      assert.deepEqual(second.inbox.changes(resumed.watch!).map((ch) => ch.value), [{ tag, n: 22 }, undefined, { tag, n: 3 }, { tag, n: 33 }, { tag, n: 222 }]);

      // from a plain query's cursor, on a third node: every change since, then the same live one
      const third = await client(a);
      const fromStart = await query(third.c, { where, watch: true, after: start.cursor });
      assert.deepEqual(fromStart.records, []);
      await waitFor('all changes since the start', () => third.inbox.changes(fromStart.watch!).length >= 8);
      assert.deepEqual(third.inbox.trace(fromStart.watch!), ['added r1@1', 'added r2@1', 'changed r1@2', 'changed r2@2', 'removed r1@3', 'added r3@1', 'changed r3@2', 'changed r2@3']);
      // resuming at the stream's current end replays nothing; the next change arrives
      const current = await query(third.c, { where, watch: true, after: resumed.cursor });
      const now = await query(third.c, { where, watch: true, after: (await query(writer, { where })).cursor });
      await update(writer, { id: id('r3'), set: { n: 333 } });
      await waitFor('the next change', () => third.inbox.changes(now.watch!).length >= 1 && third.inbox.changes(current.watch!).length >= 6);
      assert.deepEqual(third.inbox.trace(now.watch!), ['changed r3@3']);
      assert.deepEqual(third.inbox.trace(current.watch!).slice(-1), ['changed r3@3']);
      assert.equal(third.inbox.resets(fromStart.watch!).length + second.inbox.resets(resumed.watch!).length, 0);
    });

    it('answers a resume past retention with reset: true and the whole current set, then live changes', async function () {
      const tag = uniqueName('retention');
      const id = (n: string) => `${tag}-${n}`;
      const where = `tag = '${tag}'`;
      const writer = (await client(a)).c;
      const tiny = (params: Value) => ({ collection: 'tinyNotes', ...params });
      const start = await writer.rpc<QueryResult>('data.query', tiny({ where }));
      await writer.rpc('data.create', tiny({ id: id('n1'), value: { tag, i: 0 } }));
      await writer.rpc('data.create', tiny({ id: id('n2'), value: { tag, keep: true } }));
      for (let i = 1; i <= 18; i++) await writer.rpc('data.update', tiny({ id: id('n1'), set: { i } }));
      await writer.rpc('data.delete', tiny({ id: id('n2') }));
      await writer.rpc('data.create', tiny({ id: id('n3'), value: { tag, late: true } }));
      const tail = Number((await writer.rpc<QueryResult>('data.query', tiny({ where }))).cursor);
      assert.ok(tail - Number(start.cursor) >= 22, 'more than 16 changes since the start');

      const sub = await client(b, 'msgpack');
      const gone = await sub.c.rpc<QueryResult>('data.query', tiny({ where, watch: true, after: start.cursor }));
      assert.equal(gone.reset, true);
      assert.equal(gone.cursor, String(tail));
      assert.deepEqual(
        gone.records.map((r) => [shortId(r.id), r.version, r.value]).sort(),
        [['n1', 19, { tag, i: 18 }], ['n3', 1, { tag, late: true }]],
        'the whole current set; the deleted one is gone',
      );
      // within the 16 retained: deltas, no reset
      const within = await sub.c.rpc<QueryResult>('data.query', tiny({ where, watch: true, after: String(tail - 3) }));
      assert.deepEqual({ records: within.records, reset: within.reset }, { records: [], reset: undefined });
      await writer.rpc('data.update', tiny({ id: id('n3'), set: { live: 1 } }));
      await waitFor('the live change', () => sub.inbox.changes(gone.watch!).length >= 1 && sub.inbox.changes(within.watch!).length >= 4);
      assert.deepEqual(sub.inbox.trace(gone.watch!), ['changed n3@2']);
      assert.deepEqual(sub.inbox.trace(within.watch!), ['changed n1@19', 'removed n2@2', 'added n3@1', 'changed n3@2']);
      // over SSE: a Last-Event-ID no longer retained starts with a snapshot of the whole set
      const sse = new SseReader(`${c3.url}/data/tinyNotes/events?where=${encodeURIComponent(where)}`, { 'last-event-id': start.cursor });
      try {
        await sse.until((ev) => ev.length >= 1);
        assert.equal(sse.events[0].event, 'snapshot');
        const snapshot = JSON.parse(sse.events[0].data!) as QueryResult;
        assert.deepEqual(snapshot.records.map((r) => [shortId(r.id), r.version]).sort(), [['n1', 19], ['n3', 2]]);
        assert.equal(sse.events[0].id, snapshot.cursor);
      } finally {
        sse.close();
      }
    });

    it('streams Server-Sent Events: a snapshot, then changes with id = cursor; Last-Event-ID resumes on another node', async function () {
      const tag = uniqueName('sse');
      const id = (n: string) => `${tag}-${n}`;
      const where = encodeURIComponent(`tag = '${tag}'`);
      const writer = (await client(a)).c;
      await create(writer, { id: id('r1'), value: { tag, n: 1 } });
      const live = new SseReader(`${b.url}/data/items/events?where=${where}`);
      const readers = [live];
      try {
        await live.until((ev) => ev.length >= 1);
        assert.equal(live.events[0].event, 'snapshot');
        const snapshot = JSON.parse(live.events[0].data!) as QueryResult & { collection: string };
        assert.deepEqual(snapshot.records, [{ id: id('r1'), version: 1, value: { tag, n: 1 } }]);
        assert.equal(snapshot.collection, 'items');
        assert.equal(live.events[0].id, snapshot.cursor);
        await update(writer, { id: id('r1'), set: { n: 2 } });
        await create(writer, { id: id('r2'), value: { tag, n: 3 } });
        await remove(writer, { id: id('r1') });
        await live.until((ev) => ev.length >= 4);
        const changes = live.events.slice(1).map((e) => ({ ...(JSON.parse(e.data!) as ChangeParams), eventId: e.id, event: e.event }));
        assert.deepEqual(changes.map((ch) => [ch.event, `${ch.kind} ${shortId(ch.id)}@${ch.version}`]), [['change', 'changed r1@2'], ['change', 'added r2@1'], ['change', 'removed r1@3']]);
        for (const ch of changes) assert.equal(ch.eventId, ch.cursor);
        assert.deepEqual(changes[0].value, { tag, n: 2 });
        // Last-Event-ID = the first change's cursor, on another node: the two after it, then live ones; no snapshot
        const again = new SseReader(`${c3.url}/data/items/events?where=${where}`, { 'last-event-id': changes[0].cursor });
        readers.push(again);
        await again.until((ev) => ev.length >= 2);
        await update(writer, { id: id('r2'), set: { n: 4 } });
        await again.until((ev) => ev.length >= 3);
        await live.until((ev) => ev.length >= 5);
        assert.deepEqual(again.events.map((e) => e.event), ['change', 'change', 'change']);
        assert.deepEqual(again.events.map((e) => e.id), [changes[1].cursor, changes[2].cursor, live.events[4].id]);
        assert.deepEqual(JSON.parse(again.events[2].data!).value, { tag, n: 4 });
      } finally {
        for (const r of readers) r.close();
      }
      // a limited SSE watch starts with its window; bad input is refused before the stream starts
      const limited = new SseReader(`${a.url}/data/items/events?where=${where}&orderBy=-n&limit=1`);
      try {
        await limited.until((ev) => ev.length >= 1);
        assert.deepEqual((JSON.parse(limited.events[0].data!) as QueryResult).records.map((r) => r.value), [{ tag, n: 4 }]);
      } finally {
        limited.close();
      }
      const bad = await fetch(`${a.url}/data/items/events?where=${encodeURIComponent('tag =')}`);
      assert.equal(bad.status, 400);
      assert.equal((await fetch(`${a.url}/data/nope/events`)).status, 404);
      assert.equal((await fetch(`${a.url}/data/items/events`, { headers: { 'last-event-id': 'x' } })).status, 400);
    });

    it('appends a committed change whose append failed: the repair sweep finds the record and a turn appends it, once', async function () {
      let failing = false;
      const config = loadConfig({ env: {}, overrides: { ...setup().config(), node: { id: uniqueName('faulty'), port: 0 }, log: { level: 'silent' } } });
      // the faulty node shares node a's grid client (it does not own it, so stopping it leaves a's alone)
      const faulty = await ActorGridNode.start({ config, actors: TEST_COLLECTIONS, grid: failingAppends(a.grid, () => failing), logger: new Logger('silent') });
      const client = new ActorGridClient(faulty.url, { reconnect: false });
      try {
        await client.connect();
        const tag = uniqueName('repair');
        const id = `${tag}-r1`;
        const watcher = await suite.client(b);
        const w = await query(watcher.c, { where: `tag = '${tag}'`, watch: true });
        await create(client, { id, value: { tag, n: 1 } });
        await waitFor('the create', () => watcher.inbox.changes(w.watch!).length >= 1);
        failing = true;
        assert.deepEqual(await update(client, { id, set: { n: 2 } }), { version: 2 }, 'committed; the failed append is not the caller\'s failure');
        failing = false;
        const map = a.grid.map<JsonValue>('data.items', 'json');
        const doc = (await map.get(id)) as unknown as { version: number; pending?: number };
        assert.equal(doc.version, 2);
        assert.equal(typeof doc.pending, 'number', 'the record says its change may not be appended yet');
        assert.deepEqual(await get(watcher.c, id), { id, version: 2, value: { tag, n: 2 } });
        await waitFor('the repaired change', () => watcher.inbox.changes(w.watch!).length >= 2);
        await waitFor('the pending mark dropped', async () => ((await map.get(id)) as unknown as { pending?: number }).pending === undefined);
        assert.deepEqual(await update(client, { id, set: { n: 3 } }), { version: 3 });
        await waitFor('the next change', () => watcher.inbox.changes(w.watch!).length >= 3);
        assert.deepEqual(watcher.inbox.trace(w.watch!), ['added r1@1', 'changed r1@2', 'changed r1@3']);
        assert.deepEqual(watcher.inbox.changes(w.watch!)[1].value, { tag, n: 2 });
      } finally {
        await client.close();
        await faulty.stop();
      }
    });

    it('ends watches on data.unwatch and when the connection closes', async function () {
      const n = await node('watches');
      const tag = uniqueName('unwatch');
      const id = `${tag}-r1`;
      const writer = (await client(a)).c;
      await create(writer, { id, value: { tag, n: 0 } });
      const watcher = await client(n);
      const count = () => n.data.watches.stats().get('items') ?? 0;
      assert.equal(count(), 0);
      const q = await query(watcher.c, { where: `tag = '${tag}'`, watch: true });
      const r = await watchRecord(watcher.c, id);
      const keep = await query(watcher.c, { where: `tag = '${tag}' AND n >= 0`, watch: true });
      await waitFor('three watches filed', () => count() === 3);
      await update(writer, { id, set: { n: 1 } });
      await waitFor('version 2 on each', () => [q.watch!, r.watch, keep.watch!].every((w) => watcher.inbox.changes(w).length === 1));
      assert.equal(await watcher.c.rpc('data.unwatch', { watch: q.watch }), true);
      assert.equal(await watcher.c.rpc('data.unwatch', { watch: r.watch }), true);
      assert.equal(count(), 1);
      assert.equal(await codeOf(watcher.c.rpc('data.unwatch', { watch: q.watch })), 'INVALID_ARGUMENTS', 'already ended');
      await update(writer, { id, set: { n: 2 } });
      await waitFor('version 3 on the kept watch', () => watcher.inbox.changes(keep.watch!).length === 2);
      assert.deepEqual(watcher.inbox.trace(q.watch!), ['changed r1@2']);
      assert.deepEqual(watcher.inbox.trace(r.watch), ['changed r1@2']);
      // another connection cannot end this one's watch
      const stranger = (await client(n)).c;
      assert.equal(await codeOf(stranger.rpc('data.unwatch', { watch: keep.watch })), 'INVALID_ARGUMENTS');
      assert.equal(count(), 1);
      // an SSE stream's watch ends with the stream
      const sse = new SseReader(`${n.url}/data/items/events?where=${encodeURIComponent(`tag = '${tag}'`)}`);
      try {
        await sse.until((ev) => ev.length >= 1);
        await waitFor('the SSE watch filed', () => count() === 2);
      } finally {
        sse.close();
      }
      await waitFor('the SSE watch ended', () => count() === 1);
      await watcher.c.close();
      await waitFor('no watch left', () => count() === 0);
      assert.equal(n.data.watches.stats().has('items'), false, 'the collection\'s feed ended with its last watch');
      // a new watch on the node after the feed ended works again
      const again = await client(n);
      const w = await watchRecord(again.c, id);
      await update(writer, { id, set: { n: 3 } });
      await waitFor('the change after a new feed', () => again.inbox.changes(w.watch).length === 1);
      assert.deepEqual(again.inbox.trace(w.watch), ['changed r1@4']);
    });
  });
}
