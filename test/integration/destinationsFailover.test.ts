import { strict as assert } from 'node:assert';
import { ActorGridClient } from '../../src/client';
import { sharedCluster } from '../support/cluster';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { Inbox } from '../support/notifications';
import { uniqueName, waitFor } from '../support/waitFor';

/**
 * A subscriber's node is SIGKILLed while messages flow: the subscriber resumes on another node with
 * `after` and gets every message that was acknowledged to the publisher, in order, exactly once.
 * Real node processes on the shared Hazelcast cluster, the example `chat` destination.
 */
describe('Destinations: failover of the subscriber\'s node (3 node processes, real Hazelcast)', function () {
  this.timeout(180000);
  const group = new NodeGroup();
  const clients: ActorGridClient[] = [];
  let nodes: NodeProcess[];

  before(async function () {
    const cluster = sharedCluster();
    nodes = await group.startMany(3, { grid: { clusterName: cluster.clusterName, members: cluster.addresses() }, logLevel: 'warn' });
  });

  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await group.killAll();
  });

  async function connect(node: NodeProcess): Promise<{ c: ActorGridClient; inbox: Inbox }> {
    // reconnect: false: these tests watch the nodes, so a client stays on its node and fails with it.
    const c = new ActorGridClient(node.url, { reconnect: false });
    const inbox = new Inbox(c);
    await c.connect();
    clients.push(c);
    return { c, inbox };
  }

  it('misses nothing and repeats nothing when the subscriber resumes on another node', async function () {
    const [publisherNode, doomed, survivor] = nodes;
    const room = `rooms.${uniqueName('r')}`;
    const pub = await connect(publisherNode);
    const first = await connect(doomed);
    const sub1 = await first.c.rpc<{ subscription: string; seq: number }>('destination.subscribe', { destination: 'chat', subtopic: room });

    // publish continuously from node A, recording every acknowledged sequence
    const acknowledged: number[] = [];
    let publishing = true;
    const publisher = (async () => {
      for (let i = 0; publishing && i < 5000; i++) {
        const { seq } = await pub.c.rpc<{ seq: number }>('destination.publish', { destination: 'chat', subtopic: room, body: { i } });
        acknowledged.push(seq);
      }
    })();

    await waitFor('messages to flow to the doomed node', () => first.inbox.messages(sub1.subscription).length >= 50, 60000);
    await doomed.kill();
    await waitFor('the first client to notice', () => !first.c.connected, 30000);
    const before = first.inbox.messages(sub1.subscription).map((m) => m.seq);
    const lastSeen = before[before.length - 1];

    const second = await connect(survivor);
    const sub2 = await second.c.rpc<{ subscription: string; seq: number }>('destination.subscribe', { destination: 'chat', subtopic: room, after: lastSeen });
    await waitFor('live messages on the survivor', () => second.inbox.messages(sub2.subscription).length >= 50, 60000);
    publishing = false;
    await publisher;
    const lastAck = acknowledged[acknowledged.length - 1];
    await waitFor('every acknowledged message', () => second.inbox.messages(sub2.subscription).some((m) => m.seq === lastAck), 60000);

    const after = second.inbox.messages(sub2.subscription).map((m) => m.seq);
    assert.deepEqual(second.inbox.gaps(sub2.subscription), [], 'nothing was lost past retention');
    const all = [...before, ...after];
    assert.equal(new Set(all).size, all.length, 'no message twice');
    assert.deepEqual(all, [...all].sort((x, y) => x - y), 'in order');
    const received = new Set(all);
    const missing = acknowledged.filter((seq) => !received.has(seq));
    assert.deepEqual(missing, [], 'every acknowledged message was delivered');
    assert.deepEqual(all, acknowledged, 'exactly the published messages (only this test publishes to this room)');
    assert.ok(before.length > 0 && after.length > 0);
  });

  it('delivers a message an actor published even when its node dies right after the commit: the next turn appends it, once', async function () {
    const cluster = sharedCluster();
    const crashy = await group.start({ grid: { clusterName: cluster.clusterName, members: cluster.addresses() }, logLevel: 'warn', env: { ACTORGRID_TESTING_FAILPOINTS: 'outbox.beforeAppend' } });
    const room = uniqueName('room');
    const sub = await connect(nodes[2]);
    const s = await sub.c.rpc<{ subscription: string }>('destination.subscribe', { destination: 'chat', subtopic: `rooms.${room}` });
    const doomed = await connect(crashy);
    const lost = await doomed.c.call('Room', room, 'post', ['ann', 'one']).then(
      () => 'answered',
      () => 'failed',
    );
    assert.equal(lost, 'failed', 'the node died before answering');
    await crashy.exited;
    const other = await connect(nodes[0]); // nodes[1] was killed by the test before
    assert.equal(await other.c.call('Room', room, 'count'), 1, 'the post committed');
    // The dead node's lock on the room lasts until the grid notices the client is gone (~10 s):
    // retry while it is LOCK_TIMEOUT, as a client would, with one idempotency key.
    let posted: unknown;
    await waitFor('the next post', async () => {
      posted = await other.c.call('Room', room, 'post', ['bob', 'two'], { idempotencyKey: `${room}-two` }).catch((err: unknown) => {
        if ((err as { code?: string }).code === 'LOCK_TIMEOUT') return undefined;
        throw err;
      });
      return posted !== undefined;
    }, 60000, 100);
    assert.equal(posted, 2);
    await waitFor('both messages', () => sub.inbox.messages(s.subscription).length >= 2, 30000);
    const texts = sub.inbox.messages(s.subscription).map((m) => (m.body as { text: string }).text);
    assert.deepEqual(texts, ['one', 'two'], 'the committed message first, then the next, each once');
    assert.deepEqual(sub.inbox.gaps(s.subscription), []);
  });
});
