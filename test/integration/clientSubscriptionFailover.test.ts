import { strict as assert } from 'node:assert';
import { ActorGridClient, type DestinationMessage } from '../../src/client';
import { sharedCluster } from '../support/cluster';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { waitFor } from '../support/waitFor';

const MESSAGES = 300;
const KILL_AFTER = 60;

/**
 * A destination subscription made through `client.destination(name).subscribe()` survives the
 * death of its node: the client reconnects to the other node and subscribes again with `after` =
 * the last seq seen, so the handler gets every message exactly once, in order.
 */
describe('ActorGridClient: a destination subscription survives the SIGKILL of its node (2 nodes on Hazelcast)', function () {
  this.timeout(120_000);
  const group = new NodeGroup();
  const clients: ActorGridClient[] = [];
  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await group.stopAll();
  });

  it('delivers every message once, in order, across the failover', async function () {
    const cluster = sharedCluster();
    const nodes: NodeProcess[] = await group.startMany(2, { grid: { clusterName: cluster.clusterName, members: cluster.addresses() } });
    const room = `rooms.failover${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const subscriber = new ActorGridClient([nodes[0].url, nodes[1].url], { discover: false, requestTimeoutMs: 30_000 });
    clients.push(subscriber);
    await subscriber.connect();
    const victim = nodes.find((n) => new URL(n.url).port === new URL(subscriber.url).port)!;
    const survivor = nodes.find((n) => n !== victim)!;
    // The publisher only knows the survivor, so its publishes never fall into the kill.
    const publisher = new ActorGridClient(survivor.url, { discover: false });
    clients.push(publisher);
    await publisher.connect();

    const received: Array<DestinationMessage<number>> = [];
    const gaps: unknown[] = [];
    const sub = await subscriber.destination('chat').subscribe<number>((m) => received.push(m), { subtopic: room, onGap: (g) => gaps.push(g) });

    const publishing = (async () => {
      for (let i = 0; i < MESSAGES; i++) await publisher.rpc('destination.publish', { destination: 'chat', subtopic: room, body: i });
    })();
    await waitFor(`${KILL_AFTER} messages`, () => received.length >= KILL_AFTER, 60_000);
    const atKill = received.length;
    await victim.kill();
    await publishing;
    await waitFor(`all ${MESSAGES} messages (got ${received.length})`, () => received.length >= MESSAGES, 60_000);
    assert.deepEqual(
      received.map((m) => m.body),
      Array.from({ length: MESSAGES }, (_, i) => i),
      'every message once, in order',
    );
    assert.deepEqual(gaps, []);
    assert.ok(atKill < MESSAGES, `the kill came before the last message (${atKill} received then)`);
    assert.equal(subscriber.url, webSocketOf(survivor));
    assert.equal(sub.lastSeq, received[received.length - 1].seq);
    await sub.unsubscribe();
  });
});

function webSocketOf(node: NodeProcess): string {
  return `${node.url.replace(/^http/, 'ws')}/ws`;
}
