import { strict as assert } from 'node:assert';
import fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { Packr } from 'msgpackr';
import { Dispatcher, registerActorMethods } from '../../src/protocol';
import { httpServerOptions, httpTransport } from '../../src/transport/http';
import { FakeInvoker } from './transportFakes';

const LIMIT = 1024;
const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const JSON_TYPE = { 'content-type': 'application/json' };
const MSGPACK_TYPE = { 'content-type': 'application/msgpack' };

interface Harness {
  app: FastifyInstance;
  invoker: FakeInvoker;
  internal: unknown[];
  state: { ready: boolean; clusterFails: boolean };
}

async function build(): Promise<Harness> {
  const invoker = new FakeInvoker();
  const internal: unknown[] = [];
  const state = { ready: true, clusterFails: false };
  const dispatcher = new Dispatcher({ onInternalError: (err) => internal.push(err) });
  registerActorMethods(dispatcher, invoker);
  const app = fastify({ logger: false, ...httpServerOptions({ maxPayloadBytes: LIMIT }) });
  await app.register(httpTransport, {
    dispatcher,
    limits: { maxPayloadBytes: LIMIT, maxArgs: 4 },
    status: {
      ready: () => state.ready,
      cluster: async () => {
        if (state.clusterFails) throw new Error('grid client exploded');
        return { nodes: [{ id: 'n1' }], members: ['127.0.0.1:5701'] };
      },
    },
  });
  await app.ready();
  return { app, invoker, internal, state };
}

/** Checks the protocol's HTTP error shape exactly and returns the error member. */
function expectError(res: LightMyRequestResponse, status: number, code: string): { code: string; message: string; data?: Record<string, unknown> } {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  for (const key of Object.keys(body.error)) assert.ok(['code', 'message', 'data'].includes(key), `unexpected key ${key}`);
  return body.error;
}

describe('HTTP transport', () => {
  let h: Harness;
  before(async () => {
    h = await build();
  });
  after(async () => {
    await h.app.close();
  });
  beforeEach(() => {
    h.invoker.calls.length = 0;
    h.internal.length = 0;
    h.state.ready = true;
    h.state.clusterFails = false;
  });

  describe('POST /actors/{type}/{id}/{method}', () => {
    it('calls with JSON positional args and answers {"result"}', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/Counter/c1/echo', headers: JSON_TYPE, payload: '[1,"two",{"three":3}]' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(res.json(), { result: { type: 'Counter', id: 'c1', method: 'echo', args: [1, 'two', { three: 3 }] } });
      assert.equal(h.invoker.calls.length, 1);
      assert.match(h.invoker.calls[0].caller ?? '', /^http:/);
      assert.match(h.invoker.calls[0].requestId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-/);
    });

    it('treats an empty body as no args, with or without a Content-Type', async () => {
      const bare = await h.app.inject({ method: 'POST', url: '/actors/Counter/c1/echo' });
      assert.deepEqual(bare.json().result.args, []);
      const typed = await h.app.inject({ method: 'POST', url: '/actors/Counter/c1/echo', headers: JSON_TYPE, payload: '' });
      assert.equal(typed.statusCode, 200, typed.body);
      assert.deepEqual(typed.json().result.args, []);
    });

    it('answers null for a method that returns nothing', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/Counter/c1/nothing' });
      assert.equal(res.body, '{"result":null}');
    });

    it('takes a msgpack body and answers msgpack when Accept asks for it', async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/actors/Counter/c1/echo',
        headers: { ...MSGPACK_TYPE, accept: 'application/msgpack' },
        payload: packr.pack([1, 'two', Buffer.from([1, 2])]),
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/msgpack');
      const body = packr.unpack(res.rawPayload);
      assert.deepEqual(body.result.args.slice(0, 2), [1, 'two']);
      assert.deepEqual([...body.result.args[2]], [1, 2]);
    });

    it('answers JSON to a msgpack body without Accept, and msgpack errors to Accept: msgpack', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/C/a/echo', headers: MSGPACK_TYPE, payload: packr.pack([5]) });
      assert.deepEqual(res.json().result.args, [5]);
      const failed = await h.app.inject({ method: 'POST', url: '/actors/C/a/fail', headers: { accept: 'application/msgpack' } });
      assert.equal(failed.statusCode, 422);
      assert.equal(packr.unpack(failed.rawPayload).error.code, 'ACTOR_ERROR');
    });

    it('passes the Idempotency-Key header through', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/Counter/c1/echo', headers: { ...JSON_TYPE, 'idempotency-key': 'pay-123' }, payload: '[]' });
      assert.equal(res.json().result.idempotencyKey, 'pay-123');
      assert.equal(h.invoker.calls[0].idempotencyKey, 'pay-123');
    });

    it('rejects an Idempotency-Key over 128 characters', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/C/a/echo', headers: { 'idempotency-key': 'k'.repeat(129) } });
      assert.equal(expectError(res, 400, 'INVALID_ARGUMENTS').data?.field, 'idempotencyKey');
      assert.equal(h.invoker.calls.length, 0);
    });

    it('keeps an encoded slash inside one segment and decodes segments', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/Doc/a%2Fb%20c/echo?ignored=1' });
      assert.equal(res.json().result.id, 'a/b c');
    });

    it('accepts ids up to 256 characters and rejects longer ones by field', async () => {
      const ok = await h.app.inject({ method: 'POST', url: `/actors/C/${'x'.repeat(256)}/echo` });
      assert.equal(ok.statusCode, 200, ok.body);
      const res = await h.app.inject({ method: 'POST', url: `/actors/C/${'x'.repeat(257)}/echo` });
      assert.equal(expectError(res, 400, 'INVALID_ARGUMENTS').data?.field, 'id');
    });

    it('answers malformed JSON with PARSE_ERROR 400', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/C/a/echo', headers: JSON_TYPE, payload: '[1,' });
      expectError(res, 400, 'PARSE_ERROR');
      assert.equal(h.invoker.calls.length, 0);
    });

    it('answers garbage msgpack with PARSE_ERROR 400', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/C/a/echo', headers: MSGPACK_TYPE, payload: packr.pack([1, 'abc']).subarray(0, 3) });
      expectError(res, 400, 'PARSE_ERROR');
    });

    it('answers a body that is not an array with INVALID_ARGUMENTS', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/C/a/echo', headers: JSON_TYPE, payload: '{"by":1}' });
      assert.equal(expectError(res, 400, 'INVALID_ARGUMENTS').data?.field, 'args');
    });

    it('enforces maxArgs', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/C/a/echo', headers: JSON_TYPE, payload: '[1,2,3,4,5]' });
      expectError(res, 400, 'INVALID_ARGUMENTS');
    });

    it('answers a body over the limit with PAYLOAD_TOO_LARGE 413', async () => {
      const payload = JSON.stringify(['x'.repeat(LIMIT)]);
      const res = await h.app.inject({ method: 'POST', url: '/actors/C/a/echo', headers: JSON_TYPE, payload });
      assert.deepEqual(expectError(res, 413, 'PAYLOAD_TOO_LARGE').data, { maxPayloadBytes: LIMIT });
      assert.equal(h.invoker.calls.length, 0);
    });

    it('answers an unsupported or missing Content-Type with INVALID_REQUEST 400', async () => {
      const xml = await h.app.inject({ method: 'POST', url: '/actors/C/a/echo', headers: { 'content-type': 'application/xml' }, payload: '[1]' });
      assert.deepEqual(expectError(xml, 400, 'INVALID_REQUEST').data, { supported: ['application/json', 'application/msgpack'] });
      const none = await h.app.inject({ method: 'POST', url: '/actors/C/a/echo', payload: Buffer.from('[1]') });
      expectError(none, 400, 'INVALID_REQUEST');
      const broken = await h.app.inject({ method: 'POST', url: '/actors/C/a/echo', headers: { 'content-type': '///' }, payload: '[1]' });
      expectError(broken, 400, 'INVALID_REQUEST');
    });

    it('answers coded invoker errors with the table status and data', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/C/a/fail', headers: JSON_TYPE, payload: '["LOCK_TIMEOUT"]' });
      assert.deepEqual(expectError(res, 503, 'LOCK_TIMEOUT'), { code: 'LOCK_TIMEOUT', message: 'LOCK_TIMEOUT on purpose', data: { actor: 'C/a' } });
      expectError(await h.app.inject({ method: 'POST', url: '/actors/C/a/other' }), 404, 'UNKNOWN_ACTOR_METHOD');
    });

    it('hides a non-coded error behind INTERNAL 500 and reports it', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/C/a/crash' });
      expectError(res, 500, 'INTERNAL');
      assert.ok(!res.body.includes('hunter2'));
      assert.ok(!res.body.includes('at '));
      assert.equal(h.internal.length, 1);
      assert.match((h.internal[0] as Error).message, /hunter2/);
    });

    it('answers a result JSON cannot encode with INTERNAL', async () => {
      expectError(await h.app.inject({ method: 'POST', url: '/actors/C/a/cyclic' }), 500, 'INTERNAL');
      assert.equal(h.internal.length, 1);
    });

    it('encodes Maps, Sets, BigInts and Buffers in JSON with documented stand-ins', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/actors/C/a/rich' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(JSON.parse(res.body), {
        result: { map: { a: 1 }, set: [1, 2], small: 10, huge: '1180591620717411303424', bytes: 'aGk=' },
      });
    });

    it('answers a wrong number of path segments like an unknown route', async () => {
      expectError(await h.app.inject({ method: 'POST', url: '/actors/C/a' }), 404, 'METHOD_NOT_FOUND');
      expectError(await h.app.inject({ method: 'POST', url: '/actors/C/a/m/extra' }), 404, 'METHOD_NOT_FOUND');
    });
  });

  describe('POST /rpc', () => {
    const call = (id: unknown, method: string, args: unknown[] = []) => ({
      jsonrpc: '2.0',
      id,
      method: 'actor.call',
      params: { type: 'C', id: 'a', method, args },
    });

    it('answers a single request', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/rpc', headers: JSON_TYPE, payload: JSON.stringify(call(1, 'echo', [3])) });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { jsonrpc: '2.0', id: 1, result: { type: 'C', id: 'a', method: 'echo', args: [3] } });
    });

    it('answers a batch in order, with coded errors inside', async () => {
      const batch = [call(1, 'echo'), { jsonrpc: '2.0', method: 'actor.call', params: call(0, 'echo').params }, call(2, 'fail', ['CONFLICT']), { bad: true }];
      const res = await h.app.inject({ method: 'POST', url: '/rpc', headers: JSON_TYPE, payload: JSON.stringify(batch) });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.length, 3);
      assert.equal(body[0].id, 1);
      assert.deepEqual(body[1].error, { code: -32005, message: 'CONFLICT on purpose', data: { code: 'CONFLICT', actor: 'C/a' } });
      assert.equal(body[2].error.code, -32600);
      assert.equal(h.invoker.calls.length, 3);
    });

    it('answers 204 to notifications only', async () => {
      const note = { jsonrpc: '2.0', method: 'actor.call', params: call(0, 'echo').params };
      const res = await h.app.inject({ method: 'POST', url: '/rpc', headers: JSON_TYPE, payload: JSON.stringify([note, note]) });
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, '');
    });

    it('answers malformed JSON with -32700, id null, HTTP 200', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/rpc', headers: JSON_TYPE, payload: '{"jsonrpc":' });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.id, null);
      assert.equal(body.error.code, -32700);
      assert.equal(body.error.data.code, 'PARSE_ERROR');
    });

    it('speaks msgpack when the request does', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/rpc', headers: MSGPACK_TYPE, payload: packr.pack(call('m', 'echo', [1])) });
      assert.equal(res.headers['content-type'], 'application/msgpack');
      assert.deepEqual(packr.unpack(res.rawPayload).result.args, [1]);
      const bad = await h.app.inject({ method: 'POST', url: '/rpc', headers: MSGPACK_TYPE, payload: Buffer.from([0x93, 0x01]) });
      assert.equal(packr.unpack(bad.rawPayload).error.code, -32700);
    });

    it('answers an oversized body and an unsupported Content-Type as JSON-RPC errors', async () => {
      const big = await h.app.inject({ method: 'POST', url: '/rpc', headers: JSON_TYPE, payload: JSON.stringify(call(1, 'echo', ['x'.repeat(LIMIT)])) });
      assert.equal(big.statusCode, 200);
      assert.deepEqual(big.json().error, { code: -32007, message: 'request body is too large', data: { code: 'PAYLOAD_TOO_LARGE', maxPayloadBytes: LIMIT } });
      assert.equal(big.json().id, null);
      const xml = await h.app.inject({ method: 'POST', url: '/rpc', headers: { 'content-type': 'application/xml' }, payload: '{}' });
      assert.equal(xml.statusCode, 200);
      assert.equal(xml.json().error.data.code, 'INVALID_REQUEST');
    });
  });

  describe('operational routes', () => {
    it('GET /health/live', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/health/live' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'live' });
    });

    it('GET /health/ready is 200 when ready and 503 UNAVAILABLE when not', async () => {
      assert.deepEqual((await h.app.inject({ method: 'GET', url: '/health/ready' })).json(), { status: 'ready' });
      h.state.ready = false;
      expectError(await h.app.inject({ method: 'GET', url: '/health/ready' }), 503, 'UNAVAILABLE');
    });

    it('GET /cluster answers the status, or INTERNAL when it throws', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/cluster' });
      assert.deepEqual(res.json(), { nodes: [{ id: 'n1' }], members: ['127.0.0.1:5701'] });
      h.state.clusterFails = true;
      expectError(await h.app.inject({ method: 'GET', url: '/cluster' }), 500, 'INTERNAL');
      assert.equal(h.internal.length, 1);
    });
  });

  describe('errors outside the routes', () => {
    it('answers unknown routes and methods with METHOD_NOT_FOUND 404', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/nope?secret=1' });
      assert.deepEqual(expectError(res, 404, 'METHOD_NOT_FOUND').data, { route: 'GET /nope' });
      expectError(await h.app.inject({ method: 'GET', url: '/rpc' }), 404, 'METHOD_NOT_FOUND');
      expectError(await h.app.inject({ method: 'DELETE', url: '/actors/C/a/echo' }), 404, 'METHOD_NOT_FOUND');
    });

    it('answers a malformed URL in our shape through frameworkErrors', async () => {
      expectError(await h.app.inject({ method: 'POST', url: '/actors/C/%E0%A4%A/echo' }), 400, 'INVALID_REQUEST');
    });
  });
});
