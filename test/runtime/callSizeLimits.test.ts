import { strict as assert } from 'node:assert';
import { ActorGridNode } from '../../src/ActorGridNode';
import { Action, Actor, Query, State } from '../../src/actor';
import { loadConfig } from '../../src/config';
import { Logger } from '../../src/runtime/Logger';
import { uniqueName } from '../support/waitFor';

/** An actor whose state and results grow as asked. */
@Actor('Hoard')
class Hoard {
  @State() items: string[] = [];

  @Action()
  add(item: string): number {
    this.items.push(item);
    return this.items.length;
  }

  @Action()
  dropAll(): number {
    this.items = this.items.slice(0, 1);
    return this.items.length;
  }

  @Action()
  copy(size: number): string {
    return 'r'.repeat(size);
  }

  @Query()
  count(): number {
    return this.items.length;
  }
}

/** turn.maxStateBytes and idempotency.maxResultBytes (issue 11): one call's growth is refused alone. */
describe('size limits on actor state and stored idempotent results', function () {
  this.timeout(30_000);
  let node: ActorGridNode;
  before(async function () {
    const config = loadConfig({ env: {}, overrides: { node: { port: 0 }, log: { level: 'silent' }, turn: { maxStateBytes: 4096 }, idempotency: { maxResultBytes: 512 } } });
    node = await ActorGridNode.start({ config, actors: [Hoard], logger: new Logger('silent') });
  });
  after(async function () {
    await node.stop();
  });

  const call = async (id: string, method: string, args: unknown[], key?: string): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${node.url}/actors/Hoard/${id}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(args) });
    return { status: res.status, body: await res.json() };
  };

  it('fails a call that would grow the state past turn.maxStateBytes with PAYLOAD_TOO_LARGE, rolled back alone in its batch', async function () {
    const id = uniqueName('hoard');
    // concurrent calls share turns: the big one fails, the small ones around it are applied
    const answers = await Promise.all([call(id, 'add', ['a']), call(id, 'add', ['x'.repeat(5000)]), call(id, 'add', ['b']), call(id, 'add', ['c'])]);
    assert.equal(answers[1].status, 413);
    assert.equal(answers[1].body.error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(answers[1].body.error.data.maxStateBytes, 4096);
    assert.deepEqual(answers.filter((_, i) => i !== 1).map((a) => a.status), [200, 200, 200]);
    assert.deepEqual((await call(id, 'count', [])).body, { result: 3 });
    // growing step by step stops at the limit; a state past it may shrink
    let last = { status: 200, body: {} as any };
    for (let i = 0; i < 10 && last.status === 200; i++) last = await call(id, 'add', ['y'.repeat(1000)]);
    assert.equal(last.body.error?.code, 'PAYLOAD_TOO_LARGE');
    assert.deepEqual((await call(id, 'dropAll', [])).body, { result: 1 });
  });

  it('refuses to keep a result over idempotency.maxResultBytes under a key, and answers a retry with the same refusal', async function () {
    const id = uniqueName('hoard');
    assert.deepEqual((await call(id, 'copy', [600])).body, { result: 'r'.repeat(600) }, 'without a key the result is only returned');
    const key = uniqueName('key');
    const first = await call(id, 'copy', [600], key);
    assert.equal(first.status, 413);
    assert.equal(first.body.error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(first.body.error.data.maxResultBytes, 512);
    assert.deepEqual((await call(id, 'copy', [10], key)).body, first.body, 'the key keeps its outcome');
    assert.deepEqual((await call(id, 'copy', [100], uniqueName('key'))).body, { result: 'r'.repeat(100) });
  });
});
