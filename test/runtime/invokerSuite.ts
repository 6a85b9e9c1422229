import { strict as assert } from 'node:assert';
import { ActorGridError } from '../../src/errors';
import type { Grid } from '../../src/grid';
import type { Invoker } from '../../src/runtime/Invoker';
import { Account } from '../../actors/Account';
import { Counter } from '../../actors/Counter';
import { ShoppingCart } from '../../actors/ShoppingCart';
import { Echo, Gate, Ping, Sloth } from '../fixtures/testActors';
import { inProcessInvoker } from '../support/inProcessNode';
import { codeOf } from '../support/codeOf';
import { assertBothProgress, twoWayLoad } from '../support/twoWayLoad';
import { uniqueName, waitFor } from '../support/waitFor';

const CLASSES = [Counter, ShoppingCart, Account, Gate, Ping, Echo, Sloth];


/**
 * The invocation engine's behaviour, run on each grid with two invokers ("nodes") in this process
 * sharing one grid. The multi-process tests in test/integration repeat the key cases over HTTP/WS.
 */
export function invokerSuite(gridName: string, connect: () => Promise<Grid>): void {
  describe(`Invoker (turns) on the ${gridName} grid`, function () {
    const grids: Grid[] = [];
    let a: Invoker;
    let b: Invoker;

    before(async function () {
      grids.push(await connect(), await connect());
      a = inProcessInvoker(grids[0], CLASSES);
      b = inProcessInvoker(grids[1], CLASSES);
    });

    after(async function () {
      await Promise.allSettled(grids.map((g) => g.shutdown()));
    });

    const call = (inv: Invoker, type: string, id: string, method: string, args: unknown[] = [], extra: object = {}) =>
      inv.invoke({ type, id, method, args, ...extra });

    it('applies concurrent increments from two nodes exactly once each, with distinct results', async function () {
      const id = uniqueName('c');
      const n = 300;
      const results = (await Promise.all(
        Array.from({ length: n }, (_, i) => call(i % 2 ? a : b, 'Counter', id, 'increment', [1])),
      )) as number[];
      assert.equal(new Set(results).size, n, 'every returned value is distinct');
      assert.deepEqual([...results].sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i + 1));
      assert.equal(await call(a, 'Counter', id, 'get'), n);
      assert.equal(await call(b, 'Counter', id, 'get'), n);
    });

    it('rolls back a throwing call alone and reports ACTOR_ERROR', async function () {
      const id = uniqueName('acct');
      await call(a, 'Account', id, 'deposit', [100]);
      const batch = await Promise.allSettled([
        call(a, 'Account', id, 'deposit', [10]),
        call(a, 'Account', id, 'withdraw', [1000]),
        call(a, 'Account', id, 'deposit', [1]),
      ]);
      assert.equal(batch[0].status, 'fulfilled');
      assert.equal(batch[2].status, 'fulfilled');
      assert.equal(batch[1].status, 'rejected');
      const err = (batch[1] as PromiseRejectedResult).reason as ActorGridError;
      assert.equal(err.code, 'ACTOR_ERROR');
      assert.match(err.message, /insufficient funds/);
      assert.equal(await call(b, 'Account', id, 'balance'), 111);
    });

    it('keeps rich state: Maps and Dates survive the grid', async function () {
      const id = uniqueName('cart');
      await call(a, 'ShoppingCart', id, 'add', ['apple', 2]);
      await call(b, 'ShoppingCart', id, 'add', ['pear', 1]);
      await call(a, 'ShoppingCart', id, 'add', ['apple', 3]);
      const items = (await call(b, 'ShoppingCart', id, 'items')) as Array<{ sku: string; qty: number; addedAt: Date }>;
      assert.deepEqual(items.map((i) => [i.sku, i.qty]), [['apple', 5], ['pear', 1]]);
      assert.ok(items[0].addedAt instanceof Date);
      assert.equal(await call(a, 'ShoppingCart', id, 'remove', ['pear']), true);
      const out = (await call(b, 'ShoppingCart', id, 'checkout')) as { items: unknown[]; checkedOutAt: Date };
      assert.equal(out.items.length, 1);
      assert.ok(out.checkedOutAt instanceof Date);
      assert.equal(await codeOf(call(a, 'ShoppingCart', id, 'add', ['fig', 1])), 'ACTOR_ERROR');
    });

    it('applies a call with an idempotency key once, on whichever node it is retried', async function () {
      const id = uniqueName('idem');
      const key = uniqueName('key');
      const first = await call(a, 'Counter', id, 'increment', [5], { idempotencyKey: key });
      const again = await call(b, 'Counter', id, 'increment', [5], { idempotencyKey: key });
      const racing = await Promise.all([
        call(a, 'Counter', id, 'increment', [5], { idempotencyKey: key }),
        call(b, 'Counter', id, 'increment', [5], { idempotencyKey: key }),
      ]);
      assert.equal(first, 5);
      assert.equal(again, 5);
      assert.deepEqual(racing, [5, 5]);
      assert.equal(await call(a, 'Counter', id, 'get'), 5);
      // a failed call's outcome is remembered too
      await call(a, 'Account', id, 'deposit', [1]);
      const k2 = uniqueName('key');
      assert.equal(await codeOf(call(a, 'Account', id, 'withdraw', [50], { idempotencyKey: k2 })), 'ACTOR_ERROR');
      await call(a, 'Account', id, 'deposit', [100]);
      assert.equal(await codeOf(call(b, 'Account', id, 'withdraw', [50], { idempotencyKey: k2 })), 'ACTOR_ERROR', 'the first outcome, not a new attempt');
      assert.equal(await call(b, 'Account', id, 'balance'), 101);
      // a key names one call: reused for another method it is refused, not answered with the other's outcome
      const k3 = uniqueName('key');
      assert.equal(await call(a, 'Account', id, 'deposit', [100], { idempotencyKey: k3 }), 201);
      assert.equal(await codeOf(call(b, 'Account', id, 'withdraw', [60], { idempotencyKey: k3 })), 'INVALID_ARGUMENTS');
      assert.equal(await call(b, 'Account', id, 'balance'), 201, 'the refused call changed nothing');
      assert.equal(await call(a, 'Account', id, 'deposit', [100], { idempotencyKey: k3 }), 201, 'the same call with its key still answers its first outcome');
    });

    it('moves money both ways concurrently without deadlock and conserves the total', async function () {
      this.timeout(120000);
      const x = uniqueName('x');
      const y = uniqueName('y');
      await call(a, 'Account', x, 'deposit', [1000]);
      await call(b, 'Account', y, 'deposit', [1000]);
      const n = 40;
      const transfers = Array.from({ length: n }, (_, i) =>
        i % 2 ? call(a, 'Account', x, 'transfer', [y, 3]) : call(b, 'Account', y, 'transfer', [x, 2]),
      );
      const settled = await Promise.allSettled(transfers);
      const failed = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
      assert.deepEqual(failed.map((f) => String(f.reason)), [], 'every transfer completed');
      const bx = (await call(a, 'Account', x, 'balance')) as number;
      const by = (await call(b, 'Account', y, 'balance')) as number;
      assert.equal(bx + by, 2000);
      assert.equal(bx, 1000 - 3 * (n / 2) + 2 * (n / 2));
    });

    for (const nodes of [2, 1]) {
      it(`makes progress in both directions under two-way contention on ${nodes} node(s): 32 callers, every transfer completes, total conserved`, async function () {
        this.timeout(120000);
        const x = uniqueName('x');
        const y = uniqueName('y');
        await call(a, 'Account', x, 'deposit', [100_000]);
        await call(b, 'Account', y, 'deposit', [100_000]);
        const [callers, perCaller] = [32, 8];
        const result = await twoWayLoad(callers, perCaller, (direction, caller) =>
          call(nodes === 2 && caller % 4 >= 2 ? b : a, 'Account', direction === 0 ? x : y, 'transfer', [direction === 0 ? y : x, 1]),
        );
        assertBothProgress(result, callers, perCaller);
        const bx = (await call(a, 'Account', x, 'balance')) as number;
        const by = (await call(b, 'Account', y, 'balance')) as number;
        assert.deepEqual([bx, by], [100_000, 100_000], 'as many transfers each way: balances back where they started');
      });
    }

    it('fails a three-actor cycle (a → b → c → a) fast with REENTRANCY and leaves no change behind', async function () {
      const [p, q, r] = [uniqueName('p'), uniqueName('q'), uniqueName('r')];
      const err = await call(a, 'Ping', p, 'forward', [[q, r, p]]).catch((e: unknown) => e);
      assert.ok(err instanceof ActorGridError && err.code === 'REENTRANCY', `REENTRANCY, got ${String(err)}`);
      assert.deepEqual(err.data?.chain, [`Ping/${p}`, `Ping/${q}`, `Ping/${r}`, `Ping/${p}`]);
      for (const id of [p, q, r]) assert.equal(await call(b, 'Ping', id, 'count'), 0, `${id} unchanged`);
    });

    it('fails a call cycle fast with REENTRANCY and leaves no change behind', async function () {
      const p = uniqueName('p');
      const q = uniqueName('q');
      assert.equal(await codeOf(call(a, 'Ping', p, 'forward', [[q, p]])), 'REENTRANCY');
      assert.equal(await call(a, 'Ping', p, 'count'), 0);
      assert.equal(await call(a, 'Ping', q, 'count'), 0);
      assert.equal(await call(b, 'Ping', p, 'forward', [[q]]), 1, 'an acyclic chain works');
      assert.equal(await call(b, 'Ping', q, 'count'), 1);
    });

    it('passes the call chain and caller to nested calls', async function () {
      const who = (await call(a, 'Echo', 'e1', 'whoAmI', [], { caller: 'client:test' })) as { chain: string[]; caller: string };
      assert.deepEqual(who.chain, ['Echo/e1']);
      assert.equal(who.caller, 'client:test');
    });

    it('rejects unknown types, methods and bad arguments before any turn', async function () {
      assert.equal(await codeOf(call(a, 'Nope', 'x', 'get')), 'UNKNOWN_ACTOR_TYPE');
      assert.equal(await codeOf(call(a, 'Counter', 'x', 'nope')), 'UNKNOWN_ACTOR_METHOD');
      assert.equal(await codeOf(call(a, 'Counter', 'x', 'constructor')), 'UNKNOWN_ACTOR_METHOD');
      const id = uniqueName('bad');
      assert.equal(await codeOf(call(a, 'Counter', id, 'increment', ['abc'])), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(call(a, 'Counter', id, 'increment', [1, 2])), 'INVALID_ARGUMENTS');
      assert.equal(await call(a, 'Counter', id, 'get'), 0, 'nothing was written');
    });

    it('fails with LOCK_TIMEOUT when another node holds the actor past the wait limit', async function () {
      const id = uniqueName('locked');
      const quick = inProcessInvoker(grids[1], CLASSES, { lockWaitMs: 200 });
      let release!: () => void;
      Gate.waiters.set(id, new Promise<void>((r) => (release = r)));
      const holding = call(a, 'Gate', id, 'hold', [id, 'first']);
      await waitFor('a to hold the lock', () => grids[1].map('actor.Gate').isLocked(id));
      assert.equal(await codeOf(quick.invoke({ type: 'Gate', id, method: 'write', args: ['second'] })), 'LOCK_TIMEOUT');
      release();
      assert.equal(await holding, 1);
      assert.deepEqual(await call(b, 'Gate', id, 'read'), { writes: 1, note: 'first' });
      Gate.waiters.delete(id);
    });

    it('fails a turn whose lock was lost and whose actor was overtaken with CONFLICT, never overwriting', async function () {
      this.timeout(60000);
      const id = uniqueName('lease');
      await call(b, 'Gate', id, 'write', ['v1']);
      // b replies before it unlocks: wait for that unlock, so that the lock seen next is a's.
      await waitFor('b to unlock after its write', async () => !(await grids[1].map('actor.Gate').isLocked(id)));
      let release!: () => void;
      Gate.waiters.set(id, new Promise<void>((r) => (release = r)));
      const slow = a.invoke({ type: 'Gate', id, method: 'hold', args: [id, 'from the slow turn'] });
      await waitFor('the slow turn to hold the lock', () => grids[1].map('actor.Gate').isLocked(id));
      // the lock is lost, as when a lease runs out during a stall; b then commits its own write
      await grids[1].map('actor.Gate').forceUnlock(id);
      assert.equal(await call(b, 'Gate', id, 'write', ['v2']), 2);
      release();
      assert.equal(await codeOf(slow), 'CONFLICT');
      assert.deepEqual(await call(a, 'Gate', id, 'read'), { writes: 2, note: 'v2' });
      Gate.waiters.delete(id);
    });

    it('fails a method that runs past its turn, discards its changes and releases the lock in time', async function () {
      this.timeout(30000);
      const id = uniqueName('sloth');
      const short = inProcessInvoker(grids[0], CLASSES, { leaseMs: 1200 });
      const hung = short.invoke({ type: 'Sloth', id, method: 'hang', args: [id] });
      const queued = short.invoke({ type: 'Sloth', id, method: 'move', args: [] });
      const err = await hung.catch((e: ActorGridError) => e);
      assert.ok(err instanceof ActorGridError);
      assert.equal(err.code, 'ACTOR_ERROR');
      assert.match(err.message, /ran longer than its turn allows/);
      assert.equal(await queued, 1, 'the next call ran in a later turn, on the state without the hung call');
      assert.equal(await call(b, 'Sloth', id, 'count'), 1);
      // the hung method, released late, can no longer reach other actors
      Sloth.release.get(id)!();
      assert.equal(await call(b, 'Sloth', id, 'move'), 2, 'no CONFLICT: the lock was released in time');
      assert.equal(await call(a, 'Ping', `${id}-after`, 'count'), 0);
    });

    it('batches calls that arrive during a turn', async function () {
      const id = uniqueName('batch');
      const n = 64;
      await Promise.all(Array.from({ length: n }, () => call(a, 'Counter', id, 'increment', [1])));
      const record = await grids[0].map('actor.Counter').get(id);
      assert.ok(record);
      // the version counts committed turns: far fewer than calls when they batch
      const { StateCodec } = await import('../../src/actor');
      const v = (new StateCodec().decode(record) as { v: number }).v;
      assert.ok(v < n / 2, `expected batching, got ${v} turns for ${n} calls`);
    });
  });
}
