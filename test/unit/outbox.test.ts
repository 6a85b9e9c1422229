import { strict as assert } from 'node:assert';
import { Packr } from 'msgpackr';
import { Action, Actor, ActorContext, State, StateCodec } from '../../src/actor';
import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { Codecs } from '../../src/protocol/Codecs';
import type { ActorRecord } from '../../src/runtime/ActorRecord';
import { Logger } from '../../src/runtime/Logger';
import { OutboxRelay } from '../../src/runtime/OutboxRelay';
import { SharedObjectRegistry } from '../../src/shared/SharedObjectRegistry';
import { SharedObjectRuntime } from '../../src/shared/SharedObjectRuntime';
import { SharedObjectService } from '../../src/shared/SharedObjectService';
import { inProcessInvoker } from '../support/inProcessNode';
import { uniqueName, waitFor } from '../support/waitFor';

const packr = new Packr({ useRecords: false, moreTypes: true });
const silent = new Logger('silent');

/** Emits one item to a stream named by its id, from inside its turn. */
@Actor('Emitter')
class Emitter {
  @State() n = 0;

  @Action()
  emit(text: string): number {
    const ctx = ActorContext.current();
    this.n += 1;
    ctx.emit({ stream: `t.${ctx.actorId}`, capacity: 1000, item: { b: text } });
    return this.n;
  }
}

async function bodies(grid: MemoryGrid, stream: string): Promise<unknown[]> {
  const { items } = await grid.stream(stream, { capacity: 1000 }).read(0, 1000);
  return items.map((i) => (packr.unpack(i.value) as { b: unknown }).b);
}

describe('what turns emit (outbox)', function () {
  it('repairs a record on another node without appending again what is already in the stream, past items of the same actor from a query', async function () {
    const grid = new MemoryGrid(new MemoryGridStore());
    const [n1, n2] = [new OutboxRelay(grid, silent), new OutboxRelay(grid, silent)];
    const entries = n1.encode('Room/1', 5, [{ stream: 'dest.x', capacity: 1000, item: { b: 'turn' } }]);
    assert.equal(await n1.append('Room/1', 5, entries), true);
    await n1.appendNow('Room/1', [{ stream: 'dest.x', capacity: 1000, item: { b: 'query' } }]);
    await n2.repair('Room/1', 5, entries);
    assert.deepEqual(await bodies(grid, 'dest.x'), ['turn', 'query']);
  });

  it('appends what a dead node committed but did not append, once, however many nodes repair', async function () {
    const grid = new MemoryGrid(new MemoryGridStore());
    const [n1, n2, n3] = [new OutboxRelay(grid, silent), new OutboxRelay(grid, silent), new OutboxRelay(grid, silent)];
    const entries = n1.encode('Room/2', 3, [
      { stream: 'dest.y', capacity: 1000, item: { b: 'a' } },
      { stream: 'dest.y', capacity: 1000, item: { b: 'b' } },
    ]);
    await grid.stream('dest.y', { capacity: 1000 }).append(packr.pack({ b: 'someone else' }));
    await n2.repair('Room/2', 3, entries);
    await n3.repair('Room/2', 3, entries);
    assert.deepEqual(await bodies(grid, 'dest.y'), ['someone else', 'a', 'b']);
  });

  it('drops the items from the record once they are appended, so no later turn has to look for them', async function () {
    const grid = new MemoryGrid(new MemoryGridStore());
    const invoker = inProcessInvoker(grid, [Emitter]);
    const id = uniqueName('e');
    assert.equal(await invoker.invoke({ type: 'Emitter', id, method: 'emit', args: ['one'] }), 1);
    assert.equal(await invoker.invoke({ type: 'Emitter', id, method: 'emit', args: ['two'] }), 2);
    const raw = await grid.map<Buffer>('actor.Emitter').get(id);
    const record = new StateCodec().decode(raw!) as ActorRecord;
    assert.equal(record.v, 2);
    assert.equal(record.o, undefined);
    assert.deepEqual(await bodies(grid, `t.${id}`), ['one', 'two']);
  });

  it('makes a node that resumes a subscriber notice a version committed but missing from the stream', async function () {
    const grid = new MemoryGrid(new MemoryGridStore());
    const codecs = new Codecs();
    const registry = new SharedObjectRegistry({ retention: 1000, maxSlots: 1000, maxValueBytes: 65536 }).declare('board');
    const stream = grid.stream('so.board', { capacity: 1000 });
    for (let v = 1; v <= 4; v++) await stream.append(packr.pack({ n: 'board', v, s: { x: v } }));
    // Version 5 committed; its node died before the append: the object says 5, the stream ends at 4.
    const asked: string[] = [];
    const invoker = {
      invoke: async (r: { method: string }) => {
        asked.push(r.method);
        return r.method === 'snapshot' ? { version: 5, slots: { x: 5 } } : 5;
      },
    };
    const service = new SharedObjectService(grid, new SharedObjectRuntime(registry, codecs, undefined as never), invoker, codecs, silent, { maxBufferedBytes: 1 << 20, repairCheckMs: 20 });
    try {
      const channel = { bufferedBytes: 0, sendSync: () => undefined, sendReset: () => undefined };
      const result = await service.subscribe('board', 4, channel, { client: { id: 'c1', transport: 'ws' } });
      assert.equal(result.version, 4, 'resumed without a reset');
      result.activate();
      await waitFor('a sync turn on the object', () => asked.includes('sync'), 5000, 10);
    } finally {
      service.stop();
    }
  });
});
