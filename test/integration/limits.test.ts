import { strict as assert } from 'node:assert';
import WebSocket from 'ws';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { Logger } from '../../src/runtime/Logger';
import { Counter } from '../../actors/Counter';
import { codeOf } from '../support/codeOf';
import { Actor, Query } from '../../src/actor';
import { uniqueName, waitFor } from '../support/waitFor';
import { SseReader } from '../support/sse';
import * as net from 'node:net';

/** The upgrade's HTTP status: 101 when accepted. */
function upgradeStatus(url: string): Promise<{ status: number; socket?: WebSocket }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.on('open', () => resolve({ status: 101, socket }));
    socket.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      socket.terminate();
    });
    socket.on('error', () => undefined);
  });
}

/**
 * Limits that keep one client from hurting others (config `limits`): connections per node,
 * subscriptions per connection, JSON-RPC batch size, and a request rate per client over every
 * transport (RATE_LIMITED, which the client library retries).
 */
describe('limits: connections, subscriptions, batches and request rate', function () {
  this.timeout(30_000);
  const sockets: WebSocket[] = [];
  const clients: ActorGridClient[] = [];
  let node: ActorGridNode;
  before(async function () {
    const config = loadConfig({
      env: {},
      overrides: { node: { port: 0 }, log: { level: 'silent' }, destinations: { names: ['news'] }, limits: { maxConnections: 3, maxSubscriptionsPerConnection: 2, maxBatch: 3, ratePerSecond: 20 } },
    });
    node = await ActorGridNode.start({ config, actors: [Counter], logger: new Logger('silent') });
  });
  after(async function () {
    sockets.forEach((s) => s.terminate());
    await Promise.allSettled(clients.map((c) => c.close()));
    await node.stop();
  });

  it('caps subscriptions per connection and the size of a batch', async function () {
    const client = new ActorGridClient(node.url, { reconnect: false });
    clients.push(client);
    await client.connect();
    await client.rpc('destination.subscribe', { destination: 'news' });
    await client.rpc('destination.subscribe', { destination: 'news' });
    assert.equal(await codeOf(client.rpc('destination.subscribe', { destination: 'news' })), 'INVALID_REQUEST');
    assert.equal(node.subscriberCounts().destinations, 2, 'the refused one was not made');
    const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'actor.call', params: { type: 'Counter', id: 'b', method: 'get' } });
    const batch = await fetch(`${node.url}/rpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([call(1), call(2), call(3), call(4)]) });
    assert.equal(((await batch.json()) as { error: { data: { code: string } } }).error.data.code, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses WebSocket upgrades past maxConnections with 503, so clients go elsewhere', async function () {
    const ws = `${node.url.replace(/^http/, 'ws')}/ws`;
    // one client from the test above is still connected
    for (let i = 0; i < 2; i++) {
      const { status, socket } = await upgradeStatus(ws);
      assert.equal(status, 101);
      sockets.push(socket!);
    }
    assert.equal((await upgradeStatus(ws)).status, 503);
    sockets.pop()!.terminate();
    // the freed slot is usable again once the node noticed the close
    let status = 0;
    for (let i = 0; i < 50 && status !== 101; i++) {
      const r = await upgradeStatus(ws);
      status = r.status;
      if (r.socket) sockets.push(r.socket);
    }
    assert.equal(status, 101);
  });

  it('answers RATE_LIMITED past the rate, and the client library retries it to success', async function () {
    const id = uniqueName('rate');
    const answers = await Promise.all(Array.from({ length: 80 }, () => fetch(`${node.url}/actors/Counter/${id}/get`, { method: 'POST' })));
    const statuses = answers.map((r) => r.status);
    assert.ok(statuses.includes(429), `some refused: ${statuses.join(',')}`);
    assert.ok(statuses.includes(200), 'a burst gets through');
    const refused = (await answers.find((r) => r.status === 429)!.json()) as { error: { code: string; data: { retryAfterMs: number } } };
    assert.equal(refused.error.code, 'RATE_LIMITED');
    assert.ok(refused.error.data.retryAfterMs > 0);
    sockets.forEach((s) => s.terminate());
    const client = new ActorGridClient(node.url, { requestTimeoutMs: 20_000 });
    clients.push(client);
    await client.connect();
    const counts = await Promise.all(Array.from({ length: 60 }, () => client.call<number>('Counter', id, 'increment')));
    assert.deepEqual([...counts].sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => i + 1), 'every call applied once, after retries');
  });
});

/** A query with a large answer, to fill a socket that is not read. */
@Actor('Blob')
class Blob {
  @Query()
  blob(size: number): string {
    return 'x'.repeat(size);
  }
}

describe('limits: clients that stop reading or answering are dropped', function () {
  this.timeout(30_000);
  let node: ActorGridNode;
  const sockets: WebSocket[] = [];
  before(async function () {
    const config = loadConfig({ env: {}, overrides: { node: { port: 0 }, log: { level: 'silent' }, destinations: { names: ['news'] }, limits: { maxBufferedBytes: 65536, pingIntervalMs: 200, maxPayloadBytes: 4 * 1024 * 1024 } } });
    node = await ActorGridNode.start({ config, actors: [Blob], logger: new Logger('silent') });
  });
  after(async function () {
    sockets.forEach((s) => s.terminate());
    await node.stop();
  });

  const connect = async (): Promise<WebSocket> => {
    const { status, socket } = await upgradeStatus(`${node.url.replace(/^http/, 'ws')}/ws`);
    assert.equal(status, 101);
    sockets.push(socket!);
    return socket!;
  };
  const tcp = (socket: WebSocket) => (socket as unknown as { _socket: { pause(): void } })._socket;

  it('drops a WebSocket whose replies pile up unread past limits.maxBufferedBytes, and keeps the others', async function () {
    const reader = await connect();
    const stuck = await connect();
    tcp(stuck).pause();
    for (let i = 0; i < 200; i++) stuck.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'actor.call', params: { type: 'Blob', id: 'b', method: 'blob', args: [100_000] } }));
    await waitFor('the stuck connection dropped', () => node.connectionCount === 1, 20_000);
    const answer = new Promise<string>((resolve) => reader.once('message', (d) => resolve(String(d))));
    reader.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'actor.call', params: { type: 'Blob', id: 'b', method: 'blob', args: [3] } }));
    assert.match(await answer, /"result":"xxx"/, 'the reading client is served as before');
  });

  it('cuts off an SSE stream whose reader stopped reading, past limits.maxBufferedBytes, and keeps the reading one', async function () {
    const streams = async (): Promise<number> => {
      const text = await (await fetch(`${node.url}/metrics`)).text();
      return Number(/^actorgrid_sse_streams(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1]);
    };
    const reading = new SseReader(`${node.url}/destinations/news/events`);
    await reading.opened;
    // a raw HTTP connection that reads the stream's head, then nothing more
    const stuck = net.connect(Number(new URL(node.url).port), '127.0.0.1');
    sockets.push({ terminate: () => stuck.destroy() } as unknown as WebSocket);
    stuck.write('GET /destinations/news/events HTTP/1.1\r\nhost: x\r\naccept: text/event-stream\r\n\r\n');
    await new Promise<void>((resolve) => stuck.once('data', () => resolve()));
    stuck.pause();
    await waitFor('both streams open', async () => (await streams()) === 2);
    let closed = false;
    stuck.once('close', () => (closed = true));
    // well past what the kernel's socket buffers take on loopback, in 32 KiB messages
    const body = 'x'.repeat(32 * 1024);
    for (let i = 0; i < 400 && (await streams()) === 2; i++) {
      const res = await fetch(`${node.url}/destinations/news/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body }) });
      assert.equal(res.status, 200);
    }
    await waitFor('the stuck stream cut off', async () => (await streams()) === 1);
    stuck.resume(); // reads what the kernel still holds for it, then the node's close
    await waitFor('its connection closed by the node', () => closed);
    const seen = reading.events.length;
    await fetch(`${node.url}/destinations/news/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: 'still here' }) });
    await reading.until((events) => events.length > seen && events.some((e) => e.data?.includes('still here')));
    reading.close();
  });

  it('drops a WebSocket that stops answering pings (limits.pingIntervalMs)', async function () {
    const before = node.connectionCount;
    const frozen = await connect();
    await waitFor('connected', () => node.connectionCount === before + 1);
    tcp(frozen).pause(); // reads nothing, so it never sees a ping nor answers with a pong
    await waitFor('the frozen connection dropped', () => node.connectionCount === before, 10_000);
  });
});
