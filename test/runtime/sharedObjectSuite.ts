import { strict as assert } from 'node:assert';
import { Packr } from 'msgpackr';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient } from '../../src/client';
import type { Config, DeepPartial } from '../../src/config';
import { ActorGridError } from '../../src/errors';
import { GuardedObjects, Scribe, SmallObjects, TinyObjects } from '../fixtures/testSharedObjects';
import { codeOf } from '../support/codeOf';
import { RawWsClient } from '../support/RawWsClient';
import { SseReader } from '../support/sse';
import { SuiteNodes, type GridSetup } from '../support/suiteNodes';
import { applySyncs, SyncInbox, type SyncParams } from '../support/syncInbox';
import { tcpSocketOf } from '../support/slowReader';
import { uniqueName, waitFor } from '../support/waitFor';

interface Snapshot {
  version: number;
  slots: Record<string, unknown>;
}

interface Subscribed {
  subscription: string;
  version: number;
  slots?: Record<string, unknown>;
  reset?: boolean;
}

/** What a sync carries besides its subscription and name: the version and exactly its delta. */
function delta(s: SyncParams): Record<string, unknown> {
  return { version: s.version, ...(s.set ? { set: s.set } : {}), ...(s.delete ? { delete: s.delete } : {}), ...(s.reset ? { reset: true } : {}) };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Shared objects across three nodes on one grid: syncs in version order with exact deltas, atomic
 * versions under concurrent updates, per-slot ifVersion conflicts, resume by version and reset
 * snapshots, slow subscribers, HTTP (ETag, If-Match, Idempotency-Key, SSE), bad input, updates
 * from actors.
 */
export function sharedObjectSuite(setup: () => GridSetup): void {
  describe('Shared objects across 3 nodes', function () {
    this.timeout(120000);
    const suite = new SuiteNodes(setup, {
      defaults: { sharedObjects: { names: ['obj.*'] } },
      classes: { actors: [Scribe], sharedObjects: [TinyObjects, SmallObjects, GuardedObjects] },
      inbox: (c) => new SyncInbox(c),
    });
    const node = (id: string, extra?: DeepPartial<Config>) => suite.node(id, extra);
    const client = (n: ActorGridNode, encoding?: 'json' | 'msgpack') => suite.client(n, encoding);

    const subscribe = (c: ActorGridClient, params: Record<string, unknown>) => c.rpc<Subscribed>('sharedObject.subscribe', params);
    const update = (c: ActorGridClient, params: Record<string, unknown>) => c.rpc<{ version: number }>('sharedObject.update', params);
    const get = (c: ActorGridClient, name: string) => c.rpc<Snapshot>('sharedObject.get', { name });

    let a: ActorGridNode, b: ActorGridNode, c3: ActorGridNode;
    before(async () => ([a, b, c3] = await suite.start(['a', 'b', 'c'])));
    after(() => suite.close());

    it('syncs every version, in order and with exactly its delta, to JSON and msgpack subscribers on other nodes', async function () {
      const name = uniqueName('obj.order');
      const writer = await client(a);
      const onB = await client(b);
      const onC = await client(c3, 'msgpack');
      assert.deepEqual(await get(writer.c, name), { version: 0, slots: {} }, 'never updated: version 0, no slots');
      const subB = await subscribe(onB.c, { name });
      const subC = await subscribe(onC.c, { name });
      for (const sub of [subB, subC]) {
        assert.equal(typeof sub.subscription, 'string');
        assert.deepEqual({ version: sub.version, slots: sub.slots, reset: sub.reset }, { version: 0, slots: {}, reset: undefined });
      }
      const expected: Array<Record<string, unknown>> = [];
      for (let i = 1; i <= 30; i++) {
        const change: Record<string, unknown> =
          i % 5 === 0 ? { delete: [`s${i - 2}`] } : i % 3 === 0 ? { set: { [`s${i}`]: { i, list: [i, 'x'] }, title: `t${i}` } } : { set: { [`s${i}`]: i } };
        const { version } = await update(writer.c, { name, ...change });
        assert.equal(version, i, 'each update makes the next version');
        expected.push({ version: i, ...change });
      }
      for (const [inbox, sub, what] of [[onB.inbox, subB, 'json on b'], [onC.inbox, subC, 'msgpack on c']] as const) {
        await waitFor(`30 syncs (${what}) on ${suite.gridName}`, () => inbox.of(sub.subscription).length >= 30);
        const got = inbox.of(sub.subscription);
        assert.deepEqual(got.map(delta), expected, what);
        assert.ok(got.every((s) => s.name === name), 'each sync names its object');
      }
      const final = await get(onB.c, name);
      assert.equal(final.version, 30);
      assert.deepEqual(applySyncs({}, onB.inbox.of(subB.subscription)), final.slots, 'the deltas add up to the snapshot');
      const late = await subscribe(onC.c, { name });
      assert.deepEqual({ version: late.version, slots: late.slots }, final, 'a new subscriber gets the snapshot');
    });

    it('gives a subscriber that joins during concurrent updates a snapshot and then every later version once', async function () {
      const name = uniqueName('obj.join');
      const writer = await client(a);
      const sub = await client(b);
      const total = 60;
      let subscribed: Subscribed | undefined;
      let resumed: Subscribed | undefined;
      const writing = (async () => {
        for (let i = 1; i <= total; i++) await update(writer.c, { name, set: { [`k${i % 7}`]: i } });
      })();
      await waitFor('some versions', async () => (await get(sub.c, name)).version >= 10);
      subscribed = await subscribe(sub.c, { name });
      resumed = await subscribe(sub.c, { name, since: 5 });
      await writing;
      // Under load the writer may finish before the subscribe: then the snapshot is at the last version already.
      await waitFor('every version', () => Math.max(subscribed!.version, sub.inbox.last(subscribed!.subscription)) >= total && sub.inbox.last(resumed!.subscription) >= total);
      assert.ok(subscribed.version >= 10 && subscribed.slots, `a snapshot (version ${subscribed.version})`);
      assert.deepEqual(sub.inbox.trace(subscribed.subscription), range(subscribed.version + 1, total).map((v) => `v${v}`));
      assert.deepEqual(sub.inbox.trace(resumed.subscription), range(6, total).map((v) => `v${v}`));
      const final = await get(sub.c, name);
      assert.deepEqual(applySyncs(subscribed.slots, sub.inbox.of(subscribed.subscription)), final.slots);
    });

    it('stops syncing on unsubscribe and when the connection closes', async function () {
      const name = uniqueName('obj.unsub');
      const writer = await client(a);
      const sub = await client(b);
      const first = await subscribe(sub.c, { name });
      const second = await subscribe(sub.c, { name });
      await update(writer.c, { name, set: { a: 1 } });
      await waitFor('version 1 on both', () => sub.inbox.last(first.subscription) === 1 && sub.inbox.last(second.subscription) === 1);
      assert.equal(await sub.c.rpc('sharedObject.unsubscribe', { subscription: first.subscription }), true);
      await update(writer.c, { name, set: { a: 2 } });
      await waitFor('version 2 on the other', () => sub.inbox.last(second.subscription) === 2);
      assert.deepEqual(sub.inbox.trace(first.subscription), ['v1']);
      assert.equal(await codeOf(sub.c.rpc('sharedObject.unsubscribe', { subscription: first.subscription })), 'INVALID_ARGUMENTS');
      assert.equal(b.sharedObjects.feeds().get(name), 1, 'one subscription left on b');
      await sub.c.close();
      // the feed itself goes once its pending stream read returns; its subscriptions go at once
      await waitFor('no subscription left on b', () => (b.sharedObjects.feeds().get(name) ?? 0) === 0);
    });

    it('commits concurrent updates to different slots from three nodes as distinct consecutive versions', async function () {
      const name = uniqueName('obj.concurrent');
      const watcher = await client(b);
      const sub = await subscribe(watcher.c, { name });
      const writers = await Promise.all([client(a), client(b), client(c3)]);
      const perWriter = 8;
      const results = await Promise.all(
        writers.flatMap((w, k) => range(1, perWriter).map(async (i) => ({ slot: `w${k}.${i}`, ...(await update(w.c, { name, set: { [`w${k}.${i}`]: i } })) }))),
      );
      const total = writers.length * perWriter;
      assert.deepEqual(results.map((r) => r.version).sort((x, y) => x - y), range(1, total), 'versions 1..N, each once');
      const snapshot = await get(watcher.c, name);
      assert.equal(snapshot.version, total);
      assert.deepEqual(Object.keys(snapshot.slots).sort(), results.map((r) => r.slot).sort(), 'every slot is there');
      await waitFor('every version synced', () => watcher.inbox.of(sub.subscription).length >= total);
      const syncs = watcher.inbox.of(sub.subscription);
      assert.deepEqual(syncs.map((s) => s.version), range(1, total));
      // each version carries the slot of the update that made it
      const slotOf = new Map(results.map((r) => [r.version, r.slot]));
      assert.deepEqual(syncs.map((s) => Object.keys(s.set ?? {})), syncs.map((s) => [slotOf.get(s.version)]));
    });

    it('lets exactly one of three concurrent updates of one slot with the same ifVersion win; the others conflict and change nothing', async function () {
      const name = uniqueName('obj.race');
      const writers = await Promise.all([client(a), client(b), client(c3)]);
      const base = (await update(writers[0].c, { name, set: { x: 'start', other: 1 } })).version;
      const outcomes = await Promise.allSettled(writers.map((w, k) => update(w.c, { name, set: { x: `from${k}` }, ifVersion: base })));
      const won = outcomes.flatMap((o, k) => (o.status === 'fulfilled' ? [{ k, version: o.value.version }] : []));
      assert.equal(won.length, 1, `exactly one wins: ${JSON.stringify(outcomes)}`);
      assert.equal(won[0].version, base + 1);
      for (const o of outcomes) {
        if (o.status === 'fulfilled') continue;
        const err = o.reason as ActorGridError;
        assert.ok(err instanceof ActorGridError, String(err));
        assert.equal(err.code, 'VERSION_CONFLICT');
        assert.deepEqual(err.data, { version: base + 1, slots: { x: `from${won[0].k}` } });
      }
      const after = await get(writers[1].c, name);
      assert.deepEqual(after, { version: base + 1, slots: { x: `from${won[0].k}`, other: 1 } }, 'refused updates changed nothing');
      // a stale ifVersion conflicts only on the slots that changed after it
      assert.equal((await update(writers[2].c, { name, set: { other: 2 }, ifVersion: base })).version, base + 2);
      // a deleted slot conflicts with its current value null
      assert.equal((await update(writers[0].c, { name, delete: ['x'], ifVersion: base + 2 })).version, base + 3);
      const stale = await update(writers[1].c, { name, set: { x: 'late', y: 1 }, ifVersion: base + 1 }).catch((e: ActorGridError) => e);
      assert.ok(stale instanceof ActorGridError);
      assert.equal(stale.code, 'VERSION_CONFLICT');
      assert.deepEqual(stale.data, { version: base + 3, slots: { x: null } });
      assert.deepEqual(await get(writers[2].c, name), { version: base + 3, slots: { other: 2 } }, 'the refused update set nothing');
      // one idempotency key sent from three nodes at once applies once; all get its version
      const idempotencyKey = uniqueName('once');
      const repeats = await Promise.all(writers.map((w, k) => update(w.c, { name, set: { once: k }, idempotencyKey })));
      assert.deepEqual(repeats.map((r) => r.version), [base + 4, base + 4, base + 4]);
      assert.equal((await get(writers[0].c, name)).version, base + 4);
    });

    it('resumes with `since` on another node: exactly the versions after it, no reset; nothing when already current', async function () {
      const name = uniqueName('obj.resume');
      const writer = await client(a);
      for (let i = 1; i <= 10; i++) await update(writer.c, { name, set: { [`k${i % 4}`]: i } });
      const sub = await client(b);
      const resumed = await subscribe(sub.c, { name, since: 4 });
      assert.deepEqual({ version: resumed.version, slots: resumed.slots, reset: resumed.reset }, { version: 4, slots: undefined, reset: undefined });
      const current = await subscribe(sub.c, { name, since: 10 });
      assert.deepEqual({ version: current.version, slots: current.slots, reset: current.reset }, { version: 10, slots: undefined, reset: undefined });
      await waitFor('versions 5..10', () => sub.inbox.of(resumed.subscription).length >= 6);
      assert.equal((await update(writer.c, { name, set: { live: true } })).version, 11);
      await waitFor('the live version', () => sub.inbox.last(resumed.subscription) >= 11 && sub.inbox.last(current.subscription) >= 11);
      assert.deepEqual(sub.inbox.trace(resumed.subscription), range(5, 11).map((v) => `v${v}`));
      assert.deepEqual(sub.inbox.of(resumed.subscription).slice(0, 6).map((s) => s.set), range(5, 10).map((i) => ({ [`k${i % 4}`]: i })));
      assert.deepEqual(sub.inbox.trace(current.subscription), ['v11'], 'nothing replayed for since = current');
      // since 0 replays from the first version while it is retained
      const fromZero = await subscribe(sub.c, { name, since: 0 });
      assert.equal(fromZero.version, 0);
      await waitFor('versions 1..11', () => sub.inbox.of(fromZero.subscription).length >= 11);
      assert.deepEqual(applySyncs({}, sub.inbox.of(fromZero.subscription)), (await get(sub.c, name)).slots);
    });

    it('answers a resume past retention with a snapshot and reset: true, then live syncs', async function () {
      const name = uniqueName('tiny.resume');
      const writer = await client(a);
      for (let i = 1; i <= 20; i++) await update(writer.c, { name, set: { [`k${i % 3}`]: i } });
      const sub = await client(c3, 'msgpack');
      const resumed = await subscribe(sub.c, { name, since: 1 });
      const snapshot = await get(writer.c, name);
      assert.deepEqual(resumed.reset, true);
      assert.deepEqual({ version: resumed.version, slots: resumed.slots }, snapshot);
      assert.equal(snapshot.version, 20);
      // the stream holds the last 16 versions (5..20): since 4 still gets deltas, since 3 a snapshot
      const within = await subscribe(sub.c, { name, since: 4 });
      assert.deepEqual({ version: within.version, slots: within.slots, reset: within.reset }, { version: 4, slots: undefined, reset: undefined });
      const justPast = await subscribe(sub.c, { name, since: 3 });
      assert.deepEqual({ version: justPast.version, slots: justPast.slots, reset: justPast.reset }, { ...snapshot, reset: true });
      await update(writer.c, { name, delete: ['k0'] });
      await waitFor('the live version', () => sub.inbox.last(resumed.subscription) >= 21 && sub.inbox.last(within.subscription) >= 21);
      assert.deepEqual(sub.inbox.of(resumed.subscription).map(delta), [{ version: 21, delete: ['k0'] }]);
      assert.deepEqual(sub.inbox.trace(within.subscription), range(5, 21).map((v) => `v${v}`));
      await waitFor('the live version after the snapshot', () => sub.inbox.last(justPast.subscription) >= 21);
      assert.deepEqual(sub.inbox.trace(justPast.subscription), ['v21']);
    });

    it('gives a slow subscriber one reset snapshot instead of a silent gap, then consecutive versions', async function () {
      const slowNode = await node('slow', { sharedObjects: { maxBufferedBytes: 1024 } });
      const name = uniqueName('obj.slow');
      const fast = await client(slowNode);
      const slow = await client(slowNode);
      const fastSub = await subscribe(fast.c, { name });
      const slowSub = await subscribe(slow.c, { name });
      const socket = tcpSocketOf(slow.c);
      socket.pause();
      try {
        const writer = await client(a);
        // enough to fill the loopback socket buffers (several MB), so that the node's send buffer grows
        const big = 'x'.repeat(60000);
        const n = 200;
        for (let i = 1; i <= n; i++) await update(writer.c, { name, set: { big: `${i}${big}`, [`s${i % 5}`]: i } });
        // a small object again, so that the reset snapshot does not fill the buffer itself
        await update(writer.c, { name, delete: ['big'] });
        await waitFor('the fast subscriber to get all', () => fast.inbox.last(fastSub.subscription) >= n + 1, 60000);
        assert.deepEqual(fast.inbox.trace(fastSub.subscription), range(1, n + 1).map((v) => `v${v}`));
        socket.resume();
        // a change once the slow one has drained, so that its pending reset is sent
        await waitFor('the reset', async () => {
          await update(writer.c, { name, set: { tick: Date.now() } });
          return slow.inbox.of(slowSub.subscription).some((s) => s.reset);
        }, 30000, 200);
        const marker = (await update(writer.c, { name, set: { marker: true } })).version;
        await waitFor('the marker', () => slow.inbox.last(slowSub.subscription) >= marker);
      } finally {
        socket.resume();
      }
      const syncs = slow.inbox.of(slowSub.subscription);
      const trace = slow.inbox.trace(slowSub.subscription).join(' ');
      const resets = syncs.filter((s) => s.reset);
      assert.equal(resets.length, 1, `one reset: ${trace}`);
      assert.ok(syncs.length < fast.inbox.of(fastSub.subscription).length, `the slow subscriber skipped some: ${trace}`);
      syncs.forEach((s, i) => {
        if (s.reset) assert.ok(i === 0 || s.version > syncs[i - 1].version, `a reset moves forward: ${trace}`);
        else assert.equal(s.version, i === 0 ? 1 : syncs[i - 1].version + 1, `consecutive versions besides the reset: ${trace}`);
      });
      assert.equal(Object.keys(resets[0]).sort().join(), 'name,reset,set,subscription,version');
      // the reset holds every slot at its version, as the fast subscriber saw it
      const fastSyncs = fast.inbox.of(fastSub.subscription);
      assert.deepEqual(resets[0].set, applySyncs({}, fastSyncs.filter((s) => s.version <= resets[0].version)));
      assert.deepEqual(applySyncs({}, syncs), (await get(slow.c, name)).slots, 'the slow subscriber ends with every slot');
    });

    it('serves GET with ETag and 304, PATCH with If-Match (412 when stale) and Idempotency-Key', async function () {
      const name = uniqueName('obj.http');
      const url = `${a.url}/shared/${encodeURIComponent(name)}`;
      const patch = (body: unknown, headers: Record<string, string> = {}, at = url) =>
        fetch(at, { method: 'PATCH', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      const fresh = await fetch(url);
      assert.equal(fresh.status, 200);
      assert.equal(fresh.headers.get('etag'), '"0"');
      assert.deepEqual(await fresh.json(), { version: 0, slots: {} });
      const first = await patch({ set: { a: 1, b: 'two' } });
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('etag'), '"1"');
      assert.deepEqual(await first.json(), { version: 1 });
      const cached = await fetch(url, { headers: { 'if-none-match': '"1"' } });
      assert.equal(cached.status, 304);
      assert.equal(cached.headers.get('etag'), '"1"');
      // weak comparison, lists and * (RFC 9110): a proxy that compresses turns "1" into W/"1"
      for (const tag of ['W/"1"', '"0", "1"', '*']) assert.equal((await fetch(url, { headers: { 'if-none-match': tag } })).status, 304, tag);
      const changed = await fetch(`${b.url}/shared/${encodeURIComponent(name)}`, { headers: { 'if-none-match': '"0"' } });
      assert.equal(changed.status, 200);
      assert.deepEqual(await changed.json(), { version: 1, slots: { a: 1, b: 'two' } });
      const stale = await patch({ set: { a: 2 } }, { 'if-match': '"0"' });
      assert.equal(stale.status, 412);
      const staleBody = (await stale.json()) as { error: { code: string; data: unknown } };
      assert.equal(staleBody.error.code, 'VERSION_CONFLICT');
      assert.deepEqual(staleBody.error.data, { version: 1, slots: { a: 1 } });
      const current = await patch({ set: { a: 2 }, delete: ['b'] }, { 'if-match': '"1"' });
      assert.equal(current.status, 200);
      assert.equal(current.headers.get('etag'), '"2"');
      // an Idempotency-Key applies once, whichever node the repeat reaches
      const key = uniqueName('key');
      const once = await patch({ set: { n: 1 } }, { 'idempotency-key': key });
      assert.deepEqual(await once.json(), { version: 3 });
      const again = await patch({ set: { n: 1 } }, { 'idempotency-key': key }, `${c3.url}/shared/${encodeURIComponent(name)}`);
      assert.equal(again.status, 200);
      assert.deepEqual(await again.json(), { version: 3 });
      const last = await fetch(url);
      assert.equal(last.headers.get('etag'), '"3"');
      assert.deepEqual(await last.json(), { version: 3, slots: { a: 2, n: 1 } });
      const unknown = await fetch(`${a.url}/shared/nope.x`);
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'UNKNOWN_SHARED_OBJECT');
      const badBody = await patch({ set: { a: 1 }, ifVersion: 0 });
      assert.equal(badBody.status, 400);
      assert.equal(((await badBody.json()) as { error: { code: string } }).error.code, 'INVALID_ARGUMENTS');
      assert.equal((await patch({ set: { a: 1 } }, { 'if-match': 'yesterday' })).status, 400);
      assert.equal((await fetch(url)).headers.get('etag'), '"3"', 'refused PATCHes changed nothing');
    });

    it('streams Server-Sent Events: a snapshot, then syncs with id = version; Last-Event-ID resumes', async function () {
      const name = uniqueName('obj.sse');
      const writer = await client(a);
      await update(writer.c, { name, set: { a: 1 } });
      const live = new SseReader(`${b.url}/shared/${encodeURIComponent(name)}/events`);
      const resumed: SseReader[] = [];
      try {
        await live.until((ev) => ev.length >= 1);
        assert.deepEqual([live.events[0].event, live.events[0].id], ['snapshot', '1']);
        assert.deepEqual(JSON.parse(live.events[0].data!), { name, version: 1, set: { a: 1 }, reset: true });
        await update(writer.c, { name, set: { b: 2 } });
        await update(writer.c, { name, delete: ['a'] });
        await live.until((ev) => ev.length >= 3);
        assert.deepEqual(live.events.map((e) => [e.event, e.id]), [['snapshot', '1'], ['sync', '2'], ['sync', '3']]);
        assert.deepEqual(JSON.parse(live.events[1].data!), { name, version: 2, set: { b: 2 } });
        assert.deepEqual(JSON.parse(live.events[2].data!), { name, version: 3, delete: ['a'] });
        // resume on another node after version 2: version 3, then live ones, no snapshot
        const again = new SseReader(`${c3.url}/shared/${encodeURIComponent(name)}/events`, { 'last-event-id': '2' });
        resumed.push(again);
        await again.until((ev) => ev.length >= 1);
        await update(writer.c, { name, set: { c: 3 } });
        await again.until((ev) => ev.length >= 2);
        assert.deepEqual(again.events.map((e) => [e.event, e.id]), [['sync', '3'], ['sync', '4']]);
        assert.deepEqual(JSON.parse(again.events[1].data!), { name, version: 4, set: { c: 3 } });
        await live.until((ev) => ev.length >= 4);
        assert.deepEqual(live.events[3].id, '4');
      } finally {
        live.close();
        for (const r of resumed) r.close();
      }
      // Last-Event-ID past retention: a snapshot; Last-Event-ID = current: nothing until the next version
      const tiny = uniqueName('tiny.sse');
      for (let i = 1; i <= 20; i++) await update(writer.c, { name: tiny, set: { [`k${i % 3}`]: i } });
      const gone = new SseReader(`${a.url}/shared/${encodeURIComponent(tiny)}/events`, { 'last-event-id': '1' });
      const upToDate = new SseReader(`${b.url}/shared/${encodeURIComponent(tiny)}/events`, { 'last-event-id': '20' });
      try {
        await gone.until((ev) => ev.length >= 1);
        assert.deepEqual([gone.events[0].event, gone.events[0].id], ['snapshot', '20']);
        assert.deepEqual(JSON.parse(gone.events[0].data!), { name: tiny, version: 20, set: (await get(writer.c, tiny)).slots, reset: true });
        await upToDate.opened;
        await waitFor('the SSE subscription to deliver', async () => {
          await update(writer.c, { name: tiny, set: { live: Date.now() } });
          return upToDate.events.length >= 1;
        }, 15000, 200);
        assert.deepEqual([upToDate.events[0].event, upToDate.events[0].id], ['sync', '21']);
        await gone.until((ev) => ev.length >= 2);
        assert.deepEqual([gone.events[1].event, gone.events[1].id], ['sync', '21']);
      } finally {
        gone.close();
        upToDate.close();
      }
      assert.equal((await fetch(`${a.url}/shared/nope.x/events`)).status, 404);
      assert.equal((await fetch(`${a.url}/shared/${encodeURIComponent(name)}/events`, { headers: { 'last-event-id': 'x' } })).status, 400);
    });

    it('answers bad input with coded errors and changes nothing', async function () {
      const { c } = await client(a);
      const name = uniqueName('obj.bad');
      assert.equal((await update(c, { name, set: { keep: 1 } })).version, 1);
      assert.equal(await codeOf(get(c, 'nope.x')), 'UNKNOWN_SHARED_OBJECT');
      assert.equal(await codeOf(update(c, { name: 'nope.x', set: { a: 1 } })), 'UNKNOWN_SHARED_OBJECT');
      assert.equal(await codeOf(subscribe(c, { name: 'nope.x' })), 'UNKNOWN_SHARED_OBJECT');
      assert.equal(await codeOf(get(c, 'obj.')), 'UNKNOWN_SHARED_OBJECT', 'a pattern needs something after its prefix');
      for (const [params, why] of [
        [{ name, set: 'x' }, 'set not an object'],
        [{ name, set: [1] }, 'set an array'],
        [{ name, delete: 'keep' }, 'delete not an array'],
        [{ name, delete: [1] }, 'delete of a non-string'],
        [{ name, set: { a: 1 }, ifVersion: -1 }, 'negative ifVersion'],
        [{ name, set: { a: 1 }, ifVersion: '1' }, 'string ifVersion'],
        [{ name, set: { a: 1 }, ifVersion: 1.5 }, 'fractional ifVersion'],
        [{ name, set: { a: 1 }, ifVersion: 99 }, 'ifVersion ahead'],
        [{ name }, 'an empty update'],
        [{ name, set: {}, delete: [] }, 'an update of no slot'],
        [{ name, set: { a: 1 }, delete: ['a'] }, 'the same slot in set and delete'],
        [{ name, delete: ['a', 'a'] }, 'a slot deleted twice'],
        [{ name, set: { a: 1 }, extra: true }, 'an unknown key'],
        [{ name, set: { ['s'.repeat(257)]: 1 } }, 'a slot name too long'],
        [{ set: { a: 1 } }, 'no name'],
      ] as const) {
        assert.equal(await codeOf(update(c, params as Record<string, unknown>)), 'INVALID_ARGUMENTS', why);
      }
      // limits of small.*: 256-byte values, 3 slots
      const small = uniqueName('small.x');
      assert.equal((await update(c, { name: small, set: { a: 'x'.repeat(200), b: 1 } })).version, 1);
      assert.equal(await codeOf(update(c, { name: small, set: { c: 'x'.repeat(300) } })), 'PAYLOAD_TOO_LARGE');
      assert.equal(await codeOf(update(c, { name: small, set: { c: 1, d: 2 } })), 'PAYLOAD_TOO_LARGE', 'too many slots');
      assert.equal((await update(c, { name: small, set: { c: 1, d: 2 }, delete: ['a'] })).version, 2, 'deletes count against the limit');
      assert.deepEqual(await get(c, small), { version: 2, slots: { b: 1, c: 1, d: 2 } });
      // a value msgpack cannot carry: a BigInt past 64 bits
      const bigViaNode = await a.sharedObjects.update(name, { set: { n: 2n ** 70n } }, {}).catch((e: unknown) => e);
      assert.ok(bigViaNode instanceof ActorGridError, String(bigViaNode));
      assert.equal(bigViaNode.code, 'INVALID_ARGUMENTS');
      assert.equal(bigViaNode.data?.field, 'set.n');
      // the msgpack client refuses to encode it; a raw msgpack frame (BigInt extension) is refused when decoded (no extensions but timestamps)
      const mp = await client(b, 'msgpack');
      assert.equal(await codeOf(update(mp.c, { name, set: { n: 2n ** 70n } })), 'INVALID_ARGUMENTS');
      const raw = await RawWsClient.connect(b.url);
      try {
        raw.send(new Packr({ useRecords: false, useBigIntExtension: true }).pack({ jsonrpc: '2.0', id: 1, method: 'sharedObject.update', params: { name, set: { n: 2n ** 70n } } }));
        const reply = await raw.nextMessage();
        assert.equal(reply.error?.data?.code, 'PARSE_ERROR', JSON.stringify(reply, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
      } finally {
        await raw.close();
      }
      // the internal actor type is not callable over the wire
      assert.equal(await codeOf(c.call('actorgrid.SharedObject', name, 'update', [{ set: { a: 1 } }])), 'UNKNOWN_ACTOR_TYPE');
      assert.equal(await codeOf(c.call('actorgrid.SharedObject', name, 'snapshot')), 'UNKNOWN_ACTOR_TYPE');
      const overHttp = await fetch(`${a.url}/actors/actorgrid.SharedObject/${encodeURIComponent(name)}/update`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ set: { a: 1 } }]),
      });
      assert.equal(overHttp.status, 404);
      assert.equal(((await overHttp.json()) as { error: { code: string } }).error.code, 'UNKNOWN_ACTOR_TYPE');
      // hooks: authorizeWrite false → FORBIDDEN, validate throwing → INVALID_ARGUMENTS
      const guarded = uniqueName('guarded.x');
      assert.equal((await update(c, { name: guarded, set: { n: 1 } })).version, 1);
      assert.equal(await codeOf(update(c, { name: guarded, set: { locked: true } })), 'FORBIDDEN');
      assert.equal(await codeOf(update(c, { name: guarded, set: { n: 'one' } })), 'INVALID_ARGUMENTS');
      assert.deepEqual(await get(c, guarded), { version: 1, slots: { n: 1 } });
      const secret = uniqueName('guarded.x') + '.secret';
      assert.equal(await codeOf(get(c, secret)), 'FORBIDDEN');
      assert.equal(await codeOf(subscribe(c, { name: secret })), 'FORBIDDEN');
      assert.equal((await fetch(`${a.url}/shared/${encodeURIComponent(secret)}`)).status, 403);
      assert.equal((await fetch(`${a.url}/shared/${encodeURIComponent(secret)}/events`)).status, 403);
      // subscribe: bad since, and no push over HTTP /rpc
      assert.equal(await codeOf(subscribe(c, { name, since: 'x' })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(subscribe(c, { name, since: -1 })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(subscribe(c, { name, since: 5 })), 'INVALID_ARGUMENTS', 'since ahead of the version');
      assert.equal(await codeOf(subscribe(c, { name, extra: 1 })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(c.rpc('sharedObject.unsubscribe', {})), 'INVALID_ARGUMENTS');
      const rpc = await fetch(`${a.url}/rpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'sharedObject.subscribe', params: { name } }),
      });
      assert.equal(((await rpc.json()) as { error: { data: { code: string } } }).error.data.code, 'INVALID_REQUEST');
      assert.deepEqual(await get(c, name), { version: 1, slots: { keep: 1 } }, 'nothing changed');
      assert.equal((await update(c, { name, set: { after: true } })).version, 2, 'the connection still serves');
    });

    it('syncs what a validate hook rewrote, not what the client sent', async function () {
      const name = uniqueName('guarded.rewrite');
      const sub = await client(c3, 'msgpack');
      const s = await subscribe(sub.c, { name });
      const writer = await client(a);
      assert.equal((await update(writer.c, { name, set: { shout: 'hello', n: 1 } })).version, 1);
      await waitFor('the sync', () => sub.inbox.of(s.subscription).length >= 1);
      assert.deepEqual(sub.inbox.of(s.subscription).map(delta), [{ version: 1, set: { shout: 'HELLO', n: 1 } }]);
      assert.deepEqual(await get(writer.c, name), { version: 1, slots: { shout: 'HELLO', n: 1 } });
    });

    it('syncs an update an actor makes from its own turn like any other, and runs the hooks with the actor as the caller', async function () {
      const name = uniqueName('obj.actor');
      const sub = await client(b);
      const s = await subscribe(sub.c, { name });
      const caller = await client(a);
      const id = uniqueName('scribe');
      assert.equal(await caller.c.call('Scribe', id, 'note', [name, 'from', 'actor']), 1);
      assert.equal((await update(caller.c, { name, set: { from: 'client' } })).version, 2);
      assert.equal(await caller.c.call('Scribe', id, 'note', [name, 'n', 3]), 3);
      await waitFor('three syncs', () => sub.inbox.of(s.subscription).length >= 3);
      assert.deepEqual(sub.inbox.of(s.subscription).map(delta), [
        { version: 1, set: { from: 'actor' } },
        { version: 2, set: { from: 'client' } },
        { version: 3, set: { n: 3 } },
      ]);
      // hooks see the actor as the caller: only a Scribe may set `scribed`, and nobody `locked`
      const guarded = uniqueName('guarded.scribe');
      assert.equal(await codeOf(update(caller.c, { name: guarded, set: { scribed: 1 } })), 'FORBIDDEN');
      assert.equal(await caller.c.call('Scribe', id, 'note', [guarded, 'scribed', 1]), 1);
      const refusals = [
        await caller.c.call('Scribe', id, 'note', [guarded, 'locked', true]).catch((e: unknown) => e),
        await caller.c.call('Scribe', id, 'note', [uniqueName('small.x'), 'v', 'x'.repeat(300)]).catch((e: unknown) => e),
      ];
      // a refused update fails the actor's call, with the refusal's code (or as its cause), and changes nothing
      for (const [err, code] of [[refusals[0], 'FORBIDDEN'], [refusals[1], 'PAYLOAD_TOO_LARGE']] as const) {
        assert.ok(err instanceof ActorGridError, String(err));
        assert.ok(err.code === code || err.data?.cause === code, `${code}: ${err.code} ${JSON.stringify(err.data)}`);
      }
      assert.deepEqual(await get(caller.c, guarded), { version: 1, slots: { scribed: 1 } });
      assert.deepEqual(await get(caller.c, name), { version: 3, slots: { from: 'client', n: 3 } });
    });
  });
}
