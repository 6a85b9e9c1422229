import { strict as assert } from 'node:assert';
import { ActorGridClient, HttpActorClient, type StateChange } from '../../src/client';
import { sharedCluster } from '../support/cluster';
import { HaproxyProcess } from '../support/HaproxyProcess';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { uniqueName, waitFor } from '../support/waitFor';

const CALLS = 300;
const IN_FLIGHT = 16;
const KILL_AFTER = 100;

/**
 * Behind a real HAProxy (no sticky sessions; health checks on /health/ready), a client that knows
 * only the load balancer's URL carries on when the node its WebSocket went to is SIGKILLed: it
 * reconnects through HAProxy to the other node, its calls are applied exactly once, and its live
 * query resumes.
 */
describe('behind HAProxy: a client that knows only the load balancer survives the SIGKILL of its node', function () {
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
    const nodes: NodeProcess[] = await group.startMany(2, { grid: { clusterName: cluster.clusterName, members: cluster.addresses() } });
    // `first`: every new connection goes to the first healthy node, so the test knows which one to kill.
    proxy = await HaproxyProcess.start({ backends: nodes.map((n) => n.url), balance: 'first' });
    const lb = `${proxy.url.replace(/^http/, 'ws')}/ws`;
    const client = new ActorGridClient(lb, { discover: false, requestTimeoutMs: 60_000 });
    clients.push(client);
    const states: StateChange['state'][] = [];
    client.onStateChange(({ state }) => states.push(state));
    await client.connect();
    const writer = new ActorGridClient(nodes[1].url, { discover: false });
    clients.push(writer);
    await writer.connect();

    const owner = uniqueName('lb');
    const live = await client.collection('tasks').watch({ where: `owner = '${owner}'` });
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
    await nodes[0].kill();
    for (let i = 0; i < 5; i++) await writer.collection('tasks').create({ title: `t${i}`, status: 'open', owner }, `${owner}-${i}`);
    await calling;

    assert.equal(results.length, CALLS);
    assert.deepEqual([...results].sort((a, b) => a - b), Array.from({ length: CALLS }, (_, i) => i + 1), 'each call applied once: distinct counts 1..N');
    assert.equal(await writer.call('Counter', counter, 'get'), CALLS);
    assert.equal(client.url, lb, 'still the load balancer');
    assert.ok(states.includes('reconnecting'), `the connection was lost and restored: ${states.join(' → ')}`);
    assert.equal(client.state, 'open');
    await waitFor('the live query caught up', () => live.records.length === 5, 60_000);
    assert.deepEqual(live.records.map((r) => r.id), Array.from({ length: 5 }, (_, i) => `${owner}-${i}`));

    // Plain HTTP through the balancer reaches the surviving node too.
    const http = new HttpActorClient(proxy.url);
    assert.equal(await http.call('Counter', counter, 'get'), CALLS);
  });
});
