import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActorGridClient, ConnectionClosedError, HttpActorClient, RequestTimeoutError, TransportError, webSocketUrl } from '../../src/client';
import { ActorGridError } from '../../src/errors';
import { MsgpackCodec } from '../../src/protocol/MsgpackCodec';
import { CLIENT_SOCKETS } from '../support/clientSockets';
import { FakeWsNode } from '../support/FakeWsNode';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { uniqueName, waitFor } from '../support/waitFor';
import { rejection } from './nodesKit';

/** A plain HTTP server answering every request with `respond`. */
async function fakeHttp(respond: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(respond);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * The client library (src/client) on its own edges, against scripted servers: reply matching,
 * connection loss, timeouts, notifications, error conversion; then both clients against a real node.
 */
describe('node clients (src/client)', function () {
  this.timeout(30_000);

  for (const socketKind of CLIENT_SOCKETS) {
    describe(`ActorGridClient against a scripted WebSocket server (${socketKind.name})`, function () {
      let fake: FakeWsNode;
      const errors: Error[] = [];
      let client: ActorGridClient;

      beforeEach(async function () {
        fake = await FakeWsNode.start();
        errors.length = 0;
        client = new ActorGridClient(fake.url, { ...socketKind.options, requestTimeoutMs: 5000, reconnect: false, discover: false, onError: (err) => errors.push(err) });
        await client.connect();
      });

      afterEach(async function () {
        await client.close();
        await fake.stop();
      });

      it('matches replies to requests by id, whatever their order', async function () {
        const held: Array<() => void> = [];
        fake.onRequest = (message, socket) => {
          held.push(() => socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: message.params.args[0] * 10 })));
          if (held.length === 3) held.reverse().forEach((send) => send());
        };
        const results = await Promise.all([1, 2, 3].map((n) => client.call('Counter', 'c', 'increment', [n])));
        assert.deepEqual(results, [10, 20, 30]);
        assert.deepEqual(
          fake.requests.map((r) => ({ ...r.message.params, idempotencyKey: typeof r.message.params.idempotencyKey })),
          [1, 2, 3].map((n) => ({ type: 'Counter', id: 'c', method: 'increment', args: [n], idempotencyKey: 'string' })),
        );
        assert.equal(new Set(fake.requests.map((r) => r.message.params.idempotencyKey)).size, 3, 'every call gets a key of its own');
      });

      it('rejects every pending call with ConnectionClosedError (retryable, outcome unknown) when the connection closes', async function () {
        fake.onRequest = (_message, socket) => {
          if (fake.requests.length === 2) socket.close(1011, 'server fell over');
        };
        const pending = [client.call('Counter', 'c', 'increment', [1]), client.rpc('destination.publish', { destination: 'd', body: 1 })];
        for (const p of pending) {
          const err = await rejection(p);
          assert.ok(err instanceof ConnectionClosedError, String(err));
          assert.equal(err.code, 'UNAVAILABLE');
          assert.equal(err.retryable, true);
          assert.deepEqual(err.data, { closeCode: 1011, reason: 'server fell over', outcome: 'unknown' });
          assert.match(err.message, /closed \(1011 server fell over\) before the reply arrived/);
        }
        assert.equal(client.inFlight, 0);
        const afterClose = await rejection(client.call('Counter', 'c', 'get'));
        assert.ok(afterClose instanceof TransportError);
        assert.match(afterClose.message, /not connected/);
        // connect() opens a new connection after a close.
        fake.onRequest = (message, socket) => socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: 'again' }));
        await client.connect();
        assert.equal(await client.call('Counter', 'c', 'get'), 'again');
      });

      it('times a request out with RequestTimeoutError and ignores its late reply', async function () {
        const quick = new ActorGridClient(fake.url, { ...socketKind.options, requestTimeoutMs: 200, onError: (err) => errors.push(err) });
        await quick.connect();
        try {
          let late: (() => void) | undefined;
          fake.onRequest = (message, socket) => {
            const reply = () => socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: message.method }));
            if (message.params?.method === 'slow') late = reply;
            else reply();
          };
          const err = await rejection(quick.call('Counter', 'c', 'slow'));
          assert.ok(err instanceof RequestTimeoutError, String(err));
          assert.equal(err.retryable, true);
          assert.equal(err.data?.timeoutMs, 200);
          late!();
          assert.equal(await quick.call('Counter', 'c', 'fast'), 'actor.call', 'the connection still works');
          assert.deepEqual(errors, [], 'a late reply is dropped quietly');
        } finally {
          await quick.close();
        }
      });

      it('turns JSON-RPC errors into ActorGridErrors with the string code from error.data.code', async function () {
        fake.onRequest = (message, socket) => {
          const code = message.params.method === 'future' ? 'SOME_NEW_CODE' : 'ACTOR_ERROR';
          socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32003, message: 'boom', data: { code, name: 'RangeError' } } }));
        };
        const err = await rejection(client.call('Account', 'a', 'withdraw', [5]));
        assert.equal(err.code, 'ACTOR_ERROR');
        assert.equal(err.message, 'boom');
        assert.deepEqual(err.data, { name: 'RangeError' });
        assert.equal(err.retryable, false);
        const unknown = await rejection(client.call('Account', 'a', 'future'));
        assert.equal(unknown.code, 'INTERNAL', 'a code this client does not know');
        assert.equal(unknown.data?.remoteCode, 'SOME_NEW_CODE');
      });

      it('delivers notifications to every handler until it is removed, and id-less errors to onError', async function () {
        const seen: string[] = [];
        const off = client.onNotification((n) => seen.push(`a:${n.method}:${JSON.stringify(n.params)}`));
        client.onNotification((n) => seen.push(`b:${n.method}`));
        client.onNotification(() => {
          throw new Error('handler bug');
        });
        const socket = [...fake.server.clients][0];
        socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'destination.message', params: { seq: 1 } }));
        await waitFor('the notification', () => seen.length === 2);
        off();
        socket.send(new MsgpackCodec().encode({ jsonrpc: '2.0', method: 'destination.gap', params: { from: 2, to: 3 } }), { binary: true });
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'invalid JSON', data: { code: 'PARSE_ERROR' } } }));
        socket.send('not json at all');
        await waitFor('the errors', () => errors.length === 4);
        assert.deepEqual(seen, ['a:destination.message:{"seq":1}', 'b:destination.message', 'b:destination.gap']);
        assert.deepEqual(
          errors.map((e) => (e instanceof ActorGridError ? e.code : e.message)),
          ['handler bug', 'handler bug', 'PARSE_ERROR', 'PARSE_ERROR'],
        );
      });

      it('speaks msgpack in binary frames when asked to', async function () {
        const packed = new ActorGridClient(fake.url, { ...socketKind.options, encoding: 'msgpack' });
        await packed.connect();
        try {
          fake.onRequest = (message, socket) =>
            socket.send(new MsgpackCodec().encode({ jsonrpc: '2.0', id: message.id, result: { echoed: message.params.args } }), { binary: true });
          const when = new Date('2026-01-02T03:04:05Z');
          assert.deepEqual(await packed.call('Echo', 'e', 'echo', [1, 'two', when]), { echoed: [1, 'two', when] });
          assert.equal(fake.requests.at(-1)!.isBinary, true);
        } finally {
          await packed.close();
        }
      });

      it('refuses an oversized call locally instead of waiting for an answer that cannot be matched', async function () {
        const small = new ActorGridClient(fake.url, { ...socketKind.options, maxPayloadBytes: 1000 });
        await small.connect();
        try {
          const err = await rejection(small.call('Counter', 'c', 'increment', ['x'.repeat(2000)]));
          assert.equal(err.code, 'PAYLOAD_TOO_LARGE');
          assert.equal(fake.requests.length, 0, 'nothing was sent');
        } finally {
          await small.close();
        }
      });
    });
  }

  describe('connecting', function () {
    it('fails with TransportError when nothing listens, or when the upgrade is refused', async function () {
      const { url, server } = await fakeHttp((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAVAILABLE","message":"draining"}}'));
      try {
        const refused = await rejection(new ActorGridClient(url).connect());
        assert.ok(refused instanceof TransportError);
        assert.match(refused.message, /refused the WebSocket upgrade with HTTP 503/);
      } finally {
        await closeServer(server);
      }
      const nobody = await rejection(new ActorGridClient(url).connect());
      assert.ok(nobody instanceof TransportError, String(nobody));
      assert.equal(nobody.retryable, true);
    });

    it('fails with TransportError on the standard WebSocket API too, which cannot tell the HTTP status', async function () {
      const { url, server } = await fakeHttp((_req, res) => res.writeHead(503).end());
      const standard = CLIENT_SOCKETS.find((kind) => kind.name !== 'ws')!.options;
      try {
        const refused = await rejection(new ActorGridClient(url, { ...standard, reconnect: false }).connect());
        assert.ok(refused instanceof TransportError, String(refused));
        assert.equal(refused.retryable, true);
        assert.equal(refused.data, undefined, 'nothing was sent: the outcome is known');
      } finally {
        await closeServer(server);
      }
    });

    it('derives the WebSocket URL from a node URL', function () {
      assert.equal(webSocketUrl('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/ws');
      assert.equal(webSocketUrl('https://grid.example/'), 'wss://grid.example/ws');
      assert.equal(webSocketUrl('ws://127.0.0.1:8080/custom'), 'ws://127.0.0.1:8080/custom');
      assert.throws(() => webSocketUrl('ftp://x'), TypeError);
    });
  });

  describe('HttpActorClient against scripted HTTP servers', function () {
    it('turns error bodies and non-actorgrid responses into coded errors', async function () {
      const { url, server } = await fakeHttp((req, res) => {
        if (req.url!.includes('/gateway/')) res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad Gateway</h1>');
        else if (req.url!.includes('/teapot/')) res.writeHead(418).end();
        else res.writeHead(409, { 'content-type': 'application/json' }).end('{"error":{"code":"CONFLICT","message":"lost the fence","data":{"id":"x"}}}');
      });
      try {
        const http = new HttpActorClient(url);
        const conflict = await rejection(http.call('A', 'x', 'm'));
        assert.deepEqual([conflict.code, conflict.message, conflict.data, conflict.retryable], ['CONFLICT', 'lost the fence', { id: 'x' }, true]);
        const gateway = await rejection(http.call('gateway', 'x', 'm'));
        assert.deepEqual([gateway.code, gateway.data], ['UNAVAILABLE', { status: 502 }]);
        assert.equal((await rejection(http.call('teapot', 'x', 'm'))).code, 'INTERNAL');
      } finally {
        await closeServer(server);
      }
    });

    it('sends the path segments encoded, the idempotency key as a header, and times out', async function () {
      const seen: IncomingMessage[] = [];
      const { url, server } = await fakeHttp((req, res) => {
        seen.push(req);
        if (req.url!.endsWith('/slow')) return; // never answers
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":null}');
      });
      try {
        const http = new HttpActorClient(`${url}/`, { requestTimeoutMs: 300, headers: { authorization: 'Bearer t' } });
        assert.equal(await http.call('Counter', 'a/b c', 'get', [], { idempotencyKey: 'k-1' }), null);
        assert.equal(seen[0].url, '/actors/Counter/a%2Fb%20c/get');
        assert.equal(seen[0].headers['idempotency-key'], 'k-1');
        assert.equal(seen[0].headers.authorization, 'Bearer t');
        const slow = await rejection(http.call('Counter', 'x', 'slow'));
        assert.ok(slow instanceof RequestTimeoutError, String(slow));
      } finally {
        await closeServer(server);
      }
    });

    it('reports a node that refuses connections as TransportError, with a known outcome', async function () {
      const { url, server } = await fakeHttp(() => undefined);
      await closeServer(server); // the port is free again: connections are refused
      const refused = await rejection(new HttpActorClient(url).call('Counter', 'x', 'get'));
      assert.ok(refused instanceof TransportError, String(refused));
      assert.equal(refused.retryable, true);
      assert.equal(refused.data, undefined, 'a refused connection sent nothing: the outcome is known');
    });
  });

  describe('both clients against a real node', function () {
    const group = new NodeGroup();
    let node: NodeProcess;
    after(() => group.stopAll());
    before(async function () {
      node = await group.start({ grid: 'memory' });
    });

    it('with reconnect: false, rejects calls still waiting when the node dies, and connects to nothing afterwards', async function () {
      const client = new ActorGridClient(node.url, { reconnect: false });
      await client.connect();
      const id = uniqueName('c');
      assert.equal(await client.call('Counter', id, 'increment', [1]), 1);
      node.signal('SIGSTOP'); // frozen: calls sent now stay unanswered
      const pending = rejection(client.call('Counter', id, 'increment', [1]));
      await waitFor('the call to be sent', () => client.inFlight === 1);
      await node.kill();
      const err = await pending;
      assert.ok(err instanceof ConnectionClosedError, String(err));
      assert.ok(err.retryable);
      assert.ok((await rejection(new HttpActorClient(node.url).call('Counter', id, 'get'))) instanceof TransportError);
      await client.close();
    });
  });
});
