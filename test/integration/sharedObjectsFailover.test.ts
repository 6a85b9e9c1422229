import { strict as assert } from 'node:assert';
import { ActorGridClient } from '../../src/client';
import { sharedCluster } from '../support/cluster';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { SyncInbox } from '../support/syncInbox';
import { uniqueName, waitFor } from '../support/waitFor';

/**
 * Shared objects when node processes die, on the shared Hazelcast cluster with real node processes
 * and the example `board.*` family: a subscriber whose node is SIGKILLed resumes on another node
 * with `since` and misses and repeats nothing; a version whose updating node is SIGKILLed right
 * after the commit (before it appended the change) still reaches subscribers.
 */
describe('Shared objects: node failures (real node processes, real Hazelcast)', function () {
  this.timeout(180000);
  const group = new NodeGroup();
  const clients: ActorGridClient[] = [];
  let nodes: NodeProcess[];
  const grid = () => ({ clusterName: sharedCluster().clusterName, members: sharedCluster().addresses() });

  before(async function () {
    nodes = await group.startMany(3, { grid: grid(), logLevel: 'warn' });
  });

  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await group.killAll();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`node logs:\n${group.describe()}`);
  });

  async function connect(node: NodeProcess): Promise<{ c: ActorGridClient; inbox: SyncInbox }> {
    // reconnect: false: these tests watch the nodes, so a client stays on its node and fails with it.
    const c = new ActorGridClient(node.url, { reconnect: false });
    const inbox = new SyncInbox(c);
    await c.connect();
    clients.push(c);
    return { c, inbox };
  }

  it('resumes a subscriber on another node after SIGKILL of its node while updates flow: every acknowledged version once, in order', async function () {
    const [updaterNode, doomed, survivor] = nodes;
    const name = uniqueName('board.failover');
    const updater = await connect(updaterNode);
    const first = await connect(doomed);
    const sub1 = await first.c.rpc<{ subscription: string; version: number }>('sharedObject.subscribe', { name });
    assert.equal(sub1.version, 0);

    const acknowledged: number[] = [];
    let updating = true;
    const updates = (async () => {
      for (let i = 0; updating && i < 5000; i++) {
        const { version } = await updater.c.rpc<{ version: number }>('sharedObject.update', { name, set: { [`s${i % 7}`]: i } });
        acknowledged.push(version);
      }
    })();

    await waitFor('versions to reach the doomed node', () => first.inbox.of(sub1.subscription).length >= 30, 60000);
    await doomed.kill();
    await waitFor('the first client to notice', () => !first.c.connected, 30000);
    const before = first.inbox.of(sub1.subscription).map((s) => s.version);
    const since = before[before.length - 1];

    const second = await connect(survivor);
    const sub2 = await second.c.rpc<{ subscription: string; version: number; slots?: unknown }>('sharedObject.subscribe', { name, since });
    assert.equal(sub2.version, since, 'resumed from the version it had');
    assert.equal(sub2.slots, undefined, 'no snapshot: the versions after it are retained');
    await waitFor('live versions on the survivor', () => second.inbox.of(sub2.subscription).length >= 30, 60000);
    updating = false;
    await updates;
    const last = acknowledged[acknowledged.length - 1];
    await waitFor('every acknowledged version', () => second.inbox.of(sub2.subscription).some((s) => s.version === last), 60000);

    const after = second.inbox.of(sub2.subscription);
    assert.deepEqual(after.filter((s) => s.reset), [], 'no reset');
    const all = [...before, ...after.map((s) => s.version)];
    assert.deepEqual(all, Array.from({ length: last }, (_, i) => i + 1), 'versions 1..last, each once, in order');
    assert.deepEqual(acknowledged, Array.from({ length: last }, (_, i) => i + 1), 'one updater: its versions are consecutive');
    // the deltas add up to the object's final state
    const state: Record<string, unknown> = {};
    for (const s of [...first.inbox.of(sub1.subscription), ...after]) Object.assign(state, s.set ?? {});
    const final = await second.c.rpc<{ version: number; slots: Record<string, unknown> }>('sharedObject.get', { name });
    assert.equal(final.version, last);
    assert.deepEqual(state, final.slots);
  });

  it('delivers a version whose updating node died right after the commit, before appending it: no later update needed, exactly once', async function () {
    const crashy = await group.start({ grid: grid(), logLevel: 'warn', env: { ACTORGRID_TESTING_FAILPOINTS: 'outbox.beforeAppend' } });
    const [, , watcherNode] = nodes;
    const name = uniqueName('board.crash');
    const writer = await connect(nodes[0]);
    assert.deepEqual(await writer.c.rpc('sharedObject.update', { name, set: { a: 1 } }), { version: 1 });
    const watcher = await connect(watcherNode);
    const sub = await watcher.c.rpc<{ subscription: string; version: number }>('sharedObject.subscribe', { name });
    assert.equal(sub.version, 1);

    const doomed = await connect(crashy);
    const outcome = await doomed.c.rpc('sharedObject.update', { name, set: { b: 2 } }).then(
      () => 'answered',
      () => 'failed',
    );
    assert.equal(outcome, 'failed', 'the node died before answering');
    await crashy.exited;
    assert.equal((await writer.c.rpc<{ version: number }>('sharedObject.get', { name })).version, 2, 'version 2 committed');

    // Nobody updates again: the watcher's node notices its stream lags the object and appends it.
    await waitFor('version 2 at the subscriber', () => watcher.inbox.of(sub.subscription).length >= 1, 60000, 200);
    const syncs = watcher.inbox.of(sub.subscription);
    assert.deepEqual(syncs.map((s) => [s.version, s.set, s.reset]), [[2, { b: 2 }, undefined]]);

    // and the next update follows it, once
    assert.deepEqual(await writer.c.rpc('sharedObject.update', { name, set: { c: 3 } }), { version: 3 });
    await waitFor('version 3', () => watcher.inbox.of(sub.subscription).some((s) => s.version === 3), 30000);
    assert.deepEqual(watcher.inbox.of(sub.subscription).map((s) => s.version), [2, 3]);
  });
});
