import { strict as assert } from 'node:assert';
import { ActorGridClient } from '../../src/client';
import { sharedCluster } from '../support/cluster';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { SyncInbox } from '../support/syncInbox';
import { uniqueName, waitFor } from '../support/waitFor';

/**
 * A shared object's node dies between an update's commit and the append of its delta: the version
 * is committed, so the subscriber's node notices the object is ahead of its stream (repair check)
 * and has the delta appended; the subscriber gets it, once, before the next version. Real node
 * processes on the shared Hazelcast cluster, the example `board.*` family.
 */
describe('Shared objects: a node dies right after committing an update (node processes, real Hazelcast)', function () {
  this.timeout(180000);
  const group = new NodeGroup();
  const clients: ActorGridClient[] = [];

  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await group.killAll();
  });

  async function connect(node: NodeProcess): Promise<{ c: ActorGridClient; inbox: SyncInbox }> {
    const c = new ActorGridClient(node.url);
    const inbox = new SyncInbox(c);
    await c.connect();
    clients.push(c);
    return { c, inbox };
  }

  /** Retries while the dead node's lock on the object lasts (until the grid notices it is gone). */
  async function retryLocked<T>(what: string, call: () => Promise<T>): Promise<T> {
    let value: T | undefined;
    await waitFor(what, async () => {
      value = await call().catch((err: unknown) => {
        if ((err as { code?: string }).code === 'LOCK_TIMEOUT') return undefined;
        throw err;
      });
      return value !== undefined;
    }, 60000, 100);
    return value!;
  }

  it('syncs the committed version to subscribers without any further update, then the next one, each once', async function () {
    const cluster = sharedCluster();
    const grid = { clusterName: cluster.clusterName, members: cluster.addresses() };
    const [survivor] = await group.startMany(1, { grid, logLevel: 'warn' });
    const crashy = await group.start({ grid, logLevel: 'warn', env: { ACTORGRID_TESTING_FAILPOINTS: 'outbox.beforeAppend' } });
    const name = `board.${uniqueName('crash')}`;
    const sub = await connect(survivor);
    const s = await sub.c.rpc<{ subscription: string; version: number }>('sharedObject.subscribe', { name });
    assert.equal(s.version, 0);
    const doomed = await connect(crashy);
    const outcome = await doomed.c.rpc('sharedObject.update', { name, set: { title: 'one' } }).then(
      () => 'answered',
      () => 'failed',
    );
    assert.equal(outcome, 'failed', 'the node died before answering');
    await crashy.exited;
    // nothing else updates the object: the survivor's repair check must have the delta appended
    await waitFor('the committed version on the survivor', () => sub.inbox.of(s.subscription).length >= 1, 90000, 100);
    assert.deepEqual(sub.inbox.of(s.subscription).map((x) => [x.version, x.set, x.reset]), [[1, { title: 'one' }, undefined]]);
    const next = await retryLocked('the next update', () => sub.c.rpc<{ version: number }>('sharedObject.update', { name, set: { title: 'two' } }, { timeoutMs: 30000 }));
    assert.equal(next.version, 2);
    await waitFor('version 2', () => sub.inbox.last(s.subscription) >= 2, 30000);
    assert.deepEqual(sub.inbox.trace(s.subscription), ['v1', 'v2'], 'each version once, in order');
    assert.deepEqual(await sub.c.rpc('sharedObject.get', { name }), { version: 2, slots: { title: 'two' } });
  });
});
