import { strict as assert } from 'node:assert';
import { ActorGridNode } from '../../src/ActorGridNode';
import { loadConfig } from '../../src/config';
import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { Logger } from '../../src/runtime/Logger';
import { Account } from '../../actors/Account';
import { Counter } from '../../actors/Counter';
import { GREETER, Greeter, Greeting } from '../fixtures/diActors';
import { Unstorable } from '../fixtures/testActors';

const silent = new Logger('silent');
const config = (id: string) => loadConfig({ env: {}, overrides: { node: { id, port: 0 }, log: { level: 'silent' } } });

async function post(url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('ActorGridNode (in process, memory grid)', function () {
  const nodes: ActorGridNode[] = [];
  after(async function () {
    await Promise.allSettled(nodes.map((n) => n.stop()));
  });

  it('injects app services and the logger into actors from the node\'s own container', async function () {
    const node = await ActorGridNode.start({
      config: config('di-1'),
      actors: [Greeting],
      logger: silent,
      configure: (c) => c.registerInstance(GREETER, new Greeter('hej')),
    });
    nodes.push(node);
    const other = await ActorGridNode.start({
      config: config('di-2'),
      actors: [Greeting],
      logger: silent,
      configure: (c) => c.registerInstance(GREETER, new Greeter('salut')),
    });
    nodes.push(other);
    assert.deepEqual((await post(`${node.url}/actors/Greeting/g/greet`, ['ann'])).json, { result: 'hej, ann' });
    assert.deepEqual((await post(`${other.url}/actors/Greeting/g/greet`, ['bo'])).json, { result: 'salut, bo' }, 'each node has its own container');
  });

  it('answers a result or state the runtime cannot store with ACTOR_ERROR in its own words, not the encoder\'s', async function () {
    const node = await ActorGridNode.start({ config: config('unstorable'), actors: [Unstorable], logger: silent });
    nodes.push(node);
    for (const method of ['cyclic', 'symbolState']) {
      const { status, json } = await post(`${node.url}/actors/Unstorable/u/${method}`);
      assert.equal(status, 422, method);
      assert.equal(json.error.code, 'ACTOR_ERROR');
      assert.match(json.error.message, /^the method (returned a value|left state) that cannot be stored/);
      assert.doesNotMatch(json.error.message, /call stack|Unknown type/);
    }
    const own = await post(`${node.url}/actors/Unstorable/u/fails`);
    assert.deepEqual(own.json.error, { code: 'ACTOR_ERROR', message: 'the actor\'s own words', data: { name: 'TypeError' } });
  });

  it('shares state between nodes on one grid and lists them in /cluster', async function () {
    const store = new MemoryGridStore();
    const a = await ActorGridNode.start({ config: config('share-a'), actors: [Counter], grid: new MemoryGrid(store), logger: silent });
    nodes.push(a);
    const b = await ActorGridNode.start({ config: config('share-b'), actors: [Counter], grid: new MemoryGrid(store), logger: silent });
    nodes.push(b);
    await post(`${a.url}/actors/Counter/shared/increment`, [2]);
    assert.deepEqual((await post(`${b.url}/actors/Counter/shared/increment`, [3])).json, { result: 5 });
    const cluster = (await (await fetch(`${a.url}/cluster`)).json()) as { nodes: Array<{ id: string; url: string }> };
    assert.deepEqual(cluster.nodes.map((n) => n.id).sort(), ['share-a', 'share-b']);
    assert.ok(cluster.nodes.some((n) => n.url === b.url));
  });

  it('lists its advertised URL in /cluster when node.advertiseUrl is set, and refuses one that is not an http(s) URL', async function () {
    const advertised = 'http://node-7.example.com:9000';
    const node = await ActorGridNode.start({ config: loadConfig({ env: {}, overrides: { node: { id: 'adv', port: 0, advertiseUrl: advertised }, log: { level: 'silent' } } }), actors: [Counter], logger: silent });
    nodes.push(node);
    const cluster = (await (await fetch(`${node.url}/cluster`)).json()) as { nodes: Array<{ id: string; url: string }> };
    assert.deepEqual(cluster.nodes.map((n) => [n.id, n.url]), [['adv', advertised]]);
    assert.throws(() => loadConfig({ env: { ACTORGRID_NODE_ADVERTISE_URL: 'node-7:9000' } }), /node\.advertiseUrl/);
  });

  it('drains on stop: not ready, calls refused with UNAVAILABLE, running calls answered, locks released', async function () {
    const store = new MemoryGridStore();
    const grid = new MemoryGrid(store);
    const node = await ActorGridNode.start({ config: config('drain'), actors: [Account], grid, logger: silent });
    nodes.push(node);
    const url = node.url;
    const running = Array.from({ length: 20 }, () => post(`${url}/actors/Account/d/deposit`, [1]));
    const stopping = node.stop();
    await stopping;
    const answers = await Promise.allSettled(running);
    const ok = answers.filter((a) => a.status === 'fulfilled' && a.value.status === 200).length;
    const refused = answers.filter((a) => a.status === 'fulfilled' && a.value.status === 503).length;
    const dropped = answers.filter((a) => a.status === 'rejected').length;
    assert.equal(ok + refused + dropped, 20);
    const other = new MemoryGrid(store);
    assert.equal(await other.map('actor.Account').isLocked('d'), false, 'no lock left behind'); // deposit takes the lock (Counter.increment is optimistic)
    // every call acknowledged before the stop is in the state
    const later = await ActorGridNode.start({ config: config('after-drain'), actors: [Account], grid: other, logger: silent });
    nodes.push(later);
    const value = (await post(`${later.url}/actors/Account/d/balance`)).json.result as number;
    assert.ok(value >= ok, `acknowledged ${ok}, stored ${value}`);
  });

  it('refuses a second registration of a type name at start', async function () {
    const config1 = config('dup');
    class Other extends Counter {}
    const { Actor } = await import('../../src/actor');
    Actor('Counter')(Other);
    await assert.rejects(ActorGridNode.start({ config: config1, actors: [Counter, Other], logger: silent }), /DUPLICATE_TYPE|Counter/);
  });
});
