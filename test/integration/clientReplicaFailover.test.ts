import { strict as assert } from 'node:assert';
import { ActorGridClient, type LiveChange, type SharedObjectChange } from '../../src/client';
import { sharedCluster } from '../support/cluster';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { uniqueName, waitFor } from '../support/waitFor';

const WRITES = 150;
const KILL_AFTER = 40;

/**
 * A live query (`client.collection(name).watch()`) and a shared-object replica
 * (`client.sharedObject(name).subscribe()`) survive the SIGKILL of their node: the client reconnects
 * to the other node and resumes both from where they were (a cursor, a version), so they end equal
 * to the server's state, having applied each change once, in order.
 */
describe('ActorGridClient: a live query and a shared-object replica survive the SIGKILL of their node (2 nodes on Hazelcast)', function () {
  this.timeout(180_000);
  const group = new NodeGroup();
  const clients: ActorGridClient[] = [];
  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await group.stopAll();
  });

  it('ends equal to the server, each change applied once, in order', async function () {
    const cluster = sharedCluster();
    const nodes: NodeProcess[] = await group.startMany(2, { grid: { clusterName: cluster.clusterName, members: cluster.addresses() } });
    const owner = uniqueName('owner');
    const board = uniqueName('board.failover');
    const watcher = new ActorGridClient([nodes[0].url, nodes[1].url], { discover: false, requestTimeoutMs: 30_000 });
    clients.push(watcher);
    await watcher.connect();
    const victim = nodes.find((n) => new URL(n.url).port === new URL(watcher.url).port)!;
    const survivor = nodes.find((n) => n !== victim)!;
    const writer = new ActorGridClient(survivor.url, { discover: false });
    clients.push(writer);
    await writer.connect();

    const changes: LiveChange[] = [];
    const syncs: SharedObjectChange[] = [];
    const where = `status = 'open' AND owner = '${owner}'`;
    const open = await watcher.collection('tasks').watch({ where, onChange: (c) => changes.push(c) });
    const replica = await watcher.sharedObject(board).subscribe({ onChange: (c) => syncs.push(c) });
    assert.deepEqual(open.records, []);
    assert.equal(replica.version, 0);

    const tasks = writer.collection('tasks');
    const writing = (async () => {
      for (let i = 0; i < WRITES; i++) {
        const id = `${owner}-${i % 10}`;
        if (i < 10) await tasks.create({ title: `t${i}`, status: 'open', owner, priority: i % 10 }, id);
        else await tasks.update(id, { status: i % 3 === 0 ? 'done' : 'open', priority: i % 10 });
        await writer.sharedObject(board).update({ set: { [`s${i % 7}`]: i } });
      }
    })();
    await waitFor(`${KILL_AFTER} shared-object versions`, () => replica.version >= KILL_AFTER, 60_000);
    await victim.kill();
    await writing;

    const finalQuery = await tasks.query({ where });
    const finalObject = await writer.sharedObject(board).get();
    await waitFor('the replica at the last version', () => replica.version === finalObject.version, 60_000);
    await waitFor('the live query equal to the query', () => same(open.records, finalQuery.records), 60_000);
    assert.equal(watcher.url.replace('/ws', ''), survivor.url.replace(/^http/, 'ws'));
    assert.deepEqual(replica.slots, finalObject.slots, 'the replica holds what the object holds');

    // Versions applied by the replica: each once, in order (a reset snapshot may replace a run of them).
    for (let k = 1; k < syncs.length; k++) {
      const step = syncs[k];
      assert.ok(step.reset ? step.version >= syncs[k - 1].version : step.version === syncs[k - 1].version + 1, `version ${step.version} after ${syncs[k - 1].version}`);
    }
    // Per record, the live query saw strictly increasing versions; every record it holds is open and this owner's.
    const last = new Map<string, number>();
    for (const c of changes) {
      assert.ok((last.get(c.id) ?? 0) < c.version, `${c.id}: version ${c.version} after ${last.get(c.id)}`);
      last.set(c.id, c.version);
      if (c.kind !== 'removed') assert.equal((c.value as { status: string }).status, 'open', `${c.kind} ${c.id} holds an open task`);
    }
    assert.ok(changes.some((c) => c.kind === 'removed') && changes.some((c) => c.kind === 'added'), 'records left and entered the set');
    await open.close();
    await replica.close();
  });
});

function same(a: Array<{ id: string; version: number; value: unknown }>, b: Array<{ id: string; version: number; value: unknown }>): boolean {
  return JSON.stringify(a) === JSON.stringify([...b].sort((x, y) => (x.id < y.id ? -1 : 1)));
}
