import { strict as assert } from 'node:assert';
import { ActorGridClient, HttpActorClient, type DestinationMessage, type StateChange } from '../../src/client';
import { sharedCluster } from '../support/cluster';
import { HaproxyProcess } from '../support/HaproxyProcess';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { uniqueName, waitFor } from '../support/waitFor';

const CALLS = 5000;
const IN_FLIGHT = 32;
const KILL_AFTER = 1200;
const STOP_AFTER = 3000;

/**
 * Behind a real HAProxy in front of three nodes (no sticky sessions; health checks on
 * /health/ready), a client that knows only the load balancer's URL carries on when the node its
 * WebSocket went to is SIGKILLed, and again when the next one is stopped gracefully (SIGTERM,
 * drain): it reconnects through HAProxy, its 5,000 calls (32 in flight) are applied exactly once,
 * its destination subscription gets every message once, in order, and its live query resumes.
 */
describe('behind HAProxy: a client that knows only the load balancer survives the SIGKILL and the SIGTERM of its nodes', function () {
  this.timeout(180_000);
  const group = new NodeGroup();
  const clients: ActorGridClient[] = [];
  let proxy: HaproxyProcess | undefined;
  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await proxy?.stop();
    await group.stopAll();
  });

  it('applies every call once and keeps its live query, through the failover', async function () {
    const cluster = sharedCluster();
    const nodes: NodeProcess[] = await group.startMany(3, { grid: { clusterName: cluster.clusterName, members: cluster.addresses() } });
    // `first`: every new connection goes to the first healthy node, so the test knows which one to kill.
    proxy = await HaproxyProcess.start({ backends: nodes.map((n) => n.url), balance: 'first' });
    const lb = `${proxy.url.replace(/^http/, 'ws')}/ws`;
    const client = new ActorGridClient(lb, { discover: false, requestTimeoutMs: 60_000 });
    clients.push(client);
    const states: StateChange['state'][] = [];
    client.onStateChange(({ state }) => states.push(state));
    await client.connect();
    const writer = new ActorGridClient(nodes[2].url, { discover: false });
    clients.push(writer);
    await writer.connect();

    const owner = uniqueName('lb');
    const live = await client.collection('tasks').watch({ where: `owner = '${owner}'` });
    const room = `rooms.${owner}`;
    const received: Array<DestinationMessage<number>> = [];
    await client.destination('chat').subscribe<number>((m) => received.push(m), { subtopic: room });
    const publishing = (async () => {
      for (let i = 0; i < 200; i++) await writer.rpc('destination.publish', { destination: 'chat', subtopic: room, body: i });
    })();
    const counter = uniqueName('lb-counter');
    const results: number[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < CALLS) {
        next += 1;
        results.push(await client.call<number>('Counter', counter, 'increment'));
      }
    };
    const calling = Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await waitFor(`${KILL_AFTER} calls`, () => results.length >= KILL_AFTER, 60_000);
    await nodes[0].kill(); // SIGKILL: the connection drops
    for (let i = 0; i < 5; i++) await writer.collection('tasks').create({ title: `t${i}`, status: 'open', owner }, `${owner}-${i}`);
    await waitFor(`${STOP_AFTER} calls, on the next node`, () => results.length >= STOP_AFTER && client.state === 'open', 60_000);
    await nodes[1].stop({ timeoutMs: 20_000 }); // SIGTERM: the node drains, HAProxy's check takes it out
    await calling;
    await publishing;

    assert.equal(results.length, CALLS);
    assert.deepEqual([...results].sort((a, b) => a - b), Array.from({ length: CALLS }, (_, i) => i + 1), 'each call applied once: distinct counts 1..N');
    assert.equal(await writer.call('Counter', counter, 'get'), CALLS);
    assert.equal(client.url, lb, 'still the load balancer');
    assert.equal(states.filter((s) => s === 'reconnecting').length, 2, `lost and restored twice (SIGKILL, then SIGTERM): ${states.join(' → ')}`);
    assert.equal(client.state, 'open');
    await waitFor('the live query caught up', () => live.records.length === 5, 60_000);
    assert.deepEqual(live.records.map((r) => r.id), Array.from({ length: 5 }, (_, i) => `${owner}-${i}`));

    await waitFor('every message', () => received.length >= 200, 60_000);
    assert.deepEqual(received.map((m) => m.body), Array.from({ length: 200 }, (_, i) => i), 'every message once, in order');

    // Plain HTTP through the balancer reaches the surviving node too.
    const http = new HttpActorClient(proxy.url);
    assert.equal(await http.call('Counter', counter, 'get'), CALLS);
  });
});
