import { strict as assert } from 'node:assert';
import type { Grid } from '../../src/grid';
import { meteredGrid } from '../../src/ops/MeteredGrid';
import type { Invoker, InvokerOptions } from '../../src/runtime/Invoker';
import { Tally } from '../fixtures/testActors';
import { codeOf } from '../support/codeOf';
import { inProcessInvoker } from '../support/inProcessNode';
import { uniqueName, waitFor } from '../support/waitFor';

/** A node over `grid` whose grid operations are counted by name (`map.tryLock`, `map.get`…). */
function countedNode(grid: Grid, options: Partial<InvokerOptions> = {}): { node: Invoker; ops: Map<string, number> } {
  const ops = new Map<string, number>();
  const counted = meteredGrid(grid, (op) => ops.set(op, (ops.get(op) ?? 0) + 1));
  return { node: inProcessInvoker(counted, [Tally], options), ops };
}

/**
 * Optimistic turns (`@Action({ optimistic: true })`, docs/actors.md "The turn"), with two nodes in
 * this process, each with its own grid client (so each is its own lock owner, as nodes are).
 */
export function optimisticSuite(gridName: string, connect: () => Promise<Grid>): void {
  describe(`Optimistic turns on the ${gridName} grid`, function () {
    const grids: Grid[] = [];
    let a: { node: Invoker; ops: Map<string, number> };
    let b: { node: Invoker; ops: Map<string, number> };

    before(async function () {
      grids.push(await connect(), await connect());
      a = countedNode(grids[0]);
      b = countedNode(grids[1]);
    });

    after(async function () {
      await Promise.allSettled(grids.map((g) => g.shutdown()));
    });

    const call = (node: Invoker, id: string, method: string, args: unknown[] = [], extra: object = {}) => node.invoke({ type: 'Tally', id, method, args, ...extra });
    const runs = (id: string) => Tally.runs.get(id) ?? 0;

    it('runs an uncontended call once, without the lock, and writes against the record it last wrote without reading it', async function () {
      const id = uniqueName('t');
      a.ops.clear();
      for (let i = 1; i <= 5; i++) assert.equal(await call(a.node, id, 'add', [1]), i);
      assert.equal(runs(id), 5, 'each body ran once');
      assert.equal(a.ops.get('map.tryLock') ?? 0, 0, 'no lock taken');
      assert.equal(a.ops.get('map.unlock') ?? 0, 0);
      assert.equal(a.ops.get('map.get'), 1, 'read once, for the first call; the next ones wrote against the record kept');
      assert.equal(await call(b.node, id, 'peek'), 5);
    });

    it('applies concurrent calls from two nodes exactly once each, with distinct results', async function () {
      const id = uniqueName('t');
      const n = 200;
      const results = (await Promise.all(Array.from({ length: n }, (_, i) => call(i % 2 ? a.node : b.node, id, 'add', [1])))) as number[];
      assert.deepEqual([...results].sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i + 1));
      assert.equal(await call(a.node, id, 'peek'), n);
      assert.ok(runs(id) >= n + 1, 'bodies whose write lost ran again');
    });

    it('waits for a turn another node holds the lock for, which then commits (no CONFLICT), and applies on top of it', async function () {
      const id = uniqueName('t');
      let open!: () => void;
      Tally.gates.set(id, new Promise<void>((resolve) => (open = resolve)));
      const holding = call(a.node, id, 'hold', [id]);
      await waitFor('a to hold the lock', () => grids[1].map('actor.Tally').isLocked(id));
      const adding = call(b.node, id, 'add', [1]);
      await waitFor('the optimistic call to have run once', () => runs(id) >= 1);
      open();
      assert.equal(await holding, 100, 'the locked turn committed');
      assert.equal(await adding, 101, 'the optimistic call applied after it, on its result');
      assert.equal(await call(a.node, id, 'peek'), 101);
      Tally.gates.delete(id);
    });

    it('finds a record it kept stale after another node wrote, and runs again on the one it reads', async function () {
      const id = uniqueName('t');
      assert.equal(await call(a.node, id, 'add', [1]), 1);
      assert.equal(await call(b.node, id, 'add', [1]), 2);
      const before = runs(id);
      assert.equal(await call(a.node, id, 'add', [1]), 3);
      assert.equal(runs(id) - before, 2, 'once on the stale record (its write lost), once on the record read');
    });

    it('returns the last committed value from a call that changes nothing, not the stale record it kept', async function () {
      const id = uniqueName('t');
      assert.equal(await call(a.node, id, 'add', [1]), 1);
      assert.equal(await call(b.node, id, 'add', [5]), 6);
      assert.equal(await call(a.node, id, 'peek'), 6);
    });

    it('runs a call that sets a reminder again under the lock, and sets it once', async function () {
      const id = uniqueName('t');
      a.ops.clear();
      assert.equal(await call(a.node, id, 'addLater', [2]), 2);
      assert.equal(runs(id), 2, 'once optimistically (not written), once under the lock');
      assert.equal(a.ops.get('map.tryLock') ?? 0, 1);
      assert.deepEqual(await call(b.node, id, 'reminderNames'), ['later']);
      assert.equal(await call(b.node, id, 'peek'), 2);
    });

    it('refuses calls to other actors from an optimistic method (ACTOR_ERROR), changing nothing', async function () {
      const id = uniqueName('t');
      const other = uniqueName('t');
      await assert.rejects(call(a.node, id, 'addToOther', [other]), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ACTOR_ERROR');
        assert.match(err.message, /optimistic.*cannot call other actors/);
        return true;
      });
      assert.equal(await call(b.node, id, 'peek'), 0);
      assert.equal(await call(b.node, other, 'peek'), 0);
    });

    it('applies a call retried with the same idempotency key once, on either node', async function () {
      const id = uniqueName('t');
      const key = uniqueName('k');
      assert.equal(await call(a.node, id, 'add', [3], { idempotencyKey: key }), 3);
      assert.equal(await call(b.node, id, 'add', [3], { idempotencyKey: key }), 3);
      assert.equal(await call(a.node, id, 'add', [3], { idempotencyKey: key }), 3);
      assert.equal(await call(b.node, id, 'peek'), 3);
      assert.equal(await codeOf(call(a.node, id, 'addLater', [3], { idempotencyKey: key })), 'INVALID_ARGUMENTS', 'a key names one method');
    });

    it('takes the lock for every call with turn.optimistic off', async function () {
      const locked = countedNode(grids[0], { optimistic: false });
      const id = uniqueName('t');
      assert.equal(await call(locked.node, id, 'add', [1]), 1);
      assert.equal(await call(locked.node, id, 'add', [1]), 2);
      assert.equal(locked.ops.get('map.tryLock'), 2);
      assert.equal(runs(id), 2);
    });
  });
}
