import { strict as assert } from 'node:assert';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient, type SharedObjectChange } from '../../src/client';
import { ActorGridError } from '../../src/errors';
import { SuiteNodes, type GridSetup } from '../support/suiteNodes';
import { applySyncs, SyncInbox } from '../support/syncInbox';
import { tcpSocketOf } from '../support/slowReader';
import { uniqueName, waitFor } from '../support/waitFor';

/**
 * The compact form of `sharedObject.sync` (docs/protocol.md): `sharedObject.subscribe {…, compact:
 * true}` gets a short per-connection id and `[subscription, version, set?, delete?, reset?]`, in JSON
 * and msgpack, with resume, reset snapshots and the client library's replica.
 */
export function sharedObjectCompactSuite(setup: () => GridSetup): void {
  describe('Shared objects in the compact form, across 2 nodes', function () {
    this.timeout(120000);
    const suite = new SuiteNodes(setup, {
      defaults: { sharedObjects: { names: ['obj.*'] } },
      classes: {},
      inbox: (c) => new SyncInbox(c),
    });
    const client = (n: ActorGridNode, encoding?: 'json' | 'msgpack') => suite.client(n, encoding);
    const subscribe = (c: ActorGridClient, params: Record<string, unknown>) => c.rpc<{ subscription: string; version: number; slots?: Record<string, unknown> }>('sharedObject.subscribe', params);
    const update = (c: ActorGridClient, params: Record<string, unknown>) => c.rpc<{ version: number }>('sharedObject.update', params);

    let a: ActorGridNode, b: ActorGridNode;
    before(async () => ([a, b] = await suite.start(['a', 'b'])));
    after(() => suite.close());

    it('syncs every version as positional params, in JSON and msgpack, and resumes with `since`', async function () {
      const name = uniqueName('obj.compact');
      const [writer, json, msgpack] = await Promise.all([client(a), client(b), client(b, 'msgpack')]);
      const subJ = await subscribe(json.c, { name, compact: true });
      const subM = await subscribe(msgpack.c, { name, compact: true });
      assert.deepEqual([subJ.subscription, subM.subscription, subJ.version], ['1', '1', 0]);
      await update(writer.c, { name, set: { a: 1, b: { x: [2] } } });
      await update(writer.c, { name, delete: ['a'] });
      await update(writer.c, { name, set: { c: 'three' }, delete: ['b'] });
      for (const inbox of [json.inbox, msgpack.inbox]) {
        await waitFor('3 syncs', () => inbox.compact.length >= 3);
        assert.deepEqual(inbox.compact, [
          ['1', 1, { a: 1, b: { x: [2] } }],
          ['1', 2, null, ['a']],
          ['1', 3, { c: 'three' }, ['b']],
        ]);
      }
      // resume on the other node after version 1: versions 2 and 3 again, compact, under a new id of that connection
      const again = await client(a);
      const other = await subscribe(again.c, { name: uniqueName('obj.other'), compact: true });
      const resumed = await subscribe(again.c, { name, since: 1, compact: true });
      assert.deepEqual([other.subscription, resumed.subscription, resumed.version, resumed.slots], ['1', '2', 1, undefined]);
      await waitFor('2 syncs', () => again.inbox.of('2').length >= 2);
      assert.deepEqual(again.inbox.compact.filter((p) => p[0] === '2').map((p) => p[1]), [2, 3]);
      assert.deepEqual(applySyncs({ b: { x: [2] }, a: 1 }, again.inbox.of('2')), { c: 'three' });
    });

    it('gives a slow compact subscriber one reset snapshot [id, version, slots, null, true]', async function () {
      const slowNode = await suite.node('slow', { sharedObjects: { maxBufferedBytes: 1024 } });
      const name = uniqueName('obj.slow');
      const slow = await client(slowNode);
      const slowSub = await subscribe(slow.c, { name, compact: true });
      const socket = tcpSocketOf(slow.c);
      socket.pause();
      const writer = await client(a);
      try {
        // enough to fill the loopback socket buffers (several MB), so that the node's send buffer grows
        const big = 'x'.repeat(60000);
        for (let i = 1; i <= 200; i++) await update(writer.c, { name, set: { big: `${i}${big}`, n: i } });
        await update(writer.c, { name, delete: ['big'] });
        socket.resume();
        await waitFor('the reset', async () => {
          await update(writer.c, { name, set: { tick: Date.now() } });
          return slow.inbox.compact.some((p) => p[4] === true);
        }, 30000, 200);
      } finally {
        socket.resume();
      }
      const reset = slow.inbox.compact.find((p) => p[4] === true)!;
      assert.equal(reset[0], slowSub.subscription);
      assert.equal(reset[3], null, 'no delete list in a reset');
      assert.equal((reset[2] as Record<string, unknown>).n, 200);
      assert.equal((reset[2] as Record<string, unknown>).big, undefined);
    });

    it('keeps the client library replica in step over the compact form', async function () {
      const name = uniqueName('obj.replica');
      const writer = await client(a);
      const reader = await client(b);
      const changes: SharedObjectChange[] = [];
      const replica = await reader.c.sharedObject(name).subscribe({ onChange: (change) => changes.push(change) });
      await update(writer.c, { name, set: { a: 1, b: 2 } });
      await update(writer.c, { name, delete: ['a'] });
      await waitFor('version 2', () => replica.version === 2);
      assert.deepEqual(replica.slots, { b: 2 });
      assert.deepEqual(changes.slice(-2), [{ version: 1, set: { a: 1, b: 2 } }, { version: 2, delete: ['a'] }]);
      assert.equal(reader.inbox.compact.length, 2, 'it subscribed compact');
      await replica.close();
    });

    it('refuses a compact flag that is not a boolean', async function () {
      const { c } = await client(a);
      const err = await subscribe(c, { name: uniqueName('obj.bad'), compact: 'yes' }).catch((e: ActorGridError) => e);
      assert.ok(err instanceof ActorGridError);
      assert.deepEqual([err.code, err.data?.field], ['INVALID_ARGUMENTS', 'compact']);
    });
  });
}
