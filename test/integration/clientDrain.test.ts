import { strict as assert } from 'node:assert';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient, type Notification } from '../../src/client';
import { loadConfig } from '../../src/config';
import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { Logger } from '../../src/runtime/Logger';
import { Action, Actor } from '../../src/actor';
import { Counter } from '../../actors/Counter';
import { uniqueName, waitFor } from '../support/waitFor';

/** A call that takes a while, so that one is on the wire when the drain begins. */
@Actor('Napper')
class Napper {
  @Action()
  async nap(ms: number): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'napped';
  }
}

/**
 * A node that drains tells its WebSockets (`node.draining`) before it stops taking requests; the
 * client then sends nothing new there, lets the requests on the wire be answered, and moves to
 * another node: under load, the draining node refuses nothing (no UNAVAILABLE), and every call is
 * answered once.
 */
describe('ActorGridClient: a draining node is left before it refuses anything', function () {
  this.timeout(60_000);
  const nodes: ActorGridNode[] = [];
  const clients: ActorGridClient[] = [];
  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(nodes.map((n) => n.stop()));
  });

  it('moves to another node on node.draining; the draining node answers no request with UNAVAILABLE', async function () {
    const store = new MemoryGridStore();
    for (const id of ['drain-a', 'drain-b']) {
      const config = loadConfig({ env: {}, overrides: { node: { id, port: 0, drainTimeoutMs: 10_000 }, log: { level: 'silent' } } });
      nodes.push(await ActorGridNode.start({ config, actors: [Counter, Napper], grid: new MemoryGrid(store), logger: new Logger('silent') }));
    }
    const client = new ActorGridClient(nodes.map((n) => n.url), { discover: false });
    clients.push(client);
    const told: Notification[] = [];
    client.onNotification((n) => told.push(n));
    await client.connect();
    const port = (url: string) => new URL(url).port;
    const a = nodes.find((n) => port(n.url) === port(client.url))!; // the node it is on drains
    const b = nodes.find((n) => n !== a)!;

    const id = uniqueName('drain');
    const results: number[] = [];
    let stop = false;
    const load = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!stop) results.push(await client.call<number>('Counter', id, 'increment'));
      }),
    );
    // a slow call is on the wire when the drain starts, so the client has something to wait for
    const slow = client.call('Napper', uniqueName('napper'), 'nap', [300]).catch((err: unknown) => err);
    await waitFor('some calls', () => results.length >= 50);
    const stopping = a.stop();
    await waitFor('moved to b', () => client.state === 'open' && new URL(client.url).port === new URL(b.url).port, 20_000);
    const after = results.length;
    await waitFor('calls on b', () => results.length >= after + 50);
    stop = true;
    await load;
    await stopping;

    assert.ok(told.some((n) => n.method === 'node.draining'), 'the client was told');
    assert.equal(await slow, 'napped', 'the call on the wire when the drain began was answered');
    const scraped = (await a.metrics.scrape()).text;
    assert.doesNotMatch(scraped, /actorgrid_requests_total\{[^}]*outcome="UNAVAILABLE"/, 'the draining node refused nothing');
    const sorted = [...results].sort((x, y) => x - y);
    assert.deepEqual(sorted, Array.from({ length: results.length }, (_, i) => i + 1), 'each call once');
  });
});
