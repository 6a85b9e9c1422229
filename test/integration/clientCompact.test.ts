import { strict as assert } from 'node:assert';
import type WebSocket from 'ws';
import { ActorGridClient, type DestinationMessage, type SharedObjectChange } from '../../src/client';
import { FakeWsNode } from '../support/FakeWsNode';
import { waitFor } from '../support/waitFor';

const send = (socket: WebSocket, message: object): void => socket.send(JSON.stringify(message));
const notify = (socket: WebSocket, method: string, params: unknown): void => send(socket, { jsonrpc: '2.0', method, params });

/**
 * The client library's subscriptions against a scripted node: they ask for the compact form, read
 * it, and fall back to the named form when a node (an older version) refuses the flag.
 */
describe('ActorGridClient: compact subscriptions (scripted node)', function () {
  let fake: FakeWsNode;
  let client: ActorGridClient;
  beforeEach(async () => {
    fake = await FakeWsNode.start();
    client = new ActorGridClient(fake.url, { discover: false, reconnect: false });
    await client.connect();
  });
  afterEach(async () => {
    await client.close();
    await fake.stop();
  });

  it('subscribes compact and hands the handler named messages, gaps and syncs', async function () {
    fake.onRequest = (message, socket) => {
      assert.equal(message.params.compact, true);
      const result = message.method === 'destination.subscribe' ? { subscription: '1', seq: 4 } : { subscription: '2', version: 0, slots: {} };
      send(socket, { jsonrpc: '2.0', id: message.id, result });
      if (message.method !== 'destination.subscribe') return;
      notify(socket, 'destination.message', ['1', 5, 1700000000000, { hi: 1 }]);
      notify(socket, 'destination.message', ['1', 6, 1700000000001, 'x', { h: 1 }, 'rooms.a']);
      notify(socket, 'destination.message', ['9', 7, 1700000000002, 'someone else']);
      notify(socket, 'destination.gap', ['1', 7, 9]);
    };
    const got: DestinationMessage[] = [];
    const gaps: unknown[] = [];
    const sub = await client.destination('chat').subscribe((m) => got.push(m), { onGap: (g) => gaps.push(g) });
    await waitFor('the gap', () => gaps.length === 1);
    assert.deepEqual(got, [
      { destination: 'chat', seq: 5, headers: {}, body: { hi: 1 }, publishedAt: 1700000000000 },
      { destination: 'chat', seq: 6, headers: { h: 1 }, body: 'x', publishedAt: 1700000000001, subtopic: 'rooms.a' },
    ]);
    assert.deepEqual(gaps, [{ destination: 'chat', from: 7, to: 9 }]);
    assert.equal(sub.lastSeq, 9);
    const changes: SharedObjectChange[] = [];
    const replica = await client.sharedObject('board').subscribe({ onChange: (c) => changes.push(c) });
    notify(fake.requests[1].socket, 'sharedObject.sync', ['2', 1, { a: 1, b: 2 }]);
    notify(fake.requests[1].socket, 'sharedObject.sync', ['2', 2, null, ['a']]);
    notify(fake.requests[1].socket, 'sharedObject.sync', ['2', 5, { c: 3 }, null, true]);
    await waitFor('version 5', () => replica.version === 5);
    assert.deepEqual(replica.slots, { c: 3 });
    assert.deepEqual(changes.slice(1), [{ version: 1, set: { a: 1, b: 2 } }, { version: 2, delete: ['a'] }, { version: 5, set: { c: 3 }, reset: true }]);
  });

  it('asks again without compact when the node refuses the flag, and reads the named form', async function () {
    fake.onRequest = (message, socket) => {
      if ('compact' in message.params) {
        send(socket, { jsonrpc: '2.0', id: message.id, error: { code: -32602, message: 'unknown parameter "compact"', data: { code: 'INVALID_ARGUMENTS', field: 'compact' } } });
        return;
      }
      send(socket, { jsonrpc: '2.0', id: message.id, result: { subscription: 'f'.repeat(32), seq: 0 } });
      notify(socket, 'destination.message', { subscription: 'f'.repeat(32), destination: 'chat', seq: 1, headers: {}, body: 'named', publishedAt: 1 });
    };
    const got: DestinationMessage[] = [];
    await client.destination('chat').subscribe((m) => got.push(m));
    await waitFor('the message', () => got.length === 1);
    assert.deepEqual(got[0], { destination: 'chat', seq: 1, headers: {}, body: 'named', publishedAt: 1 });
    assert.deepEqual(fake.requests.map((r) => r.message.params.compact), [true, undefined]);
  });
});
