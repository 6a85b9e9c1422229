import { strict as assert } from 'node:assert';
import type { HazelcastHarness } from '../../scripts/harness/HazelcastHarness';
import { HttpActorClient } from '../../src/client';
import { NodeGroup } from '../support/NodeProcess';
import { PgTestSchema } from '../support/PgTestSchema';
import { TcpProxy } from '../support/TcpProxy';
import { uniqueName, waitFor } from '../support/waitFor';
import { rejection } from './nodesKit';
import { decodeRecord, gridOf, startPersistedCluster } from './persistenceKit';

/**
 * Issue 12 (c): the members reach PostgreSQL through a proxy the test cuts. While it is cut, calls
 * that must write (or load an entry that is not in memory) fail with UNAVAILABLE (retryable) and
 * change nothing, in the grid or in the database; entries already in memory can still be read.
 * Once the proxy is back, the same node and members serve again without any restart, and retried
 * calls are applied once.
 */
describe('persistence: PostgreSQL unreachable for a while (write-through)', function () {
  this.timeout(180_000);
  const clusters: HazelcastHarness[] = [];
  const group = new NodeGroup();
  const id = uniqueName('pgdown');
  const counter = `${id}-counter`;
  let db: PgTestSchema;
  let proxy: TcpProxy;
  let client: HttpActorClient;

  before(async function () {
    db = await PgTestSchema.create('outage');
    proxy = await TcpProxy.start(Number(new URL(db.url).port || 5432), new URL(db.url).hostname);
    const cluster = await startPersistedCluster(clusters, 1, { url: db.urlVia(proxy.port), schema: db.schema });
    const [node] = await group.startMany(1, { grid: gridOf(cluster), id });
    client = new HttpActorClient(node.url);
    for (let i = 1; i <= 5; i++) assert.equal(await client.call('Counter', counter, 'increment', [1]), i);
  });

  after(async function () {
    await group.stopAll();
    for (const cluster of clusters) await cluster.stop();
    await proxy?.close();
    await db?.drop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      console.error(`node logs:\n${group.describe()}\nmember log:\n${clusters.map((c) => c.runningMembers().map((m) => m.logFile)).join('\n')}`);
    }
  });

  const valueInDatabase = async (key: string): Promise<unknown> => {
    const row = await db.row('actor.Counter', key);
    return row?.bin ? decodeRecord(row.bin).state.value : undefined;
  };

  it('fails writes and loads with UNAVAILABLE while the database is cut off, and writes nothing', async function () {
    await proxy.cut();
    for (const n of [1, 2, 3]) {
      const err = await rejection(client.call('Counter', counter, 'increment', [1], { idempotencyKey: `${id}-k${n}` }));
      assert.equal(err.code, 'UNAVAILABLE', `increment ${n}: ${err.message}`);
      assert.equal(err.retryable, true);
      assert.match(err.message, /database is unreachable/, 'the MapStore reported it, not a lost member');
    }
    const load = await rejection(client.call('Counter', `${id}-never-loaded`, 'get'));
    assert.equal(load.code, 'UNAVAILABLE', `a load: ${load.message}`);
    assert.equal(await client.call('Counter', counter, 'get'), 5, 'the grid still holds the last committed value, readable');
    assert.equal(await valueInDatabase(counter), 5, 'the database holds the last committed value');
  });

  it('serves again by itself once the database is back, and retries apply once', async function () {
    await proxy.restore();
    const first = await waitFor(
      'a write to succeed again',
      () => client.call<number>('Counter', counter, 'increment', [1], { idempotencyKey: `${id}-k1` }).catch(() => undefined),
      60_000,
      200,
    );
    assert.equal(first, 6);
    assert.equal(await client.call('Counter', counter, 'increment', [1], { idempotencyKey: `${id}-k2` }), 7);
    assert.equal(await client.call('Counter', counter, 'increment', [1], { idempotencyKey: `${id}-k3` }), 8);
    assert.equal(await client.call('Counter', counter, 'increment', [1], { idempotencyKey: `${id}-k1` }), 6, 'a retry returns its first result');
    assert.equal(await client.call('Counter', counter, 'get'), 8);
    assert.equal(await valueInDatabase(counter), 8);
    assert.equal(await client.call('Counter', `${id}-never-loaded`, 'increment', [1]), 1, 'loads work again');
  });
});
