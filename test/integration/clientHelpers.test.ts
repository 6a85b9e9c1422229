import { strict as assert } from 'node:assert';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient, type LiveChange } from '../../src/client';
import { loadConfig } from '../../src/config';
import { Logger } from '../../src/runtime/Logger';
import { Task } from '../../actors/Tasks';
import { Boards } from '../../actors/Board';
import { uniqueName, waitFor } from '../support/waitFor';

/** The typed helpers of the client against a live node: a shared-object replica and a limited live query. */
describe('ActorGridClient helpers: sharedObject() replicas and collection() live queries', function () {
  this.timeout(30_000);
  let node: ActorGridNode;
  const clients: ActorGridClient[] = [];
  const open = async (): Promise<ActorGridClient> => {
    const c = new ActorGridClient(node.url, { discover: false });
    clients.push(c);
    await c.connect();
    return c;
  };
  before(async function () {
    const config = loadConfig({ env: {}, overrides: { node: { port: 0 }, log: { level: 'silent' } } });
    node = await ActorGridNode.start({ config, actors: [Task], sharedObjects: [Boards], logger: new Logger('silent') });
  });
  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await node.stop();
  });

  it('a replica follows every version, and its update() hands back the current values on a conflict', async function () {
    const name = uniqueName('board.helper');
    const [one, two] = [await open(), await open()];
    const a = await one.sharedObject(name).subscribe();
    const b = await two.sharedObject(name).subscribe();
    assert.deepEqual(await a.update({ set: { title: 'A' } }), { version: 1 });
    await waitFor('b at version 1', () => b.version === 1);
    assert.deepEqual(b.slots, { title: 'A' });
    assert.deepEqual(await b.update({ set: { title: 'B' } }), { version: 2 });
    // a has not seen version 2 yet or has: either way, an update based on version 1 conflicts
    const conflict = await a.update({ set: { title: 'A2' }, ifVersion: 1 });
    assert.deepEqual(conflict, { conflict: { version: 2, slots: { title: 'B' } } });
    await waitFor('a at version 2', () => a.version === 2);
    assert.deepEqual(a.slots, { title: 'B' });
    assert.deepEqual(await a.update({ set: { title: 'A2' } }), { version: 3 }, 'based on the replica\'s version by default');
  });

  it('a limited live query keeps its window full and in order', async function () {
    const owner = uniqueName('win');
    const c = await open();
    const tasks = c.collection<{ title: string; status: string; owner: string; priority: number }>('tasks');
    for (let p = 1; p <= 4; p++) await tasks.create({ title: `p${p}`, status: 'open', owner, priority: p }, `${owner}-${p}`);
    const changes: LiveChange[] = [];
    const top = await tasks.watch({ where: `owner = '${owner}' AND status = 'open'`, orderBy: [{ field: 'priority', desc: true }], limit: 2, onChange: (ch) => changes.push(ch) });
    assert.deepEqual(top.records.map((r) => r.value.priority), [4, 3]);
    await tasks.update(`${owner}-4`, { status: 'done' });
    await waitFor('p2 enters', () => top.records.map((r) => r.value.priority).join() === '3,2');
    await tasks.create({ title: 'p9', status: 'open', owner, priority: 9 }, `${owner}-9`);
    await waitFor('p9 enters, p2 leaves', () => top.records.map((r) => r.value.priority).join() === '9,3');
    assert.deepEqual(changes.map((ch) => `${ch.kind} ${ch.id.slice(-1)}`), ['removed 4', 'added 2', 'added 9', 'removed 2']);
    await top.close();
  });
});
