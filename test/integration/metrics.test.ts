import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient } from '../../src/client';
import { loadConfig, type Config, type DeepPartial } from '../../src/config';
import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { Logger } from '../../src/runtime/Logger';
import { Account } from '../../actors/Account';
import { Counter } from '../../actors/Counter';
import { uniqueName, waitFor } from '../support/waitFor';

/** One sample of the text exposition format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format strictly: every line a comment, blank, or a valid sample. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.]+(?:e[+-]?[0-9]+)?|NaN|\+Inf|-Inf)$/i.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? []) {
      const at = pair.indexOf('=');
      labels[pair.slice(0, at)] = JSON.parse(pair.slice(at + 1)) as string;
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

describe('metrics: GET /metrics in the Prometheus text format', function () {
  this.timeout(30_000);
  const nodes: ActorGridNode[] = [];
  const clients: ActorGridClient[] = [];
  const start = async (id: string, store: MemoryGridStore, extra: DeepPartial<Config> = {}): Promise<ActorGridNode> => {
    const config = loadConfig({ env: {}, overrides: { node: { id, port: 0 }, log: { level: 'silent' }, destinations: { names: ['news'] }, ...extra } });
    const node = await ActorGridNode.start({ config, actors: [Counter, Account], grid: new MemoryGrid(store), logger: new Logger('silent') });
    nodes.push(node);
    return node;
  };
  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(nodes.map((n) => n.stop()));
  });

  it('counts calls by outcome, turns, grid operations, publishes, connections and bytes, each node its own, without actor ids', async function () {
    const store = new MemoryGridStore();
    const a = await start('metrics-a', store);
    const b = await start('metrics-b', store);
    const id = uniqueName('metered');
    const client = new ActorGridClient(`${a.url.replace(/^http/, 'ws')}/ws`, { reconnect: false });
    clients.push(client);
    await client.connect();
    for (let i = 0; i < 5; i++) await client.call('Counter', id, 'increment', [1]);
    await client.call('Account', id, 'deposit', [1]); // a locked turn (Counter.increment is optimistic)
    await client.call('Counter', id, 'increment', ['x']).catch(() => undefined);
    await client.rpc('destination.publish', { destination: 'news', body: 'hi' });
    const res = await fetch(`${a.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    const samples = parse(text);
    assert.equal(value(samples, 'actorgrid_actor_calls_total', { type: 'Counter', method: 'increment', outcome: 'ok' }), 5);
    assert.equal(value(samples, 'actorgrid_requests_total', { method: 'actor.call', outcome: 'INVALID_ARGUMENTS' }), 1);
    assert.equal(value(samples, 'actorgrid_turn_batch_size_count', { type: 'Counter' }), 5);
    assert.equal(value(samples, 'actorgrid_grid_op_duration_seconds_count', { op: 'map.tryLock' }), 1, 'the optimistic increments took no lock');
    assert.ok(value(samples, 'actorgrid_grid_op_duration_seconds_count', { op: 'map.replaceIfSame' }) >= 4);
    assert.ok(value(samples, 'actorgrid_lock_wait_seconds_count', { type: 'Account' }) === 1);
    assert.equal(value(samples, 'actorgrid_destination_publishes_total', { destination: 'news' }), 1);
    assert.equal(value(samples, 'actorgrid_websocket_connections'), 1);
    assert.ok(value(samples, 'actorgrid_websocket_bytes_total', { direction: 'in' }) > 0);
    assert.ok(value(samples, 'actorgrid_websocket_bytes_total', { direction: 'out' }) > 0);
    assert.ok(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds'), 'default process metrics, event-loop lag among them');
    assert.ok(samples.every((s) => s.labels.node === 'metrics-a'), 'every sample names its node');
    assert.ok(!text.includes(id), 'no actor id in any label');
    const other = parse(await (await fetch(`${b.url}/metrics`)).text());
    assert.equal(value(other, 'actorgrid_actor_calls_total'), 0, 'the other node in this process counts only its own');
  });

  it('counts destination deliveries, gaps and subscribers by destination name, never by subtopic', async function () {
    const node = await start('metrics-dest', new MemoryGridStore(), { destinations: { names: ['news'], retention: 16 } });
    const client = new ActorGridClient(`${node.url.replace(/^http/, 'ws')}/ws`, { reconnect: false });
    clients.push(client);
    await client.connect();
    const publish = (i: number): Promise<unknown> => client.rpc('destination.publish', { destination: 'news', body: i, subtopic: `region-${i % 2}.sports` });
    for (let i = 0; i < 20; i++) await publish(i);
    const got: number[] = [];
    const gaps: Array<[number, number]> = [];
    // resumes after 0: 1..3 are overwritten (retention 16), so one gap, then 4..19
    await client.destination('news').subscribe((m) => got.push(m.seq), { after: 0, onGap: (g) => gaps.push([g.from, g.to]) });
    await client.destination('news').subscribe(() => undefined, { subtopic: 'region-1.*' });
    for (let i = 20; i < 22; i++) await publish(i);
    await waitFor('the replay and the live messages', () => got.length === 18);
    assert.deepEqual(gaps, [[1, 3]]);
    const scrape = async (): Promise<string> => (await fetch(`${node.url}/metrics`)).text();
    // 16 replayed + 2 live to the first subscription, 1 live (region-1) to the second
    await waitFor('every delivery counted', async () => value(parse(await scrape()), 'actorgrid_destination_deliveries_total', { destination: 'news' }) >= 19);
    const text = await scrape();
    const samples = parse(text);
    assert.equal(value(samples, 'actorgrid_destination_deliveries_total', { destination: 'news' }), 19);
    assert.equal(value(samples, 'actorgrid_destination_gaps_total', { destination: 'news' }), 1);
    assert.equal(value(samples, 'actorgrid_destination_subscribers', { destination: 'news' }), 2);
    assert.equal(value(samples, 'actorgrid_destination_publishes_total', { destination: 'news' }), 22);
    assert.ok(!text.includes('region-'), 'no subtopic in any label');
  });

  it('asks for credentials with the role "metrics" when auth is on', async function () {
    const key = 'scraper-key-0001';
    const node = await start('metrics-auth', new MemoryGridStore(), {
      auth: { enabled: true, apiKeys: [`scraper:${createHash('sha256').update(key).digest('hex')}:metrics`, `other:${createHash('sha256').update('other-key-0001').digest('hex')}:ops`] },
    });
    assert.equal((await fetch(`${node.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${node.url}/metrics`, { headers: { authorization: 'ApiKey other-key-0001' } })).status, 403);
    const ok = await fetch(`${node.url}/metrics`, { headers: { authorization: `ApiKey ${key}` } });
    assert.equal(ok.status, 200);
    assert.ok(parse(await ok.text()).length > 0);
  });
});
