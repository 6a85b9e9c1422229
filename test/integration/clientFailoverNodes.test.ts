import { strict as assert } from 'node:assert';
import { ActorGridClient, type StateChange } from '../../src/client';
import { sharedCluster } from '../support/cluster';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { uniqueName, waitFor } from '../support/waitFor';
import { failureSummary, runLoad, type Outcome } from './nodesKit';

const CALLS = 1500;
const IN_FLIGHT = 32;
/** The node the client is on dies after this many results, and the next one after the second. */
const KILLS_AFTER = [300, 900];

/**
 * ActorGridClient failover against real node processes on the shared Hazelcast cluster: one client
 * holding all three URLs runs 1,500 `Counter.increment` calls with 32 in flight while the node it is
 * connected to is SIGKILLed, and later the node it moved to. The application sees no error and the
 * counter ends exactly at the number of calls: what was in flight was re-sent with its idempotency
 * key on the next node and applied once.
 */
describe('ActorGridClient failover: the connected node SIGKILLed under load, twice (3 nodes on Hazelcast)', function () {
  this.timeout(180_000);
  const group = new NodeGroup();
  const id = uniqueName('client-failover');
  let nodes: NodeProcess[];
  let client: ActorGridClient | undefined;
  const changes: Array<StateChange & { at: number }> = [];
  const killedAt: number[] = [];
  let outcomes: Outcome<unknown>[] = [];

  after(async function () {
    await client?.close();
    await group.stopAll();
  });

  before(async function () {
    const cluster = sharedCluster();
    nodes = await group.startMany(3, {
      grid: { clusterName: cluster.clusterName, members: cluster.addresses() },
      id,
      env: { ACTORGRID_TURN_LEASE_MS: '4000', ACTORGRID_REGISTRY_HEARTBEAT_MS: '300', ACTORGRID_REGISTRY_TTL_MS: '2000' },
    });
    client = new ActorGridClient(
      nodes.map((n) => n.url),
      { requestTimeoutMs: 60_000, onStateChange: (change) => changes.push({ ...change, at: Date.now() }) },
    );
    await client.connect();
    const c = client;
    const nodeOf = (url: string) => nodes.find((n) => c.urls.indexOf(url) >= 0 && new URL(url).port === new URL(n.url).port)!;

    let done = 0;
    const kills = (async () => {
      for (const after of KILLS_AFTER) {
        await waitFor(`${after} results`, () => done >= after && c.state === 'open', 120_000);
        const victim = nodeOf(c.url);
        killedAt.push(Date.now());
        await victim.kill();
      }
    })();
    outcomes = await runLoad(
      CALLS,
      IN_FLIGHT,
      () => c.call('Counter', id, 'increment', [1]),
      () => (done += 1),
    );
    await kills;
  });

  it('gives the application no error', function () {
    assert.equal(outcomes.filter((o) => !o.ok).length, 0, failureSummary(outcomes));
  });

  it('applies every call exactly once', async function () {
    assert.equal(await client!.call('Counter', id, 'get'), CALLS);
    const values = outcomes.map((o) => (o.ok ? o.value : undefined)).sort((a, b) => (a as number) - (b as number));
    assert.deepEqual(values, Array.from({ length: CALLS }, (_, i) => i + 1), 'each call got a distinct count: none applied twice');
  });

  it('lost its node twice and reconnected to another each time', function () {
    assert.equal(killedAt.length, KILLS_AFTER.length);
    assert.deepEqual(
      changes.map((ch) => ch.state),
      ['connecting', 'open', 'reconnecting', 'open', 'reconnecting', 'open'],
    );
    const opens = changes.filter((ch) => ch.state === 'open').map((ch) => ch.url);
    assert.equal(new Set(opens).size, 3, 'a different node each time');
    const reconnectMs = killedAt.map((t, i) => changes.filter((ch) => ch.state === 'open')[i + 1].at - t);
    const resumedMs = killedAt.map((t) => Math.min(...outcomes.filter((o) => o.at > t).map((o) => o.at)) - t);
    console.log(`      after SIGKILL: state open again in ${reconnectMs.join(', ')} ms; first result in ${resumedMs.join(', ')} ms`);
  });
});
