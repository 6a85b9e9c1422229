import { strict as assert } from 'node:assert';
import type { HazelcastHarness } from '../../scripts/harness/HazelcastHarness';
import { HazelcastGrid, P } from '../../src/grid';
import { ReminderIndex } from '../../src/reminders/ReminderIndex';
import { NodeGroup } from '../support/NodeProcess';
import { PgTestSchema } from '../support/PgTestSchema';
import { uniqueName } from '../support/waitFor';
import { Callers, failureSummary, oneTo, runLoad, sorted, type Outcome } from './nodesKit';
import { decodeRecord, evictAll, gridOf, inMemorySize, startPersistedCluster } from './persistenceKit';

/** Keyed increments of one counter, spread over two nodes. */
const KEYS = 600;
const CONCURRENCY = 24;
/** Every member dies once this many increments were acknowledged. */
const KILL_AFTER_ACKS = 200;
const NODE_ENV = { ACTORGRID_IDEMPOTENCY_MAX_ENTRIES: '4096' };

/**
 * Issue 12 (a) and (b): with write-through persistence a whole cluster can die at once. Two nodes
 * drive keyed increments against a 2-member cluster; every member is SIGKILLed mid-load; a new
 * cluster (new processes, empty memory) on the same PostgreSQL schema must hold every acknowledged
 * increment, and retrying every key must apply nothing twice (the idempotency results are part of
 * the persisted record). Then entries evicted from memory load back on the next call, and JSON maps
 * round-trip through the jsonb column.
 */
describe('persistence: every member SIGKILLed under load, a new cluster on the same PostgreSQL (write-through)', function () {
  this.timeout(300_000);
  const clusters: HazelcastHarness[] = [];
  const groups = [new NodeGroup(), new NodeGroup()];
  const id = uniqueName('pgrestart');
  const counter = `${id}-counter`;
  const key = (i: number) => `${id}-key-${i}`;
  let db: PgTestSchema;
  let callers: Callers | undefined;
  let restarted: Callers;
  let second: HazelcastHarness;
  const session = `${id}-session`;
  let sessionDue = 0;

  /** A collection written before the crash: queried, never touched, after the restart. */
  const orders = `data.${id}-orders`;
  const ORDERS = 50;
  let outcomes: Outcome<number>[] = [];
  let killedAt = 0;
  let afterRestart = 0;
  let retries: Outcome<number>[] = [];

  before(async function () {
    db = await PgTestSchema.create('restart');
    const first = await startPersistedCluster(clusters, 2, { url: db.url, schema: db.schema });
    const writer = await HazelcastGrid.connect({ clusterName: first.clusterName, members: first.addresses() });
    try {
      const map = writer.map<{ n: number; status: string }>(orders, 'json');
      for (let n = 0; n < ORDERS; n++) await map.set(`o${n}`, { n, status: n % 2 ? 'open' : 'done' });
    } finally {
      await writer.shutdown();
    }
    const nodes = await groups[0].startMany(2, { grid: gridOf(first), id: `${id}-a`, env: NODE_ENV });
    callers = await Callers.connect(nodes);
    // A session whose reminder is pending across the restart (due in an hour).
    sessionDue = await callers.pick(0).call<number>('Session', session, 'open', ['ada', 3_600_000]);

    let acked = 0;
    let killing: Promise<unknown> | undefined;
    outcomes = await runLoad(
      KEYS,
      CONCURRENCY,
      (i) => callers!.pick(i).call<number>('Counter', counter, 'increment', [1], { idempotencyKey: key(i) }),
      (_i, outcome) => {
        if (outcome.ok) acked += 1;
        if (acked >= KILL_AFTER_ACKS && !killing) {
          killedAt = Date.now();
          killing = Promise.all(first.runningMembers().map((m) => first.killMember(m.index)));
        }
      },
    );
    await killing;
    await callers.close();
    callers = undefined;
    await groups[0].killAll();

    second = await startPersistedCluster(clusters, 2, { url: db.url, schema: db.schema });
    const fresh = await groups[1].startMany(2, { grid: gridOf(second), id: `${id}-b`, env: NODE_ENV });
    restarted = await Callers.connect(fresh);
    afterRestart = await restarted.pick(0).call<number>('Counter', counter, 'get');
    retries = await runLoad(KEYS, CONCURRENCY, (i) =>
      restarted.pick(i).call<number>('Counter', counter, 'increment', [1], { idempotencyKey: key(i) }),
    );
  });

  after(async function () {
    await callers?.close();
    await restarted?.close();
    for (const group of groups) await group.stopAll();
    for (const cluster of clusters) await cluster.stop();
    await db?.drop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`node logs:\n${groups.map((g) => g.describe()).join('\n')}`);
  });

  it('killed every member mid-load', function () {
    assert.ok(killedAt > 0, 'the members were killed');
    const before = outcomes.filter((o) => o.ok && o.at <= killedAt).length;
    assert.ok(before >= KILL_AFTER_ACKS, `${before} calls were acknowledged before the kill`);
    assert.ok(outcomes.some((o) => !o.ok), 'calls failed once the cluster was gone');
    const acked = outcomes.filter((o) => o.ok).length;
    console.log(`      ${acked}/${KEYS} acknowledged before the cluster died; ${afterRestart} after the restart; failed: ${failureSummary(outcomes)}`);
  });

  it('a pending reminder survives: in the actor\'s record and in the due-time index the nodes look through', async function () {
    const info = await restarted.pick(0).call<{ user: string; reminders: Array<{ name: string; due: number }> }>('Session', session, 'info');
    assert.equal(info.user, 'ada');
    assert.deepEqual(info.reminders.map((r) => [r.name, r.due]), [['expire', sessionDue]]);
    const grid = await HazelcastGrid.connect({ clusterName: second.clusterName, members: second.addresses() });
    try {
      assert.equal((await new ReminderIndex(grid).entry('Session', session, 'expire'))?.due, sessionDue);
    } finally {
      await grid.shutdown();
    }
  });

  it('the new cluster holds every acknowledged increment', function () {
    const values = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
    assert.equal(new Set(values).size, values.length, 'acknowledged values are distinct');
    assert.ok(afterRestart >= values.length, `after the restart ${afterRestart} >= ${values.length} acknowledged`);
    assert.ok(Math.max(...values) <= afterRestart, `no acknowledged value (max ${Math.max(...values)}) is above ${afterRestart}`);
  });

  it('retrying every key after the restart applies nothing twice', async function () {
    assert.equal(failureSummary(retries), '', 'every retry succeeded');
    outcomes.forEach((o, i) => {
      if (o.ok) assert.equal((retries[i] as { value: number }).value, o.value, `key ${i}: the retry returns the first result`);
    });
    assert.deepEqual(sorted(retries.map((o) => (o as { value: number }).value)), oneTo(KEYS), 'each key applied exactly once');
    assert.equal(await restarted.pick(1).call<number>('Counter', counter, 'get'), KEYS);
  });

  it('PostgreSQL holds the record as the grid does (bytea msgpack with the idempotency results)', async function () {
    const row = await db.row('actor.Counter', counter);
    assert.ok(row?.bin, 'the counter has a bytea row');
    assert.equal(row.json, null);
    const { record, state } = decodeRecord(row.bin);
    assert.equal(state.value, KEYS);
    assert.ok(record.r.some(([k]) => k === key(KEYS - 1)), 'the idempotency results are in the stored record');
  });

  it('a collection is loaded whole when first used after the restart, so queries see every record', async function () {
    const grid = await HazelcastGrid.connect({ clusterName: second.clusterName, members: second.addresses() });
    try {
      const open = await grid.map<{ n: number; status: string }>(orders, 'json').values(P.eq('status', 'open'));
      assert.deepEqual(sorted(open.map((o) => o.n)), Array.from({ length: ORDERS / 2 }, (_, i) => 2 * i + 1));
    } finally {
      await grid.shutdown();
    }
  });

  it('(b) an entry evicted from memory is loaded back on the next call, transparently', async function () {
    const lonely = `${id}-lonely`;
    const caller = restarted.pick(0);
    for (let i = 1; i <= 3; i++) assert.equal(await caller.call<number>('Counter', lonely, 'increment', [1]), i);
    await evictAll(second, 'actor.Counter');
    assert.equal(await inMemorySize(second, 'actor.Counter'), 0, 'nothing left in memory');
    assert.equal(await restarted.pick(1).call<number>('Counter', lonely, 'get'), 3, 'a query loads it back');
    await evictAll(second, 'actor.Counter');
    assert.equal(await caller.call<number>('Counter', lonely, 'increment', [1]), 4, 'a turn loads it back');
    assert.equal(await restarted.pick(1).call<number>('Counter', counter, 'get'), KEYS);
  });

  it('JSON maps: stored as the text the grid holds, queryable as jsonb, loaded back and fenced like before', async function () {
    const grid = await HazelcastGrid.connect({ clusterName: second.clusterName, members: second.addresses() });
    try {
      const name = `data.${id}`;
      const records = grid.map<{ name: string; tags: string[]; n: number }>(name, 'json');
      const order = { name: 'ada', tags: ['x', 'y'], n: 1 };
      await records.set('o1', order);
      await records.set('o2', { name: 'bob', tags: [], n: 2 });
      const byName = await db.query<{ key: string }>(
        `SELECT key FROM "${db.schema}".grid_entries WHERE map = $1 AND doc->>'name' = 'ada'`,
        [name],
      );
      assert.deepEqual(byName.map((r) => r.key), ['o1'], 'SQL queries the jsonb column');
      assert.equal((await db.row(name, 'o1'))?.json, JSON.stringify(order), 'the text is kept as the grid holds it');

      await evictAll(second, name);
      assert.deepEqual(await records.get('o1'), order, 'loaded back');
      assert.equal(await records.replaceIfSame('o1', order, { ...order, n: 2 }), true, 'a loaded record still matches its fence');
      assert.deepEqual((await db.row(name, 'o1'))?.doc, { ...order, n: 2 });
      await records.delete('o2');
      assert.equal(await db.row(name, 'o2'), undefined, 'a delete removes the row');
    } finally {
      await grid.shutdown();
    }
  });
});
