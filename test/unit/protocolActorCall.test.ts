import { strict as assert } from 'node:assert';
import type { CallInvoker, CallRequest } from '../../src/actor/CallRequest';
import { ActorGridError } from '../../src/errors';
import { checkActorCallParams, Dispatcher, registerActorMethods, type JsonRpcFailure, type Session } from '../../src/protocol';

class RecordingInvoker implements CallInvoker {
  readonly calls: CallRequest[] = [];
  async invoke(request: CallRequest): Promise<unknown> {
    this.calls.push(request);
    return `ran ${request.method}`;
  }
}

const session: Session = { id: 'conn-1', transport: 'ws', remote: '10.0.0.7' };

function invalidField(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ActorGridError, `expected an ActorGridError, got ${String(err)}`);
    assert.equal(err.code, 'INVALID_ARGUMENTS');
    return String(err.data?.field);
  }
  assert.fail('expected INVALID_ARGUMENTS');
}

describe('actor.call params', () => {
  const base = { type: 'Counter', id: 'c1', method: 'increment' };

  it('accepts the full form and defaults args to []', () => {
    assert.deepEqual(checkActorCallParams({ ...base, args: [1, 'x'], idempotencyKey: 'k1' }), { ...base, args: [1, 'x'], idempotencyKey: 'k1' });
    const minimal = checkActorCallParams(base);
    assert.deepEqual(minimal, { ...base, args: [] });
    assert.ok(!('idempotencyKey' in minimal));
  });

  it('treats null optional fields as absent (msgpack writes undefined as nil)', () => {
    assert.deepEqual(checkActorCallParams({ ...base, args: null, idempotencyKey: null }), { ...base, args: [] });
  });

  const bad: [string, unknown, string][] = [
    ['params missing', undefined, 'params'],
    ['params an array', ['Counter', 'c1', 'increment'], 'params'],
    ['an empty type', { ...base, type: '' }, 'type'],
    ['a numeric id', { ...base, id: 7 }, 'id'],
    ['an id of 257 characters', { ...base, id: 'x'.repeat(257) }, 'id'],
    ['no method', { type: 'Counter', id: 'c1' }, 'method'],
    ['args not an array', { ...base, args: { 0: 1 } }, 'args'],
    ['a numeric idempotencyKey', { ...base, idempotencyKey: 5 }, 'idempotencyKey'],
    ['an empty idempotencyKey', { ...base, idempotencyKey: '' }, 'idempotencyKey'],
    ['an idempotencyKey of 129 characters', { ...base, idempotencyKey: 'k'.repeat(129) }, 'idempotencyKey'],
    ['an unknown key', { ...base, deadline: 5 }, 'deadline'],
  ];
  for (const [what, params, field] of bad) {
    it(`rejects ${what} naming the field "${field}"`, () => {
      assert.equal(invalidField(() => checkActorCallParams(params)), field);
    });
  }

  it('accepts an id of exactly 256 characters and a key of exactly 128', () => {
    const params = checkActorCallParams({ ...base, id: 'x'.repeat(256), idempotencyKey: 'k'.repeat(128) });
    assert.equal(params.id.length, 256);
  });

  it('enforces maxArgs when given', () => {
    assert.equal(invalidField(() => checkActorCallParams({ ...base, args: [1, 2, 3] }, { maxArgs: 2 })), 'args');
    assert.equal(checkActorCallParams({ ...base, args: [1, 2] }, { maxArgs: 2 }).args.length, 2);
  });
});

describe('registerActorMethods', () => {
  it('invokes with the checked call, a request id and the caller', async () => {
    const dispatcher = new Dispatcher();
    const invoker = new RecordingInvoker();
    registerActorMethods(dispatcher, invoker, { newRequestId: () => 'req-42' });
    const reply = await dispatcher.handle(
      { jsonrpc: '2.0', id: 1, method: 'actor.call', params: { type: 'Counter', id: 'c1', method: 'add', args: [2], idempotencyKey: 'once' } },
      session,
    );
    assert.deepEqual(reply, { jsonrpc: '2.0', id: 1, result: 'ran add' });
    assert.deepEqual(invoker.calls, [
      { type: 'Counter', id: 'c1', method: 'add', args: [2], idempotencyKey: 'once', requestId: 'req-42', caller: 'ws:conn-1@10.0.0.7' },
    ]);
  });

  it('answers bad params with -32602 naming the field, without invoking', async () => {
    const dispatcher = new Dispatcher();
    const invoker = new RecordingInvoker();
    registerActorMethods(dispatcher, invoker);
    const reply = (await dispatcher.handle(
      { jsonrpc: '2.0', id: 2, method: 'actor.call', params: { type: 'Counter', id: '', method: 'add' } },
      session,
    )) as JsonRpcFailure;
    assert.equal(reply.error.code, -32602);
    assert.equal(reply.error.data.code, 'INVALID_ARGUMENTS');
    assert.equal(reply.error.data.field, 'id');
    assert.equal(invoker.calls.length, 0);
  });

  it('passes the invoker’s coded errors through', async () => {
    const dispatcher = new Dispatcher();
    registerActorMethods(dispatcher, {
      invoke: async (request) => {
        throw new ActorGridError('UNKNOWN_ACTOR_TYPE', `no actor type ${request.type}`, { type: request.type });
      },
    });
    const reply = (await dispatcher.handle(
      { jsonrpc: '2.0', id: 3, method: 'actor.call', params: { type: 'Nope', id: 'a', method: 'm' } },
      session,
    )) as JsonRpcFailure;
    assert.deepEqual(reply.error, { code: -32001, message: 'no actor type Nope', data: { code: 'UNKNOWN_ACTOR_TYPE', type: 'Nope' } });
  });
});
