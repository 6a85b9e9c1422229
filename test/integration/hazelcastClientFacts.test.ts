import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { HazelcastGrid } from '../../src/grid';
import { sharedCluster } from '../support/cluster';
import { uniqueName, waitFor } from '../support/waitFor';

/**
 * Pins down the hazelcast-client behaviour the runtime relies on (docs/grid.md), against the real
 * cluster: lock ownership per client instance, and what happens to a dead client's locks.
 */
describe('Hazelcast client facts', function () {
  let grid: HazelcastGrid;
  /** A second client instance: another lock owner, as another node is. */
  let other: HazelcastGrid;

  before(async function () {
    const cluster = sharedCluster();
    const connect = () => HazelcastGrid.connect({ clusterName: cluster.clusterName, members: cluster.addresses() });
    [grid, other] = await Promise.all([connect(), connect()]);
  });

  after(async function () {
    await Promise.allSettled([grid?.shutdown(), other?.shutdown()]);
  });

  it('two concurrent lock() calls from one client instance both succeed (no per-call ownership)', async function () {
    const map = grid.map(uniqueName('facts'));
    const both = await Promise.race([
      Promise.all([map.lock('k', 30000), map.lock('k', 30000)]).then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10000).unref()),
    ]);
    assert.equal(both, true, 'the second lock() did not wait for the first');
    await map.unlock('k');
    await map.unlock('k');
    assert.equal(await map.isLocked('k'), false);
  });

  describe('writes from another client while a key is locked (optimistic turns rely on it)', function () {
    /** Starts `write` on the other client while this one holds `key`'s lock; says whether it finished before the unlock. */
    async function writeWhileLocked(map: string, key: string, write: (m: ReturnType<HazelcastGrid['map']>) => Promise<unknown>): Promise<{ before: boolean; result: unknown }> {
      const mine = grid.map(map);
      assert.equal(await mine.tryLock(key, 0, 30000), true);
      let done = false;
      const writing = write(other.map(map)).then((r) => ((done = true), r));
      // A read of the other client on the same key, sent after the write (reads do not wait for
      // locks): once it is back, the write has reached the member too (one client, one key: in order).
      await other.map(map).get(key);
      const before = done;
      await mine.unlock(key);
      return { before, result: await writing };
    }

    it('replaceIfSame waits for the unlock', async function () {
      const map = uniqueName('facts');
      await grid.map(map).set('k', Buffer.from('a'));
      const { before, result } = await writeWhileLocked(map, 'k', (m) => m.replaceIfSame('k', Buffer.from('a'), Buffer.from('b')));
      assert.equal(before, false, 'it did not wait for the lock');
      assert.equal(result, true);
    });

    it('putIfAbsent on an absent key waits for the unlock', async function () {
      const map = uniqueName('facts');
      const { before, result } = await writeWhileLocked(map, 'k', (m) => m.putIfAbsent('k', Buffer.from('b')));
      assert.equal(before, false, 'it did not wait for the lock');
      assert.equal(result, undefined);
    });
  });

  it('releases the locks of a SIGKILLed client process', async function () {
    this.timeout(120000);
    const cluster = sharedCluster();
    const mapName = uniqueName('killed');
    const child = spawn(
      process.execPath,
      [path.join(__dirname, '..', 'support', 'lockHolder.js'), cluster.clusterName, cluster.addresses().join(','), mapName, 'k'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('the child to take the lock', () => out.includes('locked'), 30000);
      const map = grid.map(mapName);
      assert.equal(await map.isLocked('k'), true);
      assert.equal(await map.tryLock('k', 0, 30000), false);
      const killedAt = Date.now();
      child.kill('SIGKILL');
      await once(child, 'exit');
      await waitFor('the dead client\'s lock to be released', async () => !(await map.isLocked('k')), 90000, 100);
      const releasedAfter = Date.now() - killedAt;
      console.log(`      lock of a SIGKILLed client released after ${releasedAfter} ms`);
      assert.equal(await map.tryLock('k', 0, 30000), true);
      await map.unlock('k');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
