import { strict as assert } from 'node:assert';
import { ActorGridError } from '../../src/errors';
import { Dispatcher, type InternalErrorContext, type JsonRpcFailure, type JsonRpcSuccess, type Session } from '../../src/protocol';

const session: Session = { id: 's1', transport: 'http', remote: '127.0.0.1' };

function setup(options: { maxBatch?: number } = {}) {
  const internal: { err: unknown; context: InternalErrorContext }[] = [];
  const dispatcher = new Dispatcher({ ...options, onInternalError: (err, context) => internal.push({ err, context }) });
  const seen: unknown[] = [];
  dispatcher.register('echo', async (params) => {
    seen.push(params);
    return params;
  });
  dispatcher.register('nothing', async () => undefined);
  dispatcher.register('coded', async () => {
    throw new ActorGridError('LOCK_TIMEOUT', 'still locked', { key: 'Counter/a', code: 'FAKE' });
  });
  dispatcher.register('crash', async () => {
    throw new Error('secret detail at /srv/node');
  });
  dispatcher.register('sync-throw', (() => {
    throw new ActorGridError('INVALID_ARGUMENTS', 'sync', { field: 'x' });
  }) as never);
  return { dispatcher, internal, seen };
}

const req = (method: string, params?: unknown, id: unknown = 1) => ({ jsonrpc: '2.0', method, params, id });

function failure(reply: unknown): JsonRpcFailure {
  assert.ok(reply && !Array.isArray(reply) && 'error' in (reply as object), `expected an error response, got ${JSON.stringify(reply)}`);
  return reply as JsonRpcFailure;
}

describe('Dispatcher', () => {
  it('answers a request with its result and id', async () => {
    const { dispatcher } = setup();
    const reply = await dispatcher.handle(req('echo', { a: 1 }, 'x-1'), session);
    assert.deepEqual(reply, { jsonrpc: '2.0', id: 'x-1', result: { a: 1 } });
  });

  it('answers null when a method returns nothing, so result is never dropped by JSON', async () => {
    const { dispatcher } = setup();
    const reply = (await dispatcher.handle(req('nothing'), session)) as JsonRpcSuccess;
    assert.ok(Object.prototype.hasOwnProperty.call(reply, 'result'));
    assert.equal(reply.result, null);
  });

  it('passes array params and absent params through', async () => {
    const { dispatcher, seen } = setup();
    await dispatcher.handle(req('echo', [1, 2]), session);
    await dispatcher.handle({ jsonrpc: '2.0', method: 'echo', id: 2 }, session);
    assert.deepEqual(seen, [[1, 2], undefined]);
  });

  it('runs a notification and answers nothing, even for unknown methods and failures', async () => {
    const { dispatcher, seen } = setup();
    assert.equal(await dispatcher.handle({ jsonrpc: '2.0', method: 'echo', params: [7] }, session), undefined);
    assert.deepEqual(seen, [[7]]);
    assert.equal(await dispatcher.handle({ jsonrpc: '2.0', method: 'nope' }, session), undefined);
    assert.equal(await dispatcher.handle({ jsonrpc: '2.0', method: 'coded' }, session), undefined);
  });

  it('treats id null as a request, not a notification', async () => {
    const { dispatcher } = setup();
    assert.deepEqual(await dispatcher.handle(req('echo', [], null), session), { jsonrpc: '2.0', id: null, result: [] });
  });

  it('answers METHOD_NOT_FOUND for an unknown method', async () => {
    const { dispatcher } = setup();
    const reply = failure(await dispatcher.handle(req('nope', {}, 3), session));
    assert.equal(reply.id, 3);
    assert.equal(reply.error.code, -32601);
    assert.deepEqual(reply.error.data, { code: 'METHOD_NOT_FOUND', method: 'nope' });
  });

  const invalid: [string, unknown, unknown][] = [
    ['a number', 1, null],
    ['a string', 'hello', null],
    ['null', null, null],
    ['no jsonrpc member', { method: 'echo', id: 4 }, 4],
    ['jsonrpc "1.0"', { jsonrpc: '1.0', method: 'echo', id: 4 }, 4],
    ['a non-string method', { jsonrpc: '2.0', method: 1, id: 4 }, 4],
    ['string params', { jsonrpc: '2.0', method: 'echo', params: 'bar', id: 4 }, 4],
    ['null params', { jsonrpc: '2.0', method: 'echo', params: null, id: 4 }, 4],
    ['an object id', { jsonrpc: '2.0', method: 'echo', id: { x: 1 } }, null],
    ['a boolean id', { jsonrpc: '2.0', method: 'echo', id: true }, null],
    ['a NaN id (msgpack can carry it)', { jsonrpc: '2.0', method: 'echo', id: NaN }, null],
    ['an invalid notification', { jsonrpc: '2.0', method: 1 }, null],
  ];
  for (const [what, message, id] of invalid) {
    it(`answers INVALID_REQUEST for ${what}`, async () => {
      const { dispatcher, seen } = setup();
      const reply = failure(await dispatcher.handle(message, session));
      assert.equal(reply.jsonrpc, '2.0');
      assert.equal(reply.id, id);
      assert.equal(reply.error.code, -32600);
      assert.equal(reply.error.data.code, 'INVALID_REQUEST');
      assert.deepEqual(seen, []);
    });
  }

  it('answers an empty batch with one INVALID_REQUEST error, not an array', async () => {
    const { dispatcher } = setup();
    const reply = failure(await dispatcher.handle([], session));
    assert.equal(reply.id, null);
    assert.equal(reply.error.code, -32600);
  });

  it('answers a batch in request order, leaving out notifications', async () => {
    const { dispatcher } = setup();
    const reply = await dispatcher.handle(
      [req('echo', [1], 'a'), { jsonrpc: '2.0', method: 'echo', params: [2] }, 5, req('nope', {}, 'c'), req('coded', {}, 'd')],
      session,
    );
    assert.ok(Array.isArray(reply));
    assert.deepEqual(
      reply.map((r) => [r.id, 'error' in r ? r.error.data.code : r.result]),
      [
        ['a', [1]],
        [null, 'INVALID_REQUEST'],
        ['c', 'METHOD_NOT_FOUND'],
        ['d', 'LOCK_TIMEOUT'],
      ],
    );
  });

  it('answers a batch of notifications only with nothing', async () => {
    const { dispatcher, seen } = setup();
    const reply = await dispatcher.handle([{ jsonrpc: '2.0', method: 'echo', params: [1] }, { jsonrpc: '2.0', method: 'echo', params: [2] }], session);
    assert.equal(reply, undefined);
    assert.equal(seen.length, 2);
  });

  it('runs batch entries concurrently but answers in order', async () => {
    const dispatcher = new Dispatcher();
    const events: string[] = [];
    dispatcher.register('wait', async (params) => {
      const [name, ms] = params as [string, number];
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      events.push(`end ${name}`);
      return name;
    });
    const reply = (await dispatcher.handle([req('wait', ['slow', 40], 1), req('wait', ['fast', 1], 2)], session)) as JsonRpcSuccess[];
    assert.deepEqual(events, ['start slow', 'start fast', 'end fast', 'end slow']);
    assert.deepEqual(reply.map((r) => r.result), ['slow', 'fast']);
  });

  it('refuses a batch over maxBatch with one PAYLOAD_TOO_LARGE error', async () => {
    const { dispatcher, seen } = setup({ maxBatch: 2 });
    const reply = failure(await dispatcher.handle([req('echo', [], 1), req('echo', [], 2), req('echo', [], 3)], session));
    assert.equal(reply.error.code, -32007);
    assert.deepEqual(reply.error.data, { code: 'PAYLOAD_TOO_LARGE', maxBatch: 2 });
    assert.deepEqual(seen, []);
  });

  it('maps a coded error to its JSON-RPC number and keeps data, with data.code the string code', async () => {
    const { dispatcher, internal } = setup();
    const reply = failure(await dispatcher.handle(req('coded', {}, 9), session));
    assert.deepEqual(reply.error, { code: -32004, message: 'still locked', data: { code: 'LOCK_TIMEOUT', key: 'Counter/a' } });
    assert.equal(internal.length, 0);
  });

  it('catches a handler that throws synchronously', async () => {
    const { dispatcher } = setup();
    const reply = failure(await dispatcher.handle(req('sync-throw'), session));
    assert.deepEqual(reply.error, { code: -32602, message: 'sync', data: { code: 'INVALID_ARGUMENTS', field: 'x' } });
  });

  it('hides a non-coded error behind INTERNAL and hands the original to the hook', async () => {
    const { dispatcher, internal } = setup();
    const reply = failure(await dispatcher.handle(req('crash', {}, 11), session));
    assert.deepEqual(reply.error, { code: -32603, message: 'internal error', data: { code: 'INTERNAL' } });
    assert.ok(!JSON.stringify(reply).includes('secret'));
    assert.equal(internal.length, 1);
    assert.equal((internal[0].err as Error).message, 'secret detail at /srv/node');
    assert.ok((internal[0].err as Error).stack);
    assert.deepEqual(internal[0].context, { method: 'crash', session, id: 11 });
  });

  it('hides the message and data of a coded INTERNAL error and reports it', async () => {
    const dispatcher = new Dispatcher({ onInternalError: (err) => reported.push(err) });
    const reported: unknown[] = [];
    dispatcher.register('bug', async () => {
      throw new ActorGridError('INTERNAL', 'db password is hunter2', { secret: true });
    });
    const reply = failure(await dispatcher.handle(req('bug'), session));
    assert.deepEqual(reply.error, { code: -32603, message: 'internal error', data: { code: 'INTERNAL' } });
    assert.equal(reported.length, 1);
  });

  it('reports INTERNAL errors of notifications and of thrown non-errors', async () => {
    const dispatcher = new Dispatcher({ onInternalError: (err) => reported.push(err) });
    const reported: unknown[] = [];
    dispatcher.register('throws-string', async () => {
      throw 'a string';
    });
    assert.equal(await dispatcher.handle({ jsonrpc: '2.0', method: 'throws-string' }, session), undefined);
    const reply = failure(await dispatcher.handle(req('throws-string'), session));
    assert.equal(reply.error.data.code, 'INTERNAL');
    assert.deepEqual(reported, ['a string', 'a string']);
  });

  it('survives a hook that throws', async () => {
    const dispatcher = new Dispatcher({
      onInternalError: () => {
        throw new Error('logger down');
      },
    });
    dispatcher.register('crash', async () => {
      throw new Error('boom');
    });
    assert.equal(failure(await dispatcher.handle(req('crash'), session)).error.code, -32603);
  });

  it('refuses to register a method twice', () => {
    const { dispatcher } = setup();
    assert.throws(() => dispatcher.register('echo', async () => 1), /already registered/);
    assert.ok(dispatcher.has('echo'));
    assert.ok(!dispatcher.has('other'));
  });
});

describe('Dispatcher.call and after-reply work', () => {
  it('call runs the handler and throws coded errors, METHOD_NOT_FOUND for an unknown method', async () => {
    const { dispatcher, internal } = setup();
    assert.deepEqual(await dispatcher.call('echo', { a: 1 }, session), { a: 1 });
    await assert.rejects(dispatcher.call('coded', {}, session), (err: ActorGridError) => err.code === 'LOCK_TIMEOUT');
    await assert.rejects(dispatcher.call('nope', {}, session), (err: ActorGridError) => err.code === 'METHOD_NOT_FOUND');
    await assert.rejects(dispatcher.call('crash', {}, session), /secret detail/);
    assert.equal(internal.length, 0, 'the transport reports what it answers');
  });

  it('runs the after-reply callbacks of a whole batch only when the transport says it replied', async () => {
    const { dispatcher } = setup();
    const events: string[] = [];
    dispatcher.register('later', async (params, _session, context) => {
      context.afterReply(() => events.push(`after ${String((params as { n: number }).n)}`));
      return true;
    });
    const context = dispatcher.newContext(session);
    const reply = await dispatcher.handle([req('later', { n: 1 }, 1), req('echo', {}, 2), req('later', { n: 2 }, 3)], session, context);
    assert.equal((reply as unknown[]).length, 3);
    events.push('replied');
    context.replied();
    assert.deepEqual(events, ['replied', 'after 1', 'after 2']);
    context.afterReply(() => events.push('late'));
    assert.deepEqual(events.slice(-1), ['late'], 'after the reply, a callback runs at once');
  });
});
