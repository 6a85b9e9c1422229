import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import fastify, { type FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { Dispatcher, registerActorMethods } from '../../src/protocol';
import { httpServerOptions, httpTransport } from '../../src/transport/http';
import { SseStreams } from '../../src/transport/http/SseStreams';
import { wsMaxPayload, wsTransport } from '../../src/transport/ws';
import { FakeInvoker } from './transportFakes';

const LIMIT = 4096;
const LISTED = 'https://app.example';
const FOREIGN = 'https://evil.example';

/** Sends raw bytes on a new connection and collects everything the server sends until it closes. */
async function raw(port: number, write: (socket: Socket) => void): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  write(socket);
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return received;
}

/** The status line's code and the JSON body's `error.code` of a raw HTTP answer. */
function parseRaw(answer: string): { status: number; code: unknown } {
  const [head, body] = answer.split('\r\n\r\n', 2);
  return { status: Number(head.split(' ')[1]), code: JSON.parse(body).error.code };
}

/** Opens a WebSocket; resolves with the upgrade's answer status (101 when it opened). */
function upgrade(url: string, origin?: string): Promise<number> {
  const ws = new WebSocket(url, origin === undefined ? {} : { origin });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', reject);
  });
}

describe('transport hardening (issue 11)', () => {
  let app: FastifyInstance;
  let port: number;
  let wsUrl: string;
  const invoker = new FakeInvoker();
  const aborted: boolean[] = [];

  before(async () => {
    const dispatcher = new Dispatcher({ onInternalError: () => undefined });
    registerActorMethods(dispatcher, invoker);
    dispatcher.register('test.subscribe', async (_params, session) => {
      session.signal?.addEventListener('abort', () => aborted.push(true));
      return true;
    });
    app = fastify({ logger: false, ...httpServerOptions({ maxPayloadBytes: LIMIT }, { requestTimeoutMs: 400, headersTimeoutMs: 400 }) });
    await app.register(httpTransport, { dispatcher, limits: { maxPayloadBytes: LIMIT }, status: { ready: () => true, cluster: async () => ({}) }, allowedOrigins: [LISTED] });
    await app.register(async (scope) => {
      const streams = new SseStreams(scope, dispatcher, 60_000);
      scope.get('/events', (request, reply) => streams.start(request, reply, 'test.subscribe', {}, () => ': subscribed\n\n'));
    });
    app.post('/echo', async (request) => ({ body: request.body }));
    await app.register(wsTransport, { dispatcher, limits: { maxPayloadBytes: LIMIT } });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(address).port);
    wsUrl = `${address.replace('http', 'ws')}/ws`;
  });

  after(async () => {
    await app.close();
  });

  describe('Origin and cross-site forms', () => {
    it('refuses a WebSocket upgrade from a foreign Origin with 403; its own, a listed one and none pass', async () => {
      assert.equal(await upgrade(wsUrl, FOREIGN), 403);
      assert.equal(await upgrade(wsUrl, 'null'), 403);
      assert.equal(await upgrade(wsUrl, `http://127.0.0.1:${port}`), 101);
      assert.equal(await upgrade(wsUrl, LISTED), 101);
      assert.equal(await upgrade(wsUrl), 101);
    });

    it('refuses HTTP requests from a foreign Origin with FORBIDDEN; answers a listed one with CORS headers', async () => {
      const foreign = await app.inject({ method: 'POST', url: '/actors/C/a/echo', headers: { origin: FOREIGN, 'content-type': 'application/json' }, payload: '[]' });
      assert.equal(foreign.statusCode, 403);
      assert.equal(foreign.json().error.code, 'FORBIDDEN');
      assert.equal(foreign.headers['access-control-allow-origin'], undefined);
      const listed = await app.inject({ method: 'GET', url: '/health/live', headers: { origin: LISTED } });
      assert.equal(listed.statusCode, 200);
      assert.equal(listed.headers['access-control-allow-origin'], LISTED);
      const own = await app.inject({ method: 'GET', url: '/health/live', headers: { origin: 'http://localhost:80', host: 'localhost:80' } });
      assert.equal(own.statusCode, 200);
      assert.equal(own.headers['access-control-allow-origin'], undefined);
    });

    it('answers the CORS preflight of a listed origin only', async () => {
      const preflight = (origin: string) =>
        app.inject({ method: 'OPTIONS', url: '/actors/C/a/echo', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      const listed = await preflight(LISTED);
      assert.equal(listed.statusCode, 204);
      assert.equal(listed.headers['access-control-allow-origin'], LISTED);
      assert.match(String(listed.headers['access-control-allow-methods']), /POST/);
      assert.match(String(listed.headers['access-control-allow-headers']), /content-type/);
      const foreign = await preflight(FOREIGN);
      assert.equal(foreign.statusCode, 403);
      assert.equal(foreign.headers['access-control-allow-origin'], undefined);
    });

    it('refuses form body types with 415 UNSUPPORTED_MEDIA_TYPE, even empty; a bare POST still runs', async () => {
      const before = invoker.calls.length;
      for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        for (const url of ['/actors/C/a/echo', '/rpc']) {
          const res = await app.inject({ method: 'POST', url, headers: { 'content-type': type } });
          assert.equal(res.statusCode, 415, `${type} ${url}`);
          assert.equal(res.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
        }
      }
      assert.equal(invoker.calls.length, before, 'no action ran');
      const bare = await app.inject({ method: 'POST', url: '/actors/C/a/echo' });
      assert.equal(bare.statusCode, 200);
      assert.deepEqual(bare.json().result.args, []);
    });
  });

  it('answers HEAD on an SSE route with the headers and ends, unsubscribing at once', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/events' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    assert.equal(res.body, '');
    assert.deepEqual(aborted, [true]);
  });

  it('reads the JSON bodies of other routes with the node\'s codec: depth limit and poisoning refused', async () => {
    const post = (payload: string) => app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload });
    assert.deepEqual((await post('{"a":[1]}')).json(), { body: { a: [1] } });
    for (const evil of ['{"constructor":{"prototype":{"admin":true}}}', '{"__proto__":{"admin":true}}', `${'['.repeat(65)}${']'.repeat(65)}`, '{"a":']) {
      const res = await post(evil);
      assert.equal(res.statusCode, 400, evil);
      assert.equal(res.json().error.code, 'PARSE_ERROR');
    }
  });

  describe('slow and malformed requests', () => {
    it('cuts a body that does not arrive within http.requestTimeoutMs with 408 REQUEST_TIMEOUT', async function () {
      this.timeout(10_000);
      const answer = await raw(port, (socket) => {
        socket.write('POST /actors/C/a/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1,');
      });
      assert.deepEqual(parseRaw(answer), { status: 408, code: 'REQUEST_TIMEOUT' });
    });

    it('answers a request node cannot parse in the protocol shape', async () => {
      const answer = await raw(port, (socket) => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      assert.deepEqual(parseRaw(answer), { status: 400, code: 'INVALID_REQUEST' });
    });

    it('answers a malformed WebSocket upgrade in the protocol shape', async () => {
      const answer = await raw(port, (socket) => {
        socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n');
      });
      assert.deepEqual(parseRaw(answer), { status: 400, code: 'INVALID_REQUEST' });
    });

    it('answers fastify\'s own failures in the protocol shape, without echoing the input', async () => {
      const badUrl = await app.inject({ method: 'GET', url: '/health/%E0%A4%A' });
      assert.equal(badUrl.json().error.code, 'INVALID_REQUEST');
      const long = `/nowhere/${'x'.repeat(5000)}`;
      const missing = await app.inject({ method: 'GET', url: long });
      assert.equal(missing.json().error.code, 'METHOD_NOT_FOUND');
      assert.ok(missing.body.length < 400, missing.body);
      const big = await app.inject({ method: 'POST', url: '/actors/C/a/echo', headers: { 'content-type': 'application/json' }, payload: `[${'1,'.repeat(LIMIT)}1]` });
      assert.equal(big.json().error.code, 'PAYLOAD_TOO_LARGE');
    });

    it('echoes at most a clipped piece of client input in errors', async () => {
      const long = 'q'.repeat(3000);
      const rpc = await app.inject({ method: 'POST', url: '/rpc', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: long }) });
      assert.equal(rpc.json().error.data.code, 'METHOD_NOT_FOUND');
      assert.ok(rpc.body.length < 400, `${rpc.body.length} characters`);
      const call = await app.inject({ method: 'POST', url: `/actors/C/a/${'m'.repeat(300)}` });
      assert.equal(call.json().error.code, 'INVALID_ARGUMENTS');
      assert.equal(call.json().error.data.field, 'method');
      const param = await app.inject({ method: 'POST', url: '/rpc', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'actor.call', params: { [long]: 1 } }) });
      assert.ok(param.body.length < 400, `${param.body.length} characters`);
    });

    it('closes a WebSocket whose frame is far over the limit with 1009 and a coded reason', async () => {
      const ws = new WebSocket(wsUrl);
      await new Promise((resolve) => ws.once('open', resolve));
      const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, reason.toString()])));
      ws.on('error', () => undefined);
      ws.send(Buffer.alloc(wsMaxPayload(LIMIT) + 1, 0x20));
      const [code, reason] = await closed;
      assert.equal(code, 1009);
      assert.match(reason, /^PAYLOAD_TOO_LARGE: /);
    });
  });
});
