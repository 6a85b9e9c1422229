import { strict as assert } from 'node:assert';
import { StateCodec } from '../../src/actor';
import type { Grid } from '../../src/grid';
import type { Invoker, InvokerObserver } from '../../src/runtime/Invoker';
import { BinaryRecordStore } from '../../src/runtime/RecordStore';
import { Account } from '../../actors/Account';
import { CountingStore } from '../support/countingStore';
import { inProcessInvoker } from '../support/inProcessNode';
import { uniqueName, waitFor } from '../support/waitFor';

const LEASE_MS = 15000;

/**
 * Which grid path a turn takes for calls between actors (docs/actors.md "The turn" and "Calls
 * between actors"), seen in what it asks of the record store, on each grid: one node's invoker with a
 * counting store, and a second grid client standing in for another node that holds an actor's lock.
 */
export function turnPathSuite(gridName: string, connect: () => Promise<Grid>): void {
  describe(`turn paths of calls between actors on the ${gridName} grid`, function () {
    const grids: Grid[] = [];
    let node: Invoker;
    let store: CountingStore;
    /** Where the store's log stood whenever a pin was taken. */
    const pins: number[] = [];
    let backoffs = 0;

    before(async function () {
      grids.push(await connect(), await connect());
      store = new CountingStore(new BinaryRecordStore(grids[0].map('actor.Account'), new StateCodec()));
      const observe: InvokerObserver = {
        call: () => undefined,
        turn: () => undefined,
        lockWait: () => undefined,
        replay: () => undefined,
        event: (type, event) => {
          if (event === 'pin' && type === 'Account') pins.push(store.log.length);
          if (event === 'backoff' && type === 'Account') backoffs += 1;
        },
      };
      // holdMs 0: every read or lock skipped below is the path under test, not a kept lock.
      node = inProcessInvoker(grids[0], [Account], { holdMs: 0, observe }, () => store);
    });

    after(async function () {
      await Promise.allSettled(grids.map((g) => g.shutdown()));
    });

    /** Another node: holds `id`'s lock through its own grid client until `release()`. */
    async function otherNodeHolds(id: string): Promise<() => Promise<void>> {
      const map = grids[1].map('actor.Account');
      assert.equal(await map.tryLock(id, 0, LEASE_MS), true);
      return () => map.unlock(id);
    }

    const call = (inv: Invoker, id: string, method: string, args: unknown[]) => inv.invoke({ type: 'Account', id, method, args });

    /** Two new accounts, x < y in key order, funded with `fundX` and `fundY`. */
    async function accounts(fundX: number, fundY: number): Promise<[string, string]> {
      const [x, y] = [uniqueName('x'), uniqueName('y')];
      await call(node, x, 'deposit', [fundX]);
      await call(node, y, 'deposit', [fundY]);
      return [x, y];
    }

    it('a nested call to an actor no other node holds tries its lock without waiting, sent with the read', async function () {
      const [x, y] = await accounts(100, 1);
      const since = store.log.length;
      assert.equal(await call(node, x, 'transfer', [y, 10]), 90);
      const onY = store.of(y, since);
      assert.deepEqual(onY.map((o) => o.op), ['tryLock', 'read', 'write', 'unlock'], 'one lock, one read, one write');
      assert.deepEqual(onY.filter((o) => o.op === 'tryLock').map((o) => [o.waitMs, o.locked]), [[0, true]]);
      assert.equal(await call(node, y, 'balance', []), 11);
    });

    it('after finding an actor locked by another node, nested calls to it wait for the lock without trying first', async function () {
      const [x, y] = await accounts(100, 1);
      const release = await otherNodeHolds(y);
      const since = store.log.length;
      const first = call(node, x, 'transfer', [y, 10]);
      // The deposit tried y's lock first, found it taken, and waits (x < y: up the key order, the full wait).
      await waitFor('the deposit to find y locked', () => store.of(y, since).some((o) => o.op === 'tryLock' && o.waitMs === 0 && o.locked === false));
      await release();
      assert.equal(await first, 90);
      const again = store.log.length;
      assert.equal(await call(node, x, 'transfer', [y, 10]), 80);
      const locks = store.of(y, again).filter((o) => o.op === 'tryLock');
      assert.equal(locks.length, 1);
      assert.ok(locks[0].waitMs! > 0, `waited for the lock at once (waitMs ${locks[0].waitMs})`);
      assert.equal(await call(node, y, 'balance', []), 21);
    });

    it('calls run under one pin read the pinned actor once, then write fenced on what they wrote', async function () {
      // y > x: y's transfers call x.deposit down the key order, meet x held by another node, back
      // off, then pin x. All three transfers then run in one turn of y, their deposits under the pin.
      const [x, y] = await accounts(1, 100);
      const release = await otherNodeHolds(x);
      const [pinsBefore, backoffsBefore] = [pins.length, backoffs];
      const transfers = [1, 2, 3].map(() => call(node, y, 'transfer', [x, 10]));
      await waitFor('a transfer to back off', () => backoffs > backoffsBefore);
      await release();
      const results = (await Promise.all(transfers)) as number[];
      assert.deepEqual([...results].sort((p, q) => q - p), [90, 80, 70]);
      const taken = pins.slice(pinsBefore);
      assert.ok(taken.length >= 1, 'the transfers pinned x');
      const underPins = store.of(x, taken[0]);
      const readsOfX = underPins.filter((o) => o.op === 'read').length;
      assert.equal(underPins.filter((o) => o.op === 'write').length, 3, 'one deposit each');
      assert.equal(readsOfX, taken.length, `one read per pin (${taken.length} pin(s)), not one per deposit`);
      assert.equal(await call(node, x, 'balance', []), 31);
      assert.equal(await call(node, y, 'balance', []), 70);
    });
  });
}
