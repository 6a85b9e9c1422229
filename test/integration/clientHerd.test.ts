import { strict as assert } from 'node:assert';
import { ActorGridClient } from '../../src/client';
import { sharedCluster } from '../support/cluster';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { uniqueName, waitFor } from '../support/waitFor';

const CLIENTS = 1000;

/**
 * No thundering herd: 1,000 clients spread over three nodes; the node a third of them are on is
 * SIGKILLed. Every one of them reconnects, to the two survivors in roughly equal shares (random
 * order per client, backoff with full jitter), and each can call again. Times are printed, not
 * asserted.
 */
describe('ActorGridClient: 1,000 clients whose node dies spread over the survivors (3 nodes on Hazelcast)', function () {
  this.timeout(240_000);
  const group = new NodeGroup();
  const clients: ActorGridClient[] = [];
  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await group.stopAll();
  });

  it('reconnects every client of the dead node, spread over the survivors', async function () {
    const cluster = sharedCluster();
    const nodes: NodeProcess[] = await group.startMany(3, { grid: { clusterName: cluster.clusterName, members: cluster.addresses() } });
    const urls = nodes.map((n) => n.url);
    const reopenedAt = new Map<ActorGridClient, number>();
    const lostAt = new Map<ActorGridClient, number>();
    for (let i = 0; i < CLIENTS; i++) {
      const client = new ActorGridClient(urls, { discover: false, requestTimeoutMs: 60_000 });
      client.onStateChange(({ state }) => {
        if (state === 'open' && reopenedAt.has(client)) reopenedAt.set(client, Date.now());
        if (state === 'reconnecting') lostAt.set(client, Date.now());
      });
      clients.push(client);
    }
    for (let i = 0; i < CLIENTS; i += 100) await Promise.all(clients.slice(i, i + 100).map((c) => c.connect()));
    const portOf = (url: string) => new URL(url).port;
    const victim = nodes[0];
    const onVictim = clients.filter((c) => portOf(c.url) === portOf(victim.url));
    assert.ok(onVictim.length > CLIENTS / 6, `first connections are spread: ${onVictim.length} of ${CLIENTS} on one node`);
    for (const c of onVictim) reopenedAt.set(c, 0);

    const killedAt = Date.now();
    await victim.kill();
    await waitFor(`all ${onVictim.length} clients open again`, () => onVictim.every((c) => c.state === 'open' && (reopenedAt.get(c) ?? 0) > 0), 120_000);

    const survivors = nodes.slice(1).map((n) => portOf(n.url));
    const shares = survivors.map((port) => onVictim.filter((c) => portOf(c.url) === port).length);
    assert.equal(shares[0] + shares[1], onVictim.length, 'every client moved to a survivor');
    assert.ok(Math.min(...shares) >= onVictim.length / 4, `spread over both survivors: ${shares.join(' / ')}`);
    const id = uniqueName('herd');
    const counts = await Promise.all(onVictim.map((c) => c.call<number>('Counter', id, 'increment')));
    assert.equal(Math.max(...counts), onVictim.length, 'each moved client can call again');

    const quantiles = (values: number[]): string => {
      const ms = [...values].sort((a, b) => a - b);
      const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
      return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${ms[ms.length - 1]} ms`;
    };
    const lost = onVictim.map((c) => lostAt.get(c)! - killedAt);
    const reopened = onVictim.map((c) => reopenedAt.get(c)! - lostAt.get(c)!);
    console.log(`      ${onVictim.length} clients of the killed node (shares ${shares.join(' / ')}): noticed the loss after ${quantiles(lost)}; open again after ${quantiles(reopened)} more`);
  });
});
