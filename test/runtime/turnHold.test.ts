import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { container } from 'tsyringe';
import { ActorRegistry, StateCodec } from '../../src/actor';
import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { Invoker } from '../../src/runtime/Invoker';
import { Logger } from '../../src/runtime/Logger';
import { BinaryRecordStore } from '../../src/runtime/RecordStore';
import { CountingStore } from '../support/countingStore';
import { Counter } from '../../actors/Counter';
import { TEST_INVOKER_OPTIONS } from '../support/inProcessNode';

/** A "node": its own grid client (lock owner) on the shared store. Counter.increment is optimistic: these turns take the lock (turn.optimistic off). */
function node(shared: MemoryGridStore, holdMs: number): { invoker: Invoker; store: CountingStore } {
  const grid = new MemoryGrid(shared);
  const codec = new StateCodec();
  const store = new CountingStore(new BinaryRecordStore(grid.map('actor.Counter'), codec));
  const registry = new ActorRegistry().register(Counter).seal();
  const invoker = new Invoker(grid, registry, codec, container.createChildContainer(), new Logger('silent'), { ...TEST_INVOKER_OPTIONS, holdMs, maxBatch: 4, optimistic: false }, undefined, () => store);
  return { invoker, store };
}

/**
 * turn.holdMs: while an actor's queue stays busy, a turn keeps its lock for the next batch and
 * writes it fenced on the bytes it wrote last, without locking and reading again — and still loses
 * no update, and lets go so that another node's calls get through.
 */
describe('turn: keeping the lock across batches (turn.holdMs)', function () {
  const grid = new MemoryGridStore();

  it('runs a busy actor\'s next batches without a lock or a read each, and loses no increment', async function () {
    const { invoker, store } = node(grid, 1000);
    await invoker.invoke({ type: 'Counter', id: 'held', method: 'increment', args: [] });
    const before = { ...store.counts };
    const results = await Promise.all(Array.from({ length: 40 }, () => invoker.invoke({ type: 'Counter', id: 'held', method: 'increment', args: [] })));
    assert.deepEqual([...results].sort((a, b) => (a as number) - (b as number)), Array.from({ length: 40 }, (_, i) => i + 2));
    const writes = store.counts.write - before.write;
    const locks = store.counts.tryLock - before.tryLock;
    const reads = store.counts.read - before.read;
    assert.ok(writes >= 10, `batches of at most 4: ${writes} writes`);
    assert.ok(locks < writes && reads < writes, `locks ${locks} and reads ${reads} for ${writes} writes`);
    assert.equal(store.counts.tryLock, store.counts.unlock);
  });

  it('without it, every batch locks, reads and unlocks', async function () {
    const { invoker, store } = node(grid, 0);
    await Promise.all(Array.from({ length: 40 }, () => invoker.invoke({ type: 'Counter', id: 'plain', method: 'increment', args: [] })));
    assert.equal(store.counts.tryLock, store.counts.write);
    assert.equal(store.counts.read, store.counts.write);
  });

  it('two nodes hammering one actor both get through, and the count is exact', async function () {
    const a = node(grid, 20);
    const b = node(grid, 20);
    const calls = Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).invoker.invoke({ type: 'Counter', id: 'shared', method: 'increment', args: [] }));
    await Promise.all(calls);
    assert.equal(await a.invoker.invoke({ type: 'Counter', id: 'shared', method: 'get', args: [] }), 200);
    assert.ok(a.store.counts.write > 0 && b.store.counts.write > 0);
  });
});
