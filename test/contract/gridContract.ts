import { strict as assert } from 'node:assert';
import type { EntryEvent, Grid, JsonValue } from '../../src/grid';
import { LockNotOwnedError, P } from '../../src/grid';
import { NodeRegistry } from '../../src/cluster';
import { uniqueName, waitFor } from '../support/waitFor';

/** How the contract suite gets grid clients: each call is a new client (a new "node") on one grid. */
export interface GridFixture {
  connect(): Promise<Grid>;
}

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

/**
 * The Grid port's contract: one suite, run against every adapter. Each client made by `connect()`
 * stands for one node; they share the same grid.
 */
export function gridContract(adapter: string, fixture: () => GridFixture): void {
  describe(`Grid contract: ${adapter}`, function () {
    let a: Grid;
    let b: Grid;
    const extra: Grid[] = [];

    before(async function () {
      a = await fixture().connect();
      b = await fixture().connect();
    });

    after(async function () {
      await Promise.allSettled([a, b, ...extra].filter(Boolean).map((g) => g.shutdown()));
    });

    describe('maps', function () {
      it('gets, sets and deletes binary values byte for byte', async function () {
        const map = a.map(uniqueName('m'));
        assert.equal(await map.get('k'), undefined);
        await map.set('k', Buffer.from([0, 1, 2, 255]));
        const read = await b.map(map.name).get('k');
        assert.ok(Buffer.isBuffer(read));
        assert.deepEqual([...read], [0, 1, 2, 255]);
        await b.map(map.name).delete('k');
        assert.equal(await map.get('k'), undefined);
      });

      it('round-trips JSON values', async function () {
        const name = uniqueName('j');
        const value = { n: 1.5, s: 'x', nested: { list: [1, 'two', null], t: true } };
        await a.map<JsonValue>(name, 'json').set('k', value);
        assert.deepEqual(await b.map<JsonValue>(name, 'json').get('k'), value);
      });

      it('expires entries set with a ttl', async function () {
        const map = a.map(uniqueName('ttl'));
        // Hazelcast keeps expiry times with second precision: a TTL below ~1 s may expire at once.
        await map.set('short', buf('x'), 2000);
        await map.set('long', buf('y'));
        assert.ok(await map.get('short'), 'present before its ttl');
        await waitFor('the entry to expire', async () => (await map.get('short')) === undefined, 10000);
        assert.deepEqual(await map.get('long'), buf('y'));
      });

      it('putIfAbsent stores only when absent and returns the existing value', async function () {
        const name = uniqueName('pia');
        assert.equal(await a.map(name).putIfAbsent('k', buf('first')), undefined);
        assert.deepEqual(await b.map(name).putIfAbsent('k', buf('second')), buf('first'));
        assert.deepEqual(await a.map(name).get('k'), buf('first'));
      });

      it('replaceIfSame replaces only on the exact old value', async function () {
        const map = a.map(uniqueName('cas'));
        assert.equal(await map.replaceIfSame('k', buf('v1'), buf('v2')), false, 'absent key');
        await map.set('k', buf('v1'));
        assert.equal(await map.replaceIfSame('k', buf('v1 '), buf('v2')), false, 'different bytes');
        assert.equal(await b.map(map.name).replaceIfSame('k', buf('v1'), buf('v2')), true);
        assert.equal(await map.replaceIfSame('k', buf('v1'), buf('v3')), false, 'stale old value');
        assert.deepEqual(await map.get('k'), buf('v2'));
      });

      it('replaceIfSame on JSON values compares the serialized value', async function () {
        const map = a.map<JsonValue>(uniqueName('jcas'), 'json');
        await map.set('k', { v: 1, s: 'a' });
        assert.equal(await map.replaceIfSame('k', { v: 2, s: 'a' }, { v: 3, s: 'a' }), false);
        assert.equal(await map.replaceIfSame('k', { v: 1, s: 'a' }, { v: 3, s: 'a' }), true);
        assert.deepEqual(await map.get('k'), { v: 3, s: 'a' });
      });

      it('lists values and entries matching predicates', async function () {
        const map = a.map<JsonValue>(uniqueName('q'), 'json');
        const rows: Record<string, JsonValue> = {
          r1: { status: 'open', total: 50, name: 'alpha', owner: { city: 'Oslo' } },
          r2: { status: 'open', total: 150, name: 'beta', owner: { city: 'Rome' } },
          r3: { status: 'closed', total: 500, name: 'gamma', owner: { city: 'Oslo' } },
          r4: { status: 'void', total: 5, name: 'alphabet', owner: { city: 'Lima' } },
        };
        for (const [k, v] of Object.entries(rows)) await map.set(k, v);
        const keys = async (p?: Parameters<typeof map.entries>[0]): Promise<string[]> =>
          (await b.map<JsonValue>(map.name, 'json').entries(p)).map(([k]) => k).sort();
        assert.deepEqual(await keys(), ['r1', 'r2', 'r3', 'r4']);
        assert.deepEqual(await keys(P.eq('status', 'open')), ['r1', 'r2']);
        assert.deepEqual(await keys(P.gt('total', 100)), ['r2', 'r3']);
        assert.deepEqual(await keys(P.lte('total', 50)), ['r1', 'r4']);
        assert.deepEqual(await keys(P.in('status', ['closed', 'void'])), ['r3', 'r4']);
        assert.deepEqual(await keys(P.like('name', 'alpha%')), ['r1', 'r4']);
        assert.deepEqual(await keys(P.eq('owner.city', 'Oslo')), ['r1', 'r3']);
        assert.deepEqual(await keys(P.and(P.eq('status', 'open'), P.not(P.eq('owner.city', 'Oslo')))), ['r2']);
        assert.deepEqual(await keys(P.or(P.eq('name', 'gamma'), P.lt('total', 10))), ['r3', 'r4']);
        assert.deepEqual(await keys(P.ne('status', 'open')), ['r3', 'r4']);
        const values = await map.values(P.eq('name', 'beta'));
        assert.deepEqual(values, [rows.r2]);
      });

      it('returns at most `limit` matching entries, in key order (a page)', async function () {
        const map = a.map<JsonValue>(uniqueName('page'), 'json');
        await map.addIndex('due', 'sorted');
        for (let i = 0; i < 30; i++) await map.set(`k${String(i).padStart(2, '0')}`, { due: i, claim: 0 });
        const page = await b.map<JsonValue>(map.name, 'json').entries(P.and(P.lte('due', 19), P.lte('claim', 0)), 5);
        assert.deepEqual(page.map(([k]) => k), ['k00', 'k01', 'k02', 'k03', 'k04']);
        assert.equal((await map.entries(P.gte('due', 28), 5)).length, 2);
        assert.equal((await map.entries(undefined, 7)).length, 7);
      });
    });

    describe('locks', function () {
      it('excludes a second client until the first unlocks', async function () {
        const name = uniqueName('lock');
        await a.map(name).lock('k', 30000);
        assert.equal(await b.map(name).tryLock('k', 0, 30000), false);
        assert.equal(await b.map(name).isLocked('k'), true);
        await a.map(name).unlock('k');
        assert.equal(await b.map(name).tryLock('k', 0, 30000), true);
        assert.equal(await a.map(name).tryLock('k', 0, 30000), false);
        await b.map(name).unlock('k');
        assert.equal(await a.map(name).isLocked('k'), false);
      });

      it('belongs to the client instance: two concurrent lock() calls from one client both succeed', async function () {
        const map = a.map(uniqueName('own'));
        await Promise.all([map.lock('k', 30000), map.lock('k', 30000)]);
        assert.equal(await b.map(map.name).tryLock('k', 0, 30000), false);
        await map.unlock('k');
        assert.equal(await map.isLocked('k'), true, 'reentrant: one unlock per lock');
        await map.unlock('k');
        assert.equal(await map.isLocked('k'), false);
      });

      it('tryLock waits for a release', async function () {
        const name = uniqueName('wait');
        await a.map(name).lock('k', 30000);
        const waiting = b.map(name).tryLock('k', 20000, 30000);
        await a.map(name).get('k'); // a round trip while b waits
        await a.map(name).unlock('k');
        assert.equal(await waiting, true);
        await b.map(name).unlock('k');
      });

      it('tryLock gives up after its wait time', async function () {
        const name = uniqueName('timeout');
        await a.map(name).lock('k', 30000);
        const started = Date.now();
        assert.equal(await b.map(name).tryLock('k', 300, 30000), false);
        assert.ok(Date.now() - started >= 250, 'it waited before giving up');
        await a.map(name).unlock('k');
      });

      it('releases a lock when its lease expires', async function () {
        const name = uniqueName('lease');
        await a.map(name).lock('k', 500);
        assert.equal(await b.map(name).tryLock('k', 0, 30000), false);
        assert.equal(await b.map(name).tryLock('k', 15000, 30000), true, 'acquired once the lease ran out');
        await assert.rejects(a.map(name).unlock('k'), LockNotOwnedError, 'the old owner no longer holds it');
        await b.map(name).unlock('k');
      });

      it('forceUnlock releases a lock held by another client', async function () {
        const name = uniqueName('force');
        await a.map(name).lock('k', 30000);
        await b.map(name).forceUnlock('k');
        assert.equal(await b.map(name).tryLock('k', 0, 30000), true);
        await b.map(name).unlock('k');
      });

      it('rejects unlock by a client that does not hold the lock', async function () {
        const name = uniqueName('notowner');
        await assert.rejects(a.map(name).unlock('k'), LockNotOwnedError);
        await a.map(name).lock('k', 30000);
        await assert.rejects(b.map(name).unlock('k'), LockNotOwnedError);
        assert.equal(await a.map(name).isLocked('k'), true);
        await a.map(name).unlock('k');
      });

      it('makes writes from other clients wait for the lock', async function () {
        const name = uniqueName('wlock');
        await a.map(name).set('k', buf('v0'));
        await a.map(name).lock('k', 30000);
        await a.map(name).set('k', buf('v1')); // the owner writes freely
        let done = false;
        const write = b.map(name).set('k', buf('v2')).then(() => (done = true));
        for (let i = 0; i < 5; i++) await a.map(name).isLocked('k');
        assert.equal(done, false, "b's write waited");
        assert.deepEqual(await a.map(name).get('k'), buf('v1'));
        await a.map(name).unlock('k');
        await write;
        assert.deepEqual(await a.map(name).get('k'), buf('v2'));
      });

      it('releases the locks of a client that shuts down', async function () {
        const name = uniqueName('gone');
        const c = await fixture().connect();
        extra.push(c);
        await c.map(name).lock('k', 60000);
        assert.equal(await a.map(name).isLocked('k'), true);
        await c.shutdown();
        await waitFor('the departed client\'s lock to be released', async () => !(await a.map(name).isLocked('k')), 30000);
      });
    });

    describe('entry listeners', function () {
      it('deliver added, updated and removed events with values', async function () {
        const name = uniqueName('ev');
        const events: Array<EntryEvent<Buffer>> = [];
        const stop = await b.map(name).listen((e) => events.push(e));
        await a.map(name).set('k', buf('1'));
        await a.map(name).set('k', buf('2'));
        await a.map(name).delete('k');
        await waitFor('three events', () => events.length >= 3);
        assert.deepEqual(
          events.map((e) => [e.type, e.key, e.value?.toString(), e.oldValue?.toString()]),
          [
            ['added', 'k', '1', undefined],
            ['updated', 'k', '2', '1'],
            ['removed', 'k', undefined, '2'],
          ],
        );
        await stop();
        await a.map(name).set('k', buf('3'));
        await a.map(name).set('marker', buf('m'));
        const after = await b.map(name).get('marker');
        assert.ok(after);
        // give any stray event the same chance to arrive as the ones above had
        const stop2 = await b.map(name).listen(() => undefined);
        await stop2();
        assert.equal(events.length, 3, 'no events after removal');
      });

      it('filter events by predicate and by key', async function () {
        const name = uniqueName('evp');
        const open: Array<EntryEvent<JsonValue>> = [];
        const onlyK2: Array<EntryEvent<JsonValue>> = [];
        const map = a.map<JsonValue>(name, 'json');
        const stop1 = await b.map<JsonValue>(name, 'json').listen((e) => open.push(e), { predicate: P.eq('status', 'open') });
        const stop2 = await b.map<JsonValue>(name, 'json').listen((e) => onlyK2.push(e), { key: 'k2', includeValue: false });
        await map.set('k1', { status: 'open', n: 1 });
        await map.set('k2', { status: 'closed', n: 2 });
        await map.set('k3', { status: 'open', n: 3 });
        await map.delete('k3');
        await waitFor('filtered events', () => open.length >= 3 && onlyK2.length >= 1);
        assert.deepEqual(
          open.map((e) => [e.type, e.key]),
          [
            ['added', 'k1'],
            ['added', 'k3'],
            ['removed', 'k3'],
          ],
        );
        assert.deepEqual(open[0].value, { status: 'open', n: 1 });
        assert.deepEqual(onlyK2.map((e) => [e.type, e.key, e.value]), [['added', 'k2', undefined]]);
        await stop1();
        await stop2();
      });
    });

    describe('streams', function () {
      it('appends in order and reads from any retained sequence', async function () {
        const s = a.stream(uniqueName('s'));
        assert.equal(await s.tail(), -1);
        assert.equal(await s.head(), 0);
        const seqs: number[] = [];
        for (let i = 0; i < 5; i++) seqs.push(await s.append(buf(`m${i}`)));
        assert.deepEqual(seqs, [0, 1, 2, 3, 4]);
        const other = b.stream(s.name);
        const all = await other.read(0, 100);
        assert.deepEqual(all.items.map((i) => [i.seq, i.value.toString()]), [[0, 'm0'], [1, 'm1'], [2, 'm2'], [3, 'm3'], [4, 'm4']]);
        assert.equal(all.next, 5);
        assert.equal(all.lost, undefined);
        const part = await other.read(3, 1);
        assert.deepEqual(part.items.map((i) => i.seq), [3]);
        assert.equal(part.next, 4);
        assert.equal(await other.tail(), 4);
      });

      it('appends several items in order in one call, after what is there, and gives the last sequence', async function () {
        const s = a.stream(uniqueName('sa'));
        await s.append(buf('before'));
        assert.equal(await s.appendAll([buf('x'), buf('y'), buf('z')]), 3);
        const all = await b.stream(s.name).read(0, 100);
        assert.deepEqual(all.items.map((i) => [i.seq, i.value.toString()]), [[0, 'before'], [1, 'x'], [2, 'y'], [3, 'z']]);
      });

      it('waits for the next item when asked to', async function () {
        const s = a.stream(uniqueName('sw'));
        await s.append(buf('first'));
        const reading = b.stream(s.name).read(1, 10, 20000);
        await s.tail(); // a round trip while b waits
        await s.append(buf('second'));
        const r = await reading;
        assert.deepEqual(r.items.map((i) => [i.seq, i.value.toString()]), [[1, 'second']]);
        assert.equal(r.next, 2);
      });

      it('returns nothing when the wait runs out', async function () {
        const s = a.stream(uniqueName('se'));
        const r = await s.read(0, 10, 200);
        assert.deepEqual(r.items, []);
        assert.equal(r.next, 0);
        assert.equal(r.lost, undefined);
      });

      it('overwrites the oldest items at capacity and reports what a reader missed', async function () {
        const s = a.stream(uniqueName('cap'), { capacity: 10 });
        assert.equal(s.capacity, 16, 'capacity rounds up to a tier');
        for (let i = 0; i < 20; i++) await s.append(buf(`m${i}`));
        assert.equal(await s.head(), 4);
        assert.equal(await s.tail(), 19);
        const r = await b.stream(s.name, { capacity: 10 }).read(1, 100);
        assert.deepEqual(r.lost, { from: 1, to: 3 });
        assert.deepEqual(r.items.map((i) => i.seq), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
        assert.equal(r.items[0].value.toString(), 'm4');
        assert.equal(r.next, 20);
      });

      it('refuses to read past the tail + 1', async function () {
        const s = a.stream(uniqueName('past'));
        await s.append(buf('x'));
        await assert.rejects(s.read(5, 10), /cannot read/);
      });
    });

    describe('membership and node registry', function () {
      it('lists the grid members', async function () {
        const members = await a.members();
        assert.ok(members.length >= 1);
        for (const m of members) assert.match(m.address, /^(embedded|127\.0\.0\.1:\d+)$/);
      });

      it('lists registered nodes and drops the ones whose heartbeats stop', async function () {
        const mapName = uniqueName('nodes');
        // A ttl of 30 heartbeats: a live node's entry must survive event-loop stalls of a loaded CI machine.
        const ra = new NodeRegistry(a, { mapName, heartbeatMs: 100, ttlMs: 3000 });
        const rb = new NodeRegistry(b, { mapName, heartbeatMs: 100, ttlMs: 3000 });
        const info = (id: string) => () => ({ id, url: `http://127.0.0.1/${id}`, startedAt: id === 'na' ? 1 : 2, load: 0 });
        await ra.start(info('na'));
        await rb.start(info('nb'));
        try {
          assert.deepEqual((await ra.list()).map((n) => n.id), ['na', 'nb']);
          // b's heartbeats stop without removing its entry: a crash
          await rb['heartbeat'](info('nb')());
          clearInterval(rb['timer']);
          await waitFor('the silent node to expire', async () => (await ra.list()).length === 1, 15000);
          // a, still beating, outlives several ttl periods
          assert.deepEqual((await rb.list()).map((n) => n.id), ['na']);
        } finally {
          await ra.stop();
        }
        assert.deepEqual(await rb.list(), []);
      });
    });
  });
}
