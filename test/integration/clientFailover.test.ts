import { strict as assert } from 'node:assert';
import type WebSocket from 'ws';
import { ActorGridClient, RequestTimeoutError, type StateChange } from '../../src/client';
import { CLIENT_SOCKETS } from '../support/clientSockets';
import { FakeWsNode } from '../support/FakeWsNode';
import { waitFor } from '../support/waitFor';
import { rejection } from './nodesKit';

function reply(socket: WebSocket, id: number, result: unknown): void {
  socket.send(JSON.stringify({ jsonrpc: '2.0', id, result }));
}

function replyError(socket: WebSocket, id: number, code: string): void {
  socket.send(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message: `scripted ${code}`, data: { code } } }));
}

/**
 * ActorGridClient failover against scripted WebSocket servers: state changes, re-sending what a
 * lost connection carried (same idempotency key), retrying retryable errors, failing fast on the
 * others, and calls waiting (bounded) while the client reconnects.
 */
for (const socketKind of CLIENT_SOCKETS) {
  describe(`ActorGridClient failover (scripted nodes, ${socketKind.name})`, function () {
    this.timeout(20_000);
    let fakes: FakeWsNode[] = [];
    let clients: ActorGridClient[] = [];

    const client = (urls: string[], options: ConstructorParameters<typeof ActorGridClient>[1] = {}): ActorGridClient => {
      const c = new ActorGridClient(urls, { ...socketKind.options, discover: false, reconnectDelayMs: 20, maxReconnectDelayMs: 200, requestTimeoutMs: 10_000, ...options });
      clients.push(c);
      return c;
    };
    const fakeOf = (c: ActorGridClient): FakeWsNode => fakes.find((f) => f.url === c.url)!;

    beforeEach(async function () {
      fakes = [await FakeWsNode.start(), await FakeWsNode.start()];
    });

    afterEach(async function () {
      await Promise.allSettled(clients.map((c) => c.close()));
      await Promise.allSettled(fakes.map((f) => f.stop()));
      clients = [];
    });

    it('reports connecting, open, reconnecting, open, closed, and moves to another node when its node goes', async function () {
      const changes: StateChange[] = [];
      const c = client(
        fakes.map((f) => f.url),
        { onStateChange: (change) => changes.push(change) },
      );
      assert.equal(c.state, 'closed');
      await c.connect();
      assert.equal(c.state, 'open');
      const first = fakeOf(c);
      const other = fakes.find((f) => f !== first)!;
      await first.stop();
      await waitFor('the client to reconnect', () => c.state === 'open' && c.url === other.url);
      await c.close();
      assert.deepEqual(
        changes.map((ch) => ch.state),
        ['connecting', 'open', 'reconnecting', 'open', 'closed'],
      );
      assert.equal(changes[2].url, first.url);
      assert.equal(changes[2].error?.name, 'ConnectionClosedError');
      assert.equal(changes[3].url, other.url);
    });

    it('re-sends a call whose connection dropped on the next connection with the same key; its caller gets the result', async function () {
      const c = client(fakes.map((f) => f.url));
      await c.connect();
      const first = fakeOf(c);
      const other = fakes.find((f) => f !== first)!;
      first.onRequest = () => void first.stop(); // the node dies with the call on it
      other.onRequest = (message, socket) => reply(socket, message.id, 'applied once');
      assert.equal(await c.call('Counter', 'c', 'increment', [1]), 'applied once');
      assert.equal(first.requests.length, 1);
      assert.equal(other.requests.length, 1);
      assert.equal(other.requests[0].message.params.idempotencyKey, first.requests[0].message.params.idempotencyKey);
      assert.equal(c.inFlight, 0);
    });

    it('keeps a caller-given idempotency key across the re-send', async function () {
      const c = client(fakes.map((f) => f.url));
      await c.connect();
      const first = fakeOf(c);
      const other = fakes.find((f) => f !== first)!;
      first.onRequest = () => void first.stop();
      other.onRequest = (message, socket) => reply(socket, message.id, message.params.idempotencyKey);
      assert.equal(await c.call('Counter', 'c', 'increment', [1], { idempotencyKey: 'order-17' }), 'order-17');
      assert.equal(first.requests[0].message.params.idempotencyKey, 'order-17');
    });

    it('retries LOCK_TIMEOUT, CONFLICT, UNAVAILABLE and RATE_LIMITED with the same key until the call succeeds', async function () {
      const c = client([fakes[0].url]);
      await c.connect();
      const script = ['LOCK_TIMEOUT', 'CONFLICT', 'UNAVAILABLE', 'RATE_LIMITED'];
      fakes[0].onRequest = (message, socket) => {
        const code = script.shift();
        if (code) replyError(socket, message.id, code);
        else reply(socket, message.id, 42);
      };
      assert.equal(await c.call('Counter', 'c', 'increment', [1]), 42);
      const keys = fakes[0].requests.map((r) => r.message.params.idempotencyKey);
      assert.equal(keys.length, 5);
      assert.equal(new Set(keys).size, 1, 'every attempt carries the same key');
    });

    it('rejects a non-retryable error at once, without a retry', async function () {
      const c = client([fakes[0].url]);
      await c.connect();
      fakes[0].onRequest = (message, socket) => replyError(socket, message.id, 'ACTOR_ERROR');
      const err = await rejection(c.call('Account', 'a', 'withdraw', [5]));
      assert.equal(err.code, 'ACTOR_ERROR');
      assert.equal(err.retryable, false);
      assert.equal(fakes[0].requests.length, 1, 'sent once');
      assert.equal(c.inFlight, 0);
    });

    it('rejects a retryable error once the call deadline leaves no room for another attempt', async function () {
      const c = client([fakes[0].url], { requestTimeoutMs: 300 });
      await c.connect();
      fakes[0].onRequest = (message, socket) => replyError(socket, message.id, 'LOCK_TIMEOUT');
      const err = await rejection(c.call('Counter', 'c', 'increment'));
      assert.ok(err.code === 'LOCK_TIMEOUT' || err instanceof RequestTimeoutError, String(err));
      assert.ok(fakes[0].requests.length >= 1);
    });

    it('lets calls made while reconnecting wait for the new connection', async function () {
      const c = client(fakes.map((f) => f.url));
      await c.connect();
      const first = fakeOf(c);
      const other = fakes.find((f) => f !== first)!;
      other.onRequest = (message, socket) => reply(socket, message.id, message.params.args[0]);
      const made: Array<Promise<unknown>> = [];
      c.onStateChange(({ state }) => {
        if (state === 'reconnecting') made.push(c.call('Counter', 'c', 'get', ['while reconnecting']), c.rpc('destination.publish', { args: ['rpc too'] }));
      });
      await first.stop();
      await waitFor('the calls made while reconnecting', () => made.length === 2);
      assert.deepEqual(await Promise.all(made), ['while reconnecting', 'rpc too']);
    });

    it('bounds the wait by the request timeout when no node comes back', async function () {
      const c = client([fakes[0].url], { requestTimeoutMs: 300 });
      await c.connect();
      await fakes[0].stop();
      await waitFor('reconnecting', () => c.state === 'reconnecting');
      const err = await rejection(c.call('Counter', 'c', 'get'));
      assert.ok(err instanceof RequestTimeoutError, String(err));
      assert.equal(c.state, 'reconnecting');
    });

    it('rejects an rpc that was on the lost connection (it is never re-sent)', async function () {
      const c = client(fakes.map((f) => f.url));
      await c.connect();
      const first = fakeOf(c);
      first.onRequest = () => void first.stop();
      const err = await rejection(c.rpc('destination.publish', { destination: 'd', body: 1 }));
      assert.equal(err.name, 'ConnectionClosedError');
      await waitFor('the client to reconnect', () => c.state === 'open');
    });

    it('rejects every waiting request when closed, and stops reconnecting', async function () {
      const c = client([fakes[0].url]);
      await c.connect();
      await fakes[0].stop();
      await waitFor('reconnecting', () => c.state === 'reconnecting');
      const waiting = rejection(c.call('Counter', 'c', 'get'));
      await c.close();
      const err = await waiting;
      assert.equal(err.name, 'ConnectionClosedError');
      assert.equal(c.state, 'closed');
      assert.equal(c.inFlight, 0);
    });

    it('keeps the notifications that come in the same read as their subscribe reply (destination, live query, shared object)', async function () {
      const c = client([fakes[0].url]);
      await c.connect();
      // The node sends a subscription's first notifications right after its reply; here both come in one TCP write.
      fakes[0].onRequest = (message, socket) => {
        const frames: unknown[] = [];
        if (message.method === 'destination.subscribe') {
          frames.push({ jsonrpc: '2.0', id: message.id, result: { subscription: 's1', seq: 0 } });
          frames.push({ jsonrpc: '2.0', method: 'destination.message', params: { subscription: 's1', destination: 'chat', seq: 1, body: 'first' } });
        } else if (message.method === 'data.query') {
          frames.push({ jsonrpc: '2.0', id: message.id, result: { records: [], cursor: 'c0', watch: 'w1' } });
          frames.push({ jsonrpc: '2.0', method: 'data.change', params: { watch: 'w1', id: 't1', kind: 'added', version: 1, value: { title: 'x' }, cursor: 'c1' } });
        } else if (message.method === 'sharedObject.subscribe') {
          frames.push({ jsonrpc: '2.0', id: message.id, result: { subscription: 'o1', version: 1, slots: { a: 1 } } });
          frames.push({ jsonrpc: '2.0', method: 'sharedObject.sync', params: { subscription: 'o1', version: 2, set: { b: 2 } } });
        }
        sendTogether(socket, frames.map((frame) => JSON.stringify(frame)));
      };
      const messages: unknown[] = [];
      await c.destination('chat').subscribe((m) => messages.push(m.body));
      const live = await c.collection('tasks').watch();
      const replica = await c.sharedObject('board').subscribe();
      await waitFor('the notifications', () => messages.length === 1 && live.records.length === 1 && replica.version === 2);
      assert.deepEqual(messages, ['first']);
      assert.deepEqual(live.records, [{ id: 't1', version: 1, value: { title: 'x' } }]);
      assert.deepEqual(replica.slots, { a: 1, b: 2 });
    });
  });
}

/** Writes text frames (server side: unmasked) in one TCP write, so the client reads them at once. */
function sendTogether(socket: WebSocket, texts: string[]): void {
  const frames = texts.map((text) => {
    const payload = Buffer.from(text, 'utf8');
    assert.ok(payload.length < 65536);
    const header = payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
    return Buffer.concat([header, payload]);
  });
  (socket as unknown as { _socket: { write(bytes: Buffer): void } })._socket.write(Buffer.concat(frames));
}
