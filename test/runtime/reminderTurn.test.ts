import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { container } from 'tsyringe';
import { ActorRegistry, StateCodec } from '../../src/actor';
import { MemoryGrid } from '../../src/grid';
import { Invoker } from '../../src/runtime/Invoker';
import { Logger } from '../../src/runtime/Logger';
import { BinaryRecordStore, type RecordStore } from '../../src/runtime/RecordStore';
import type { ActorRecord } from '../../src/runtime/ActorRecord';
import { Alarm } from '../fixtures/testReminders';
import { TEST_INVOKER_OPTIONS } from '../support/inProcessNode';

/** A store whose next write is fenced out, as when a turn's lock lease ran out before it wrote. */
class FencingStore implements RecordStore {
  fenceNext = false;
  constructor(private readonly inner: BinaryRecordStore) {}
  get name(): string {
    return this.inner.name;
  }
  tryLock(id: string, waitMs: number, leaseMs: number): Promise<boolean> {
    return this.inner.tryLock(id, waitMs, leaseMs);
  }
  unlock(id: string): Promise<void> {
    return this.inner.unlock(id);
  }
  read(id: string) {
    return this.inner.read(id);
  }
  async write(id: string, previous: unknown, record: ActorRecord): Promise<unknown> {
    if (this.fenceNext) {
      this.fenceNext = false;
      return undefined;
    }
    return this.inner.write(id, previous, record);
  }
}

/**
 * The turn's side of reminders, with the due-time index in view: a reminder set by a turn whose
 * write is fenced out is in the index (written before the commit) but not in the record, so the node
 * that finds it due fires nothing and drops the entry; a reminder moved later leaves an early entry
 * that is corrected, not fired.
 */
describe('reminders in the turn (memory grid, one invoker)', function () {
  const grid = new MemoryGrid();
  const codec = new StateCodec();
  const registry = new ActorRegistry().register(Alarm).seal();
  const store = new FencingStore(new BinaryRecordStore(grid.map('actor.Alarm'), codec));
  const invoker = new Invoker(grid, registry, codec, container.createChildContainer(), new Logger('silent'), TEST_INVOKER_OPTIONS, undefined, () => store);
  const call = (id: string, method: string, args: unknown[] = []) => invoker.invoke({ type: 'Alarm', id, method, args });

  after(() => grid.shutdown());

  it('a reminder of a turn whose write was fenced out is found in the index, not fired, and dropped', async function () {
    store.fenceNext = true;
    await assert.rejects(call('fenced', 'set', ['x', { after: 0 }]), { code: 'CONFLICT' });
    const entry = await invoker.reminderIndex.entry('Alarm', 'fenced', 'x');
    assert.ok(entry, 'written before the commit');
    assert.deepEqual(await invoker.fireReminder('Alarm', 'fenced', 'x', 'ring'), { reminder: 'skipped', reason: 'no such reminder (cancelled, fired, or set by a turn that failed)' });
    assert.equal(await invoker.reminderIndex.entry('Alarm', 'fenced', 'x'), undefined);
    assert.deepEqual(await call('fenced', 'log'), []);
  });

  it('a reminder moved later: its early entry fires nothing and is moved to the record\'s time', async function () {
    await call('moved', 'set', ['m', { after: 0 }]);
    store.fenceNext = false;
    await call('moved', 'set', ['m', { after: 60000 }]);
    const due = (await call('moved', 'pending') as Array<{ due: number }>)[0].due;
    // A node that read the index before the move fires the old due time: the record says not yet.
    assert.deepEqual(await invoker.fireReminder('Alarm', 'moved', 'm', 'ring'), { reminder: 'skipped', reason: 'not due yet' });
    assert.equal((await invoker.reminderIndex.entry('Alarm', 'moved', 'm'))?.due, due);
    assert.deepEqual(await call('moved', 'log'), []);
  });

  it('fires what is due once: a second fire of the same occurrence finds it gone', async function () {
    await call('twice', 'set', ['t', { after: 0 }]);
    const first = await invoker.fireReminder('Alarm', 'twice', 't', 'ring');
    assert.equal(first.reminder, 'fired');
    assert.equal((await invoker.fireReminder('Alarm', 'twice', 't', 'ring')).reminder, 'skipped');
    assert.equal((await call('twice', 'log') as unknown[]).length, 1);
    assert.equal(await invoker.reminderIndex.entry('Alarm', 'twice', 't'), undefined);
  });

  it('a reminder that calls another method now is not fired by a stale entry', async function () {
    await call('method', 'set', ['n', { after: 0, method: 'tick' }]);
    assert.equal((await invoker.fireReminder('Alarm', 'method', 'n', 'ring')).reminder, 'skipped');
    assert.equal((await invoker.fireReminder('Alarm', 'method', 'n', 'tick')).reminder, 'fired');
    assert.equal(await call('method', 'ticks'), 1);
  });
});
