import { strict as assert } from 'node:assert';
import { ActorGridClient } from '../../src/client';
import { ChangeItemCodec } from '../../src/data/ChangeItem';
import type { RecordDoc } from '../../src/data/CollectionStore';
import { HazelcastGrid, type JsonValue } from '../../src/grid';
import { sharedCluster } from '../support/cluster';
import { checkChanges, failingOver, httpWriter, persist, random, startLoad, wsWriter, type Writer } from '../support/dataLoad';
import { DataInbox, expectedChanges, Replica, type DataChangeParams, type RecordView } from '../support/dataWatchers';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { SseReader } from '../support/sse';
import { uniqueName, waitFor } from '../support/waitFor';

const TASKS = 'tasks';
/** The stream of the example `tasks` collection: its retention is the default, 10,000. */
const TASKS_STREAM = { name: 'data.tasks', capacity: 10000 };
const OPEN = "status = 'open'";
/**
 * The three main nodes look for unappended changes only every minute (and take only those two
 * minutes old), so that the test decides when a sweep runs: it starts a node with the default
 * (1 s) when it wants one.
 */
const NO_SWEEP = { ACTORGRID_DATA_REPAIR_CHECK_MS: '60000' };

interface QueryWatch {
  records: RecordView[];
  cursor: string;
  watch: string;
  reset?: boolean;
}

interface GetWatch {
  id: string;
  version: number;
  value: Record<string, unknown> | null;
  watch: string;
  cursor: string;
}

/**
 * Collections when node processes die, on the shared Hazelcast cluster with real node processes and
 * the example `tasks` collection (PROTOCOL.md "Data", DESIGN.md "Committed means replayable"):
 * concurrent writers of one record on three nodes; a query watcher (WebSocket and SSE) whose node is
 * SIGKILLed under load resumes on other nodes with `after` / Last-Event-ID; a change whose writing
 * node dies right after its commit, before its append (failpoint), is repaired by the sweep or by
 * the next turn and reaches watchers once; a limited window resumes with a reset; writers whose node
 * is SIGKILLed fail over with their idempotency keys. Every check compares what watchers received
 * with what the writers had acknowledged.
 */
describe('Data: node failures (real node processes, real Hazelcast)', function () {
  this.timeout(240000);
  const group = new NodeGroup();
  const clients: ActorGridClient[] = [];
  const readers: SseReader[] = [];
  let nodes: NodeProcess[];
  let inspect: HazelcastGrid;
  const grid = () => ({ clusterName: sharedCluster().clusterName, members: sharedCluster().addresses() });

  before(async function () {
    nodes = await group.startMany(3, { grid: grid(), logLevel: 'warn', env: NO_SWEEP });
    inspect = await HazelcastGrid.connect(grid());
  });

  after(async function () {
    readers.forEach((r) => r.close());
    await Promise.allSettled(clients.map((c) => c.close()));
    await group.killAll();
    await inspect?.shutdown();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`node logs:\n${group.describe()}`);
  });

  async function connect(node: NodeProcess, encoding: 'json' | 'msgpack' = 'json'): Promise<{ c: ActorGridClient; inbox: DataInbox }> {
    // reconnect: false: these tests watch the nodes, so a client stays on its node and fails with it.
    const c = new ActorGridClient(node.url, { reconnect: false, encoding });
    const inbox = new DataInbox(c);
    await c.connect();
    clients.push(c);
    return { c, inbox };
  }

  /** `[seq, version]` of `id`'s items in the collection's stream, from sequence `from` (or its head) on, in stream order (read by the test's own grid client). */
  async function streamItems(id: string, from = 0): Promise<Array<[number, number]>> {
    const stream = inspect.stream(TASKS_STREAM.name, { capacity: TASKS_STREAM.capacity });
    const codec = new ChangeItemCodec();
    const tail = await stream.tail();
    const out: Array<[number, number]> = [];
    for (let at = Math.max(from, await stream.head()); at <= tail; ) {
      const { items, lost } = await stream.read(at, Math.min(1000, tail - at + 1));
      assert.ok(!lost, `stream items from ${at} were overwritten`);
      for (const item of items) {
        const change = codec.decode(item.value);
        if (change.id === id) out.push([item.seq, change.v]);
      }
      at += items.length;
      if (items.length === 0) break;
    }
    return out;
  }

  /** The versions of `id` in the collection's stream, in stream order. */
  async function streamVersions(id: string, from = 0): Promise<number[]> {
    return (await streamItems(id, from)).map(([, version]) => version);
  }

  async function rawDoc(id: string): Promise<RecordDoc | undefined> {
    return (await inspect.map<JsonValue>(`data.${TASKS}`, 'json').get(id)) as unknown as RecordDoc | undefined;
  }

  it('concurrent updates of one record from three nodes make versions 1..N, each once; a watcher on every node sees each version once, in order', async function () {
    const tag = uniqueName('t1');
    const id = `${tag}-rec`;
    const setup = await connect(nodes[0]);
    assert.deepEqual(await setup.c.rpc('data.create', { collection: TASKS, id, value: { title: 'contended', status: 'open', owner: tag, priority: 0 } }), { id, version: 1 });

    // on every node: a data.get watch of the record and a query watch that selects it
    const watchers = await Promise.all(
      nodes.map(async (node) => {
        const w = await connect(node);
        const get = await w.c.rpc<GetWatch>('data.get', { collection: TASKS, id, watch: true });
        const query = await w.c.rpc<QueryWatch>('data.query', { collection: TASKS, where: `owner = '${tag}'`, watch: true });
        assert.equal(get.version, 1);
        assert.deepEqual(query.records.map((r) => [r.id, r.version]), [[id, 1]]);
        return { ...w, get: get.watch, query: query.watch };
      }),
    );

    // writers on every node: three over WebSocket (JSON, msgpack, JSON) and one over HTTP each, 25 updates apiece
    const writers: Writer[] = [];
    for (const [i, node] of nodes.entries()) {
      const ws = await connect(node, i % 2 === 0 ? 'json' : 'msgpack');
      writers.push(wsWriter(`node${i} ws a`, ws.c), wsWriter(`node${i} ws b`, ws.c), wsWriter(`node${i} ws c`, ws.c), httpWriter(`node${i} http`, node));
    }
    const perWriter = 25;
    const acknowledged = new Map<number, string>(); // version → the `n` its write set
    await Promise.all(
      writers.map(async (writer, w) => {
        for (let i = 0; i < perWriter; i++) {
          const n = `${w}.${i}`;
          const { version } = await persist(`${writer.label} update ${i}`, () => writer.update(id, { n, priority: i % 10 }, `${tag}-${w}-${i}`));
          assert.ok(!acknowledged.has(version), `version ${version} acknowledged twice (${acknowledged.get(version)} and ${n})`);
          acknowledged.set(version, n);
        }
      }),
    );
    const last = 1 + writers.length * perWriter;
    assert.deepEqual([...acknowledged.keys()].sort((a, b) => a - b), Array.from({ length: last - 1 }, (_, i) => i + 2), 'versions 2..N, each acknowledged once');
    const final = await setup.c.rpc<RecordView>('data.get', { collection: TASKS, id });
    assert.equal(final.version, last);

    for (const [i, w] of watchers.entries()) {
      for (const watch of [w.get, w.query]) {
        await waitFor(`version ${last} at node${i}'s watch`, () => w.inbox.changes(watch).some((c) => c.version === last), 60000).catch(() => undefined);
        const changes = w.inbox.changes(watch);
        assert.deepEqual(changes.map((c) => c.version), Array.from({ length: last - 1 }, (_, k) => k + 2), `node${i}'s watch: every version once, in order`);
        assert.deepEqual(changes.filter((c) => c.kind !== 'changed'), [], 'only changed');
        // each version carries the value the write that made it set
        assert.deepEqual(changes.filter((c) => c.value?.n !== acknowledged.get(c.version)).map((c) => c.version), [], 'each version with its own write');
        assert.deepEqual(changes[changes.length - 1].value, final.value);
        assert.deepEqual(w.inbox.resets(watch), []);
      }
    }
  });

  it('a query watcher whose node is SIGKILLed under load resumes on another node with after: its replica equals the query, each acknowledged change once, nothing outside its filter', async function () {
    const [doomed, b, c] = nodes;
    const tag = uniqueName('t2');
    const seed = Date.now() % 100000;
    const ids = Array.from({ length: 16 }, (_, k) => `${tag}-${k}`);
    const watched = ids[0];
    const isOpen = (value: Record<string, unknown>) => value.status === 'open';

    const first = await connect(doomed);
    const q1 = await first.c.rpc<QueryWatch>('data.query', { collection: TASKS, where: OPEN, watch: true });
    const g1 = await first.c.rpc<GetWatch>('data.get', { collection: TASKS, id: watched, watch: true });
    assert.deepEqual([g1.version, g1.value], [0, null]);
    // the same query over SSE (GET /data/tasks/events), resumed on C with Last-Event-ID
    const events = (node: NodeProcess, lastEventId?: string) => {
      const reader = new SseReader(`${node.url}/data/${TASKS}/events?where=${encodeURIComponent(OPEN)}`, lastEventId === undefined ? {} : { 'last-event-id': lastEventId });
      readers.push(reader);
      return reader;
    };
    const sse1 = events(doomed);
    await sse1.until((evs) => evs.length > 0);
    assert.equal(sse1.events[0].event, 'snapshot');
    const sseSnapshot = JSON.parse(sse1.events[0].data!) as { records: RecordView[]; cursor: string };

    // four writers on B and C, each owning a quarter of the records: creates, updates (into and out of
    // the filter), deletes, re-creates; each acknowledged change goes into the record's history
    const wsB = await connect(b);
    const wsC = await connect(c, 'msgpack');
    const writers = [wsWriter('B ws', wsB.c), httpWriter('B http', b), wsWriter('C ws', wsC.c), httpWriter('C http', c)];
    const load = startLoad(writers, ids, tag, seed);
    const { history, during } = load;

    let second: { c: ActorGridClient; inbox: DataInbox };
    let sse2: SseReader;
    let q2: QueryWatch;
    let g2: GetWatch;
    try {
      await during('changes to reach the doomed node', () => first.inbox.changes(q1.watch).length >= 100, 60000);
      await doomed.kill();
      await waitFor('the first client to notice', () => !first.c.connected, 30000);
      const after = first.inbox.lastCursor(q1.watch, q1.cursor);
      await sse1.done;
      sse2 = events(c, sse1.events[sse1.events.length - 1].id);

      // the client resumes both watches on B: the query with after, the record with a new data.get watch
      second = await connect(b);
      q2 = await second.c.rpc<QueryWatch>('data.query', { collection: TASKS, where: OPEN, watch: true, after });
      assert.deepEqual([q2.records, q2.reset, q2.cursor], [[], undefined, after], 'resumed at its cursor: no records, no reset');
      g2 = await second.c.rpc<GetWatch>('data.get', { collection: TASKS, id: watched, watch: true });
      const resumed = second;
      await during('live changes on the survivors', () => resumed.inbox.changes(q2.watch).length >= 100 && sse2.events.length >= 100, 90000);
    } finally {
      await load.stop();
    }

    // every acknowledged change that concerns the query, once, in version order per record; the replica is the query's result
    const wanted = new Map(ids.map((id) => [id, expectedChanges(history.get(id)!, isOpen)]));
    const total = [...wanted.values()].reduce((n, list) => n + list.length, 0);
    const sseChanges = (reader: SseReader) => reader.events.filter((e) => e.event === 'change').map((e) => JSON.parse(e.data!) as DataChangeParams);
    const watchers: Array<{ label: string; initial: RecordView[]; received: () => DataChangeParams[] }> = [
      { label: 'WebSocket', initial: q1.records, received: () => [...first.inbox.changes(q1.watch), ...second.inbox.changes(q2.watch)] },
      { label: 'SSE', initial: sseSnapshot.records, received: () => [...sseChanges(sse1), ...sseChanges(sse2)] },
    ];
    const now = await wsC.c.rpc<{ records: RecordView[] }>('data.query', { collection: TASKS, where: OPEN });
    for (const { label, initial, received } of watchers) {
      await waitFor(`every acknowledged change at the resumed ${label} watch`, () => received().filter((ch) => history.has(ch.id)).length >= total, 60000).catch(() => undefined);
      const got = received();
      checkChanges(`${label} (seed ${seed})`, got, history, isOpen);
      const replica = new Replica(initial);
      got.forEach((ch) => replica.apply(ch));
      assert.deepEqual(replica.sorted(), [...now.records].sort((x, y) => x.id.localeCompare(y.id)), `${label}: replica = query result`);
    }
    assert.deepEqual([first.inbox.resets(q1.watch), second.inbox.resets(q2.watch)], [[], []], 'no reset');
    assert.deepEqual(sse2.events.filter((e) => e.event !== 'change').map((e) => e.event), [], 'SSE resumed: no snapshot, no reset');
    assert.ok(first.inbox.changes(q1.watch).length > 0 && second.inbox.changes(q2.watch).length > 0 && sseChanges(sse1).length > 0);
    const acknowledged = [...history.values()].reduce((n, list) => n + list.length, 0);
    console.log(`      measured: ${acknowledged} acknowledged writes; the WebSocket watch got ${first.inbox.changes(q1.watch).length} changes before the kill, ${second.inbox.changes(q2.watch).length} after; SSE ${sseChanges(sse1).length} and ${sseChanges(sse2).length}`);

    // the record watch: before the kill a prefix of the record's changes; after, what followed its new snapshot
    const all = expectedChanges(history.get(watched)!, () => true);
    const strays = [...first.inbox.changes(g1.watch), ...second.inbox.changes(g2.watch)].filter((ch) => ch.id !== watched);
    assert.deepEqual(strays.map((ch) => [ch.id, ch.version, ch.cursor]), [], 'a record watch gets changes of its record only');
    const before = first.inbox.changes(g1.watch).map((ch) => [ch.kind, ch.version]);
    assert.deepEqual(before, all.slice(0, before.length), 'record watch before the kill: its first changes, in order');
    const later = second.inbox.changes(g2.watch);
    // (a deleted record's snapshot is null, version 0: then what followed is the end of its changes)
    const afterSnapshot = g2.value !== null ? all.filter(([, version]) => version > g2.version) : all.slice(all.length - later.length);
    assert.deepEqual(later.map((ch) => [ch.kind, ch.version]), afterSnapshot, `record watch after the resume: every change after its snapshot (version ${g2.version}, cursor ${g2.cursor}), once; got ${JSON.stringify(later.map((ch) => [ch.version, ch.cursor]))}; the record in the stream: ${JSON.stringify(await streamItems(watched))}`);
    if (g2.value === null && later.length > 0) assert.equal(later[0].kind, 'added');
    const record = new Replica(g2.value === null ? [] : [{ id: watched, version: g2.version, value: g2.value }]);
    later.forEach((ch) => record.apply(ch));
    const current = await wsC.c.rpc<RecordView | null>('data.get', { collection: TASKS, id: watched });
    assert.deepEqual(record.sorted(), current === null ? [] : [current], 'record watch replica = data.get');
  });

  /**
   * A writer whose node dies between commit and append (failpoint outbox.beforeAppend, on a node
   * started for that one write, or for `updates` concurrent ones that its first turn may batch): the
   * changes are committed (the record holds them and is marked `pending`), are not in the stream,
   * and no watcher has them. Answers the version committed.
   */
  async function crashAfterCommit(tag: string, updates = 1): Promise<{ id: string; writer: ActorGridClient; watcher: DataInbox; get: string; query: string; crashedAt: number; last: number }> {
    const [, b, c] = nodes; // nodes[0] was killed by the test before
    const id = `${tag}-rec`;
    const writer = (await connect(b)).c;
    assert.deepEqual(await writer.rpc('data.create', { collection: TASKS, id, value: { title: 'crash', status: 'open', owner: tag } }), { id, version: 1 });
    const w = await connect(c);
    const get = await w.c.rpc<GetWatch>('data.get', { collection: TASKS, id, watch: true });
    const query = await w.c.rpc<QueryWatch>('data.query', { collection: TASKS, where: `owner = '${tag}'`, watch: true });
    assert.deepEqual([get.version, query.records.map((r) => r.version)], [1, [1]]);
    const from = Number(get.cursor) + 1;

    const crashy = await group.start({ grid: grid(), logLevel: 'warn', env: { ...NO_SWEEP, ACTORGRID_TESTING_FAILPOINTS: 'outbox.beforeAppend', ACTORGRID_TURN_LOCK_WAIT_MS: '30000' } });
    const doomed = await connect(crashy);
    const update = (i: number) =>
      doomed.c.rpc('data.update', { collection: TASKS, id, set: { status: 'doing', ...(updates > 1 ? { n: i } : {}) }, idempotencyKey: `${tag}-u${i}` }).then(
        () => 'answered',
        () => 'failed',
      );
    let outcomes: Array<Promise<string>>;
    if (updates === 1) outcomes = [update(0)];
    else {
      // One turn for all of them: while the test holds the record's lock, a call that changes nothing
      // (a stale ifVersion) waits for it in its own turn and the updates queue behind it; once a read
      // sent after them is answered they are queued, and the lock goes.
      const records = inspect.map<JsonValue>(`data.${TASKS}`, 'json');
      await records.lock(id, 60000);
      try {
        const stale = doomed.c.rpc('data.update', { collection: TASKS, id, set: { status: 'done' }, ifVersion: 0 }).catch(() => undefined);
        outcomes = Array.from({ length: updates }, (_, i) => update(i));
        await doomed.c.rpc('data.get', { collection: TASKS, id });
        void stale;
      } finally {
        await records.unlock(id);
      }
    }
    assert.deepEqual(new Set(await Promise.all(outcomes)), new Set(['failed']), 'the node died before answering');
    await crashy.exited;
    const crashedAt = Date.now();

    const committed = await writer.rpc<RecordView>('data.get', { collection: TASKS, id });
    assert.equal(committed.value.status, 'doing', 'committed');
    if (updates === 1) assert.equal(committed.version, 2);
    else assert.ok(committed.version >= 2 && committed.version <= 1 + updates, `version ${committed.version}`);
    const doc = await rawDoc(id);
    assert.equal(typeof doc?.pending, 'number', 'the record is marked: a change waits for its append');
    // No node sweeps yet (NO_SWEEP) and no turn ran on the record since: nothing could have appended it.
    assert.deepEqual(await streamVersions(id, from), [], 'the committed changes are not in the stream');
    assert.deepEqual([w.inbox.changes(get.watch), w.inbox.changes(query.watch)], [[], []]);
    return { id, writer, watcher: w.inbox, get: get.watch, query: query.watch, crashedAt, last: committed.version };
  }

  it('a change whose writer\'s node died right after the commit, before the append, reaches a watcher on another node once, repaired by the sweep with no further write', async function () {
    const tag = uniqueName('t3s');
    const { id, writer, watcher, get, query, crashedAt } = await crashAfterCommit(tag);

    // a node with the default sweep (every second) starts: it finds the marked record and has a turn append its change
    const sweeper = await group.start({ grid: grid(), logLevel: 'warn' });
    try {
      const sweeping = Date.now();
      await waitFor('version 2 at the watcher', () => watcher.changes(get).length >= 1 && watcher.changes(query).length >= 1, 60000, 50);
      const repairMs = Date.now() - sweeping;
      assert.deepEqual(watcher.changes(get).map((ch) => [ch.kind, ch.version, ch.value?.status]), [['changed', 2, 'doing']]);
      assert.deepEqual(watcher.changes(query).map((ch) => [ch.kind, ch.version, ch.value?.status]), [['changed', 2, 'doing']]);
      await waitFor('the mark to go', async () => (await rawDoc(id))?.pending === undefined, 30000, 100);
      console.log(`      measured: repair by the sweep ${repairMs} ms after the sweeping node listened (${Date.now() - crashedAt} ms after the crash, incl. its start)`);
    } finally {
      await sweeper.stop({ expectCleanExit: false });
    }

    // the next write follows it, once
    assert.deepEqual(await writer.rpc('data.update', { collection: TASKS, id, set: { status: 'done' } }), { version: 3 });
    await waitFor('version 3', () => watcher.changes(get).some((ch) => ch.version === 3) && watcher.changes(query).some((ch) => ch.version === 3), 30000);
    assert.deepEqual(watcher.changes(get).map((ch) => ch.version), [2, 3]);
    assert.deepEqual(watcher.changes(query).map((ch) => ch.version), [2, 3]);
    assert.deepEqual(await streamVersions(id), [1, 2, 3], 'each version once in the stream, in order');
    assert.deepEqual([watcher.resets(get), watcher.resets(query)], [[], []]);
  });

  it('a change whose writer\'s node died right after the commit is appended by the next turn on the record, before that turn\'s own change, once', async function () {
    const tag = uniqueName('t3t');
    const { id, writer, watcher, get, query, crashedAt } = await crashAfterCommit(tag);

    // The dead node's lock on the record lasts until the grid notices its client is gone: retry
    // LOCK_TIMEOUT with one idempotency key, as a client would.
    const next = await persist('the next update', () => writer.rpc('data.update', { collection: TASKS, id, set: { status: 'done' }, idempotencyKey: `${tag}-3` }));
    assert.deepEqual(next, { version: 3 });
    console.log(`      measured: the next update answered ${Date.now() - crashedAt} ms after the crash (it waits for the dead node's lock)`);
    assert.deepEqual(await streamVersions(id), [1, 2, 3], 'the repaired version 2 appended once, before version 3');
    await waitFor('version 3', () => watcher.changes(get).some((ch) => ch.version === 3) && watcher.changes(query).some((ch) => ch.version === 3), 30000);
    assert.deepEqual(watcher.changes(get).map((ch) => [ch.kind, ch.version, ch.value?.status]), [['changed', 2, 'doing'], ['changed', 3, 'done']]);
    assert.deepEqual(watcher.changes(query).map((ch) => [ch.kind, ch.version, ch.value?.status]), [['changed', 2, 'doing'], ['changed', 3, 'done']]);
    assert.equal((await rawDoc(id))?.pending, undefined, 'no mark left');
    assert.deepEqual([watcher.resets(get), watcher.resets(query)], [[], []]);
  });

  it('changes of a batch committed by one turn whose node died before appending them are repaired together by the sweep: a watcher gets each once, in order, before the next', async function () {
    const tag = uniqueName('t3b');
    const { id, writer, watcher, get, query, last } = await crashAfterCommit(tag, 8);
    assert.ok(last >= 3, `one turn committed several changes (version ${last})`);
    const versions = Array.from({ length: last - 1 }, (_, k) => k + 2);
    const sweeper = await group.start({ grid: grid(), logLevel: 'warn' });
    try {
      await waitFor(`versions 2..${last} at the watcher`, () => watcher.changes(get).length >= versions.length && watcher.changes(query).length >= versions.length, 60000, 50);
    } finally {
      await sweeper.stop({ expectCleanExit: false });
    }
    const next = await persist('the next update', () => writer.rpc<{ version: number }>('data.update', { collection: TASKS, id, set: { status: 'done' }, idempotencyKey: `${tag}-next` }));
    assert.equal(next.version, last + 1);
    await waitFor('the next version', () => watcher.changes(get).some((ch) => ch.version === last + 1) && watcher.changes(query).some((ch) => ch.version === last + 1), 30000);
    assert.deepEqual(watcher.changes(get).map((ch) => ch.version), [...versions, last + 1]);
    assert.deepEqual(watcher.changes(query).map((ch) => ch.version), [...versions, last + 1]);
    assert.deepEqual(await streamVersions(id), [1, ...versions, last + 1], 'each version once in the stream, in order');
    console.log(`      measured: the dying node's turn committed ${last - 1} of the 8 queued updates`);
  });

  it('a limited window (orderBy + limit) whose node is SIGKILLed resumes with after as reset: true and the current window, then keeps the window', async function () {
    const [, b, c] = nodes; // nodes[0] was killed by the test before
    const tag = uniqueName('t4');
    const seed = Date.now() % 100000;
    const rand = random(seed);
    const window = { collection: TASKS, where: `owner = '${tag}'`, orderBy: [{ field: 'priority', desc: true }], limit: 3 };
    const writer = (await connect(b)).c;
    const ids = Array.from({ length: 8 }, (_, k) => `${tag}-${k}`);
    for (const [k, id] of ids.entries()) await writer.rpc('data.create', { collection: TASKS, id, value: { title: `w${k}`, status: 'open', owner: tag, priority: k } });
    const update = (i: number) => writer.rpc('data.update', { collection: TASKS, id: ids[Math.floor(rand() * ids.length)], set: { priority: Math.floor(rand() * 10), n: i }, idempotencyKey: `${tag}-${i}` });

    const doomed = await group.start({ grid: grid(), logLevel: 'warn', env: NO_SWEEP });
    const first = await connect(doomed);
    const w1 = await first.c.rpc<QueryWatch>('data.query', { ...window, watch: true });
    assert.deepEqual(w1.records.map((r) => r.id), [ids[7], ids[6], ids[5]]);

    let writing = true;
    const load = (async () => {
      for (let i = 0; writing && i < 2000; i++) await persist(`update ${i} (seed ${seed})`, () => update(i));
    })();
    try {
      await waitFor('window changes at the doomed node', () => first.inbox.changes(w1.watch).length >= 20, 60000);
      await doomed.kill();
      await waitFor('the first client to notice', () => !first.c.connected, 30000);
    } finally {
      writing = false;
      await load;
    }

    const second = await connect(c);
    const w2 = await second.c.rpc<QueryWatch>('data.query', { ...window, watch: true, after: first.inbox.lastCursor(w1.watch, w1.cursor) });
    const now = await writer.rpc<{ records: RecordView[] }>('data.query', window);
    assert.equal(w2.reset, true, 'a window cannot be replayed: reset');
    assert.deepEqual(w2.records, now.records, 'the current window');

    // it keeps its window as records move in and out of it
    for (let i = 2000; i < 2040; i++) await update(i);
    const final = await writer.rpc<{ records: RecordView[] }>('data.query', window);
    const replica = () => {
      const r = new Replica(w2.records);
      for (const e of second.inbox.events) {
        if (e.params.watch !== w2.watch) continue;
        if (e.kind === 'reset') r.reset(e.params.records);
        else r.apply(e.params);
      }
      return r.sorted();
    };
    const sortedFinal = [...final.records].sort((x, y) => x.id.localeCompare(y.id));
    await waitFor('the window at the resumed watch', () => JSON.stringify(replica()) === JSON.stringify(sortedFinal), 30000).catch(() => undefined);
    assert.deepEqual(replica(), sortedFinal, `the replica of the window = the query (seed ${seed}); events: ${JSON.stringify(second.inbox.changes(w2.watch).map((ch) => [ch.kind, ch.id.slice(-1), ch.version, ch.value?.priority]))}`);
    assert.deepEqual(second.inbox.changes(w2.watch).filter((ch) => !ids.includes(ch.id)), []);
  });

  it('writers whose node is SIGKILLed under load retry on other nodes with their idempotency keys: each acknowledged change reaches a watcher once, versions contiguous', async function () {
    const [, b, c] = nodes; // nodes[0] was killed by the test before
    const tag = uniqueName('t5');
    const seed = Date.now() % 100000;
    const ids = Array.from({ length: 12 }, (_, k) => `${tag}-${k}`);
    const mine = (value: Record<string, unknown>) => value.owner === tag;
    const doomed = await group.start({ grid: grid(), logLevel: 'warn', env: NO_SWEEP });
    const watcher = await connect(c);
    const q = await watcher.c.rpc<QueryWatch>('data.query', { collection: TASKS, where: `owner = '${tag}'`, watch: true });
    assert.deepEqual(q.records, []);

    const onDoomed = await connect(doomed, 'msgpack');
    const wsB = await connect(b);
    const failed = { count: 0 };
    const writers = [
      failingOver(wsWriter('doomed ws', onDoomed.c), doomed, wsWriter('B ws', wsB.c), failed),
      failingOver(httpWriter('doomed http', doomed), doomed, httpWriter('C http', c), failed),
      wsWriter('B ws', wsB.c),
      httpWriter('C http', c),
    ];
    const load = startLoad(writers, ids, tag, seed);
    const { history } = load;
    try {
      await load.during('changes while the doomed node writes', () => watcher.inbox.changes(q.watch).length >= 100, 60000);
      await doomed.kill();
      const atKill = watcher.inbox.changes(q.watch).length;
      await load.during('changes after the kill', () => watcher.inbox.changes(q.watch).length >= atKill + 100, 120000);
    } finally {
      await load.stop();
    }

    // A change the doomed node committed but did not append, on a record no one wrote since, waits
    // for a sweep: a node with the default sweep joins.
    const total = [...history.values()].reduce((n, changes) => n + expectedChanges(changes, mine).length, 0);
    const sweeper = await group.start({ grid: grid(), logLevel: 'warn' });
    try {
      await waitFor('every acknowledged change at the watcher', () => watcher.inbox.changes(q.watch).length >= total, 60000).catch(() => undefined);
    } finally {
      await sweeper.stop({ expectCleanExit: false });
    }
    checkChanges(`seed ${seed}`, watcher.inbox.changes(q.watch), history, mine);
    assert.deepEqual(watcher.inbox.resets(q.watch), []);
    const replica = new Replica([]);
    watcher.inbox.changes(q.watch).forEach((ch) => replica.apply(ch));
    const now = await wsB.c.rpc<{ records: RecordView[] }>('data.query', { collection: TASKS, where: `owner = '${tag}'` });
    assert.deepEqual(replica.sorted(), [...now.records].sort((x, y) => x.id.localeCompare(y.id)), 'replica = query result');
    console.log(`      measured: ${[...history.values()].reduce((n, changes) => n + changes.length, 0)} acknowledged writes, ${total} changes at the watcher, ${failed.count} failed attempts on the doomed node`);
  });
});
