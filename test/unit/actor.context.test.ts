import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { setImmediate as nextTick, setTimeout as sleep } from 'node:timers/promises';
import { Action, Actor, ActorContext, ActorRegistry, Query, type ActorContextInit, type CallInvoker, type CallRequest } from '../../src/actor';
import { ActorGridError } from '../../src/errors';

@Actor('Account')
class AccountImpl {
  @Action() deposit(amount: number): number {
    return amount;
  }
  @Query() balance(): number {
    return 0;
  }
}

@Actor('Unregistered')
class Unregistered {
  @Query() x(): void {}
}

/** An invoker that records requests and answers with `reply`. */
class RecordingInvoker implements CallInvoker {
  readonly requests: CallRequest[] = [];
  constructor(private readonly reply: unknown = 'ok') {}
  async invoke(request: CallRequest): Promise<unknown> {
    this.requests.push(request);
    return this.reply;
  }
}

const registry = new ActorRegistry().register(AccountImpl).seal();

function context(overrides: Partial<ActorContextInit> = {}): ActorContext {
  return new ActorContext({
    actorType: 'Account',
    actorId: 'alice',
    requestId: 'req-1',
    caller: 'client:test',
    chain: ['Shop/main'],
    deadline: 1_900_000_000_000,
    invoker: new RecordingInvoker(),
    registry,
    ...overrides,
  });
}

describe('ActorContext', () => {
  it('has no current context outside a call', () => {
    assert.throws(() => ActorContext.current(), /outside an actor call/);
    assert.equal(ActorContext.tryCurrent(), undefined);
  });

  it('exposes the call it was created for', () => {
    const ctx = context({ idempotencyKey: 'k1' });
    assert.equal(ctx.actorType, 'Account');
    assert.equal(ctx.actorId, 'alice');
    assert.equal(ctx.key, 'Account/alice');
    assert.equal(ctx.requestId, 'req-1');
    assert.equal(ctx.caller, 'client:test');
    assert.equal(ctx.deadline, 1_900_000_000_000);
    assert.equal(ctx.idempotencyKey, 'k1');
    assert.deepEqual(ctx.chain, ['Shop/main', 'Account/alice']);
    assert.ok(Object.isFrozen(ctx.chain));
  });

  it('ends the chain with its own key exactly once', () => {
    assert.deepEqual(context({ chain: ['Shop/main', 'Account/alice'] }).chain, ['Shop/main', 'Account/alice']);
    assert.deepEqual(context({ chain: undefined }).chain, ['Account/alice']);
    assert.deepEqual(context({ chain: [] }).chain, ['Account/alice']);
  });

  it('is current inside run, across awaits, and not after', async () => {
    const ctx = context();
    const result = await ctx.run(async () => {
      assert.equal(ActorContext.current(), ctx);
      await sleep(5);
      assert.equal(ActorContext.current(), ctx);
      await nextTick();
      await Promise.resolve();
      assert.equal(ActorContext.tryCurrent(), ctx);
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(ActorContext.tryCurrent(), undefined);
    assert.equal(ctx.run(() => 42), 42);
  });

  it('keeps two concurrent calls apart', async () => {
    const a = context({ actorId: 'a' });
    const b = context({ actorId: 'b' });
    const seen: string[] = [];
    const body = (delays: number[]) => async () => {
      for (const delay of delays) {
        await sleep(delay);
        seen.push(ActorContext.current().actorId);
      }
      return ActorContext.current().key;
    };
    const [ka, kb] = await Promise.all([a.run(body([1, 10, 1])), b.run(body([5, 1, 10]))]);
    assert.equal(ka, 'Account/a');
    assert.equal(kb, 'Account/b');
    assert.equal(seen.filter((id) => id === 'a').length, 3);
    assert.equal(seen.filter((id) => id === 'b').length, 3);
    assert.notDeepEqual(seen, ['a', 'a', 'a', 'b', 'b', 'b']); // they really interleaved
  });

  it('nests: an inner run has its own context, the outer one comes back', async () => {
    const outer = context({ actorId: 'outer' });
    const inner = context({ actorId: 'inner' });
    await outer.run(async () => {
      await inner.run(async () => {
        await sleep(1);
        assert.equal(ActorContext.current(), inner);
      });
      assert.equal(ActorContext.current(), outer);
    });
  });

  it('sends ref calls through the invoker as this actor', async () => {
    const invoker = new RecordingInvoker(17);
    const ctx = context({ invoker });
    const result: number = await ctx.actor(AccountImpl, 'bob').deposit(5);
    assert.equal(result, 17);
    assert.deepStrictEqual(invoker.requests, [
      {
        type: 'Account',
        id: 'bob',
        method: 'deposit',
        args: [5],
        requestId: 'req-1',
        caller: 'Account/alice',
        chain: ['Shop/main', 'Account/alice'],
        deadline: 1_900_000_000_000,
      },
    ]);
  });

  it('derives stable idempotency keys for nested calls from the call\'s own key', async () => {
    const keysOf = async (key: string | undefined): Promise<Array<string | undefined>> => {
      const invoker = new RecordingInvoker();
      const ctx = context({ invoker, idempotencyKey: key });
      await ctx.actor(AccountImpl, 'bob').deposit(1);
      await ctx.actor(AccountImpl, 'bob').deposit(1);
      return invoker.requests.map((r) => r.idempotencyKey);
    };
    const first = await keysOf('k1');
    assert.equal(first.length, 2);
    assert.notEqual(first[0], first[1], 'each nested call has its own key');
    assert.ok(first.every((k) => typeof k === 'string' && k.length <= 128));
    assert.deepEqual(await keysOf('k1'), first, 'a retry re-sends the same keys');
    assert.notDeepEqual(await keysOf('k2'), first);
    assert.deepEqual(await keysOf(undefined), [undefined, undefined], 'no key, no derived keys');
  });

  it('makes refs by type name too', async () => {
    const invoker = new RecordingInvoker();
    const ref = context({ invoker }).actor('Account', 'carol');
    await ref.balance();
    assert.equal(invoker.requests[0]?.type, 'Account');
    assert.equal(invoker.requests[0]?.method, 'balance');
    assert.deepEqual(invoker.requests[0]?.args, []);
  });

  it('refuses refs to types this node does not know', () => {
    const ctx = context();
    for (const make of [() => ctx.actor('Nope', 'x'), () => ctx.actor(Unregistered, 'x'), () => ctx.actor('AccountImpl', 'x')]) {
      assert.throws(make, (err: unknown) => err instanceof ActorGridError && err.code === 'UNKNOWN_ACTOR_TYPE');
    }
  });
});
