import { strict as assert } from 'node:assert';
import { Packr } from 'msgpackr';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient } from '../../src/client';
import { loadConfig, type Config, type DeepPartial } from '../../src/config';
import type { Grid, GridStream, JsonValue } from '../../src/grid';
import { Logger } from '../../src/runtime/Logger';
import { ActorGridError } from '../../src/errors';
import { TEST_COLLECTIONS } from '../fixtures/testCollections';
import { codeOf } from '../support/codeOf';
import { DataInbox, shortId, type ChangeParams } from '../support/dataInbox';
import { RawWsClient } from '../support/RawWsClient';
import { SseReader } from '../support/sse';
import { SuiteNodes, type GridSetup } from '../support/suiteNodes';
import { uniqueName, waitFor } from '../support/waitFor';

type Value = Record<string, unknown>;
interface View {
  id: string;
  version: number;
  value: Value;
}
interface QueryResult {
  records: View[];
  cursor: string;
  watch?: string;
  reset?: boolean;
}
interface Watched extends View {
  watch: string;
  cursor: string;
}

/** `grid`, but its streams' appends fail while `failing()` says so (a node that dies between a commit and its appends, as far as the stream can tell). */
function failingAppends(grid: Grid, failing: () => boolean): Grid {
  const wrapStream = (stream: GridStream): GridStream =>
    new Proxy(stream, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'append' || prop === 'appendAll') return (...args: unknown[]) => (failing() ? Promise.reject(new Error('append failed (test)')) : value.apply(target, args));
        return value.bind(target);
      },
    });
  return new Proxy(grid, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'stream') return (...args: unknown[]) => wrapStream(value.apply(target, args) as GridStream);
      return value.bind(target);
    },
  });
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The error a promise rejects with (it must reject with a coded error). */
async function errorOf(p: Promise<unknown>): Promise<ActorGridError> {
  const err = await p.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ActorGridError, `expected a coded error, got ${String(err)}`);
  return err;
}

/** An HTTP error body's code. */
async function httpCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

/**
 * Collections and live queries across three nodes on one grid (PROTOCOL.md "Data"): CRUD over
 * WebSocket and HTTP, coded errors for bad input, queries, the WebORB rule with non-recipients,
 * limited windows, concurrent writers, resume with a cursor and past retention, SSE, the end of
 * watches.
 */
export function dataSuite(setup: () => GridSetup): void {
  describe('Collections across 3 nodes', function () {
    this.timeout(120000);
    const suite = new SuiteNodes(setup, {
      defaults: {},
      classes: { actors: TEST_COLLECTIONS },
      inbox: (c) => new DataInbox(c),
    });
    const node = (id: string, extra?: DeepPartial<Config>) => suite.node(id, extra);
    const client = (n: ActorGridNode, encoding?: 'json' | 'msgpack') => suite.client(n, encoding);

    const create = (c: ActorGridClient, params: Value) => c.rpc<{ id: string; version: number }>('data.create', { collection: 'items', ...params });
    const get = (c: ActorGridClient, id: string, collection = 'items') => c.rpc<View | null>('data.get', { collection, id });
    const update = (c: ActorGridClient, params: Value) => c.rpc<{ version: number }>('data.update', { collection: 'items', ...params });
    const remove = (c: ActorGridClient, params: Value) => c.rpc<boolean>('data.delete', { collection: 'items', ...params });
    const query = (c: ActorGridClient, params: Value) => c.rpc<QueryResult>('data.query', { collection: 'items', ...params });
    const watchRecord = (c: ActorGridClient, id: string, collection = 'items') => c.rpc<Watched>('data.get', { collection, id, watch: true });
    /** The ids a query returns, shortened, in its order. */
    const ids = async (c: ActorGridClient, params: Value) => (await query(c, params)).records.map((r) => shortId(r.id));

    let a: ActorGridNode, b: ActorGridNode, c3: ActorGridNode;
    before(async () => ([a, b, c3] = await suite.start(['a', 'b', 'c'])));
    after(() => suite.close());

    it('creates (id given or generated), gets, merges (set), replaces (value) and deletes records, with versions and conflicts', async function () {
      const tag = uniqueName('crud');
      const id = `${tag}-r1`;
      const { c } = await client(a);
      const other = (await client(c3, 'msgpack')).c;
      assert.deepEqual(await create(c, { id, value: { tag, title: 'one', status: 'open' } }), { id, version: 1 });
      assert.deepEqual(await get(other, id), { id, version: 1, value: { tag, title: 'one', status: 'open' } }, 'read on another node');
      const generated = await create(c, { value: { tag, title: 'gen' } });
      assert.equal(typeof generated.id, 'string');
      assert.ok(generated.id.length > 0 && generated.id !== id);
      assert.deepEqual(await get(other, generated.id), { id: generated.id, version: 1, value: { tag, title: 'gen' } });
      const again = await errorOf(create(other, { id, value: { tag, title: 'dup' } }));
      assert.equal(again.code, 'VERSION_CONFLICT', 'an existing id');
      assert.deepEqual(again.data, { version: 1 });

      assert.deepEqual(await update(other, { id, set: { owner: 'bob', priority: 2 } }), { version: 2 });
      assert.deepEqual(await get(c, id), { id, version: 2, value: { tag, title: 'one', status: 'open', owner: 'bob', priority: 2 } }, 'set merges');
      assert.deepEqual(await update(c, { id, value: { tag, title: 'two' } }), { version: 3 });
      assert.deepEqual(await get(other, id), { id, version: 3, value: { tag, title: 'two' } }, 'value replaces');
      assert.deepEqual(await update(c, { id, set: { title: 'two' } }), { version: 3 }, 'a write that changes nothing makes no version');
      assert.equal((await get(other, id))?.version, 3);

      const stale = await errorOf(update(other, { id, set: { title: 'x' }, ifVersion: 2 }));
      assert.equal(stale.code, 'VERSION_CONFLICT');
      assert.deepEqual(stale.data, { version: 3 });
      assert.deepEqual(await update(other, { id, set: { title: 'three' }, ifVersion: 3 }), { version: 4 });
      const staleDelete = await errorOf(remove(c, { id, ifVersion: 3 }));
      assert.equal(staleDelete.code, 'VERSION_CONFLICT');
      assert.deepEqual(staleDelete.data, { version: 4 });
      assert.deepEqual(await get(other, id), { id, version: 4, value: { tag, title: 'three' } }, 'refused writes changed nothing');

      assert.equal(await remove(c, { id, ifVersion: 4 }), true);
      assert.equal(await get(other, id), null, 'deleted');
      assert.equal(await codeOf(update(c, { id, set: { a: 1 } })), 'NOT_FOUND');
      assert.equal(await codeOf(remove(other, { id })), 'NOT_FOUND');
      assert.equal(await codeOf(c.call('items', id, 'close', ['ada'])), 'NOT_FOUND', 'an action on a deleted record');
      assert.equal(await get(c, `${tag}-never`), null);
      assert.equal(await codeOf(update(c, { id: `${tag}-never`, set: { a: 1 } })), 'NOT_FOUND');
      // a deleted id can be created again; versions keep counting
      assert.deepEqual(await create(other, { id, value: { tag, title: 'reborn' } }), { id, version: 6 });
      assert.deepEqual(await get(c, id), { id, version: 6, value: { tag, title: 'reborn' } });

      for (const call of [
        () => get(c, id, 'nope'),
        () => create(c, { collection: 'nope', value: { a: 1 } }),
        () => update(c, { collection: 'nope', id, set: { a: 1 } }),
        () => remove(c, { collection: 'nope', id }),
        () => query(c, { collection: 'nope' }),
        () => query(c, { collection: 'nope', watch: true }),
        () => watchRecord(c, id, 'nope'),
      ]) {
        assert.equal(await codeOf(call()), 'UNKNOWN_COLLECTION');
      }
      // a collection is not callable as a plain actor type under another name, and its records are not reachable as actors of another type
      assert.equal(await codeOf(c.call('Items', id, 'close', ['x'])), 'UNKNOWN_ACTOR_TYPE');
    });

    it('applies an idempotency key once: a retry (from any node) gets the first result and the version moves once', async function () {
      const tag = uniqueName('idem');
      const id = `${tag}-r1`;
      const writers = [(await client(a)).c, (await client(b)).c, (await client(c3)).c];
      const createKey = uniqueName('create');
      const first = await create(writers[0], { id, value: { tag, n: 0 }, idempotencyKey: createKey });
      assert.deepEqual(await create(writers[1], { id, value: { tag, n: 0 }, idempotencyKey: createKey }), first, 'a create retried');
      const key = uniqueName('update');
      const repeats = await Promise.all(writers.map((w) => update(w, { id, set: { n: 1 }, idempotencyKey: key })));
      assert.deepEqual(repeats, [{ version: 2 }, { version: 2 }, { version: 2 }]);
      assert.deepEqual(await update(writers[2], { id, set: { n: 1 }, idempotencyKey: key }), { version: 2 }, 'retried later');
      assert.equal((await get(writers[0], id))?.version, 2);
      const delKey = uniqueName('delete');
      assert.equal(await remove(writers[0], { id, idempotencyKey: delKey }), true);
      assert.equal(await remove(writers[1], { id, idempotencyKey: delKey }), true, 'a delete retried is not NOT_FOUND');
      // a create without an id, retried with its key: the same record, not a second one
      const genKey = uniqueName('gen');
      const made = await create(writers[0], { value: { tag, gen: true }, idempotencyKey: genKey });
      const retried = await create(writers[1], { value: { tag, gen: true }, idempotencyKey: genKey });
      assert.deepEqual(retried, made, 'a retried create without id answers the first result');
      assert.deepEqual((await query(writers[2], { where: `tag = '${tag}' AND gen = TRUE` })).records.map((r) => r.id), [made.id], 'one record made');
    });

    it('lets exactly one of concurrent creates of one id, or of updates with one ifVersion, win; the others conflict and change nothing', async function () {
      const tag = uniqueName('race');
      const id = `${tag}-r1`;
      const writers = [(await client(a)).c, (await client(b)).c, (await client(c3, 'msgpack')).c];
      const creates = await Promise.allSettled(writers.map((w, k) => create(w, { id, value: { tag, by: k } })));
      const made = creates.flatMap((o, k) => (o.status === 'fulfilled' ? [k] : []));
      assert.equal(made.length, 1, JSON.stringify(creates));
      for (const o of creates) if (o.status === 'rejected') assert.deepEqual([(o.reason as ActorGridError).code, (o.reason as ActorGridError).data], ['VERSION_CONFLICT', { version: 1 }]);
      assert.deepEqual(await get(writers[1], id), { id, version: 1, value: { tag, by: made[0] } });
      const updates = await Promise.allSettled(writers.map((w, k) => update(w, { id, set: { won: k }, ifVersion: 1 })));
      const won = updates.flatMap((o, k) => (o.status === 'fulfilled' ? [k] : []));
      assert.equal(won.length, 1, JSON.stringify(updates));
      for (const o of updates) if (o.status === 'rejected') assert.deepEqual([(o.reason as ActorGridError).code, (o.reason as ActorGridError).data], ['VERSION_CONFLICT', { version: 2 }]);
      assert.deepEqual(await get(writers[2], id), { id, version: 2, value: { tag, by: made[0], won: won[0] } });
    });

    it('watches a record that does not exist yet: version 0, then its creation, changes and deletion', async function () {
      const tag = uniqueName('missing');
      const id = `${tag}-r1`;
      const watcher = await client(c3, 'msgpack');
      const w = await watchRecord(watcher.c, id);
      assert.deepEqual({ id: w.id, version: w.version, value: w.value }, { id, version: 0, value: null });
      const writer = (await client(a)).c;
      await create(writer, { id, value: { tag, n: 1 } });
      await create(writer, { id: `${tag}-r2`, value: { tag, n: 1 } });
      await update(writer, { id, set: { n: 2 } });
      await remove(writer, { id });
      await create(writer, { id, value: { tag, n: 3 } });
      await waitFor('four changes', () => watcher.inbox.changes(w.watch).length >= 4);
      assert.deepEqual(watcher.inbox.trace(w.watch), ['added r1@1', 'changed r1@2', 'removed r1@3', 'added r1@4']);
      assert.deepEqual(watcher.inbox.changes(w.watch).map((ch) => ch.value), [{ tag, n: 1 }, { tag, n: 2 }, undefined, { tag, n: 3 }]);
    });

    it('runs a collection\'s own actions as turns: a change notifies watchers, a throwing action or a refused change changes nothing', async function () {
      const tag = uniqueName('action');
      const id = `${tag}-r1`;
      const { c } = await client(a);
      await create(c, { id, value: { tag, title: 't', status: 'open' } });
      const watcher = await client(b);
      const w = await watchRecord(watcher.c, id);
      const q = await query(watcher.c, { where: `tag = '${tag}' AND status = 'open'`, watch: true });
      assert.deepEqual({ id: w.id, version: w.version, value: w.value }, { id, version: 1, value: { tag, title: 't', status: 'open' } });
      assert.deepEqual(await c.call('items', id, 'close', ['ada']), { tag, title: 't', status: 'done', closedBy: 'ada' });
      assert.equal(await c.call('items', id, 'title'), 't', 'a @Query reads the record');
      const failed = await errorOf(c.call('items', id, 'scribbleThenFail'));
      assert.equal(failed.code, 'ACTOR_ERROR');
      const refused = await errorOf(c.call('items', id, 'breakSchema'));
      assert.ok(refused.code === 'INVALID_ARGUMENTS' || refused.data?.cause === 'INVALID_ARGUMENTS', `${refused.code} ${JSON.stringify(refused.data)}`);
      assert.deepEqual(await get(c, id), { id, version: 2, value: { tag, title: 't', status: 'done', closedBy: 'ada' } });
      assert.deepEqual(await update(c, { id, set: { marker: 1 } }), { version: 3 });
      await waitFor('the marker', () => watcher.inbox.changes(w.watch).length >= 2);
      assert.deepEqual(watcher.inbox.trace(w.watch), ['changed r1@2', 'changed r1@3']);
      assert.deepEqual(watcher.inbox.changes(w.watch)[0].value, { tag, title: 't', status: 'done', closedBy: 'ada' });
      assert.deepEqual(watcher.inbox.trace(q.watch!), ['removed r1@2'], 'closing took it out of the open set');
    });

    it('answers bad input with coded errors and changes nothing', async function () {
      const tag = uniqueName('bad');
      const id = `${tag}-r1`;
      const { c } = await client(a);
      const watcher = await client(b);
      await create(c, { id, value: { tag, status: 'open', priority: 1 } });
      const w = await watchRecord(watcher.c, id);

      const where = await errorOf(query(c, { where: "status = 'open' AND" }));
      assert.equal(where.code, 'INVALID_ARGUMENTS');
      assert.equal(where.data?.field, 'where');
      assert.equal(typeof where.data?.position, 'number', JSON.stringify(where.data));
      const watchedWhere = await errorOf(query(c, { where: 'status = = 1', watch: true }));
      assert.equal(watchedWhere.code, 'INVALID_ARGUMENTS');
      assert.equal(typeof watchedWhere.data?.position, 'number');

      const schema = await errorOf(create(c, { id: `${tag}-r2`, value: { tag: 5, status: 'lost' } }));
      assert.equal(schema.code, 'INVALID_ARGUMENTS');
      const errors = schema.data?.errors as Array<{ path: string }>;
      assert.deepEqual(errors.map((e) => e.path).sort(), ['/status', '/tag'], JSON.stringify(schema.data));
      assert.equal(await codeOf(update(c, { id, set: { status: 'lost' } })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(update(c, { id, value: { status: 'open' } })), 'INVALID_ARGUMENTS', 'tag required');
      assert.equal(await codeOf(create(c, { id: `${tag}-r3`, value: { tag, title: 'x'.repeat(2000) } })), 'PAYLOAD_TOO_LARGE');
      assert.equal(await codeOf(update(c, { id, set: { title: 'x'.repeat(2000) } })), 'PAYLOAD_TOO_LARGE');

      for (const [call, why] of [
        [() => create(c, { id: `${tag}-r4`, value: [1] }), 'an array value'],
        [() => create(c, { id: `${tag}-r4`, value: 'x' }), 'a string value'],
        [() => create(c, { id: `${tag}-r4`, value: null }), 'a null value'],
        [() => create(c, { id: `${tag}-r4` }), 'no value'],
        [() => create(c, { id: `${tag}-r4`, value: { tag }, extra: 1 }), 'an unknown param'],
        [() => create(c, { id: '', value: { tag } }), 'an empty id'],
        [() => create(c, { id: 'a\u0001b', value: { tag } }), 'a control character'],
        [() => create(c, { id: 'x'.repeat(257), value: { tag } }), 'an id too long'],
        [() => create(c, { id: 5, value: { tag } }), 'a number id'],
        [() => update(c, { id, set: 'x' }), 'set not an object'],
        [() => update(c, { id, set: [1] }), 'set an array'],
        [() => update(c, { id, value: [1] }), 'value an array'],
        [() => update(c, { id }), 'neither set nor value'],
        [() => update(c, { id, set: { a: 1 }, value: { tag } }), 'both set and value'],
        [() => update(c, { id, set: { a: 1 }, ifVersion: -1 }), 'a negative ifVersion'],
        [() => update(c, { id, set: { a: 1 }, ifVersion: '1' }), 'a string ifVersion'],
        [() => update(c, { id, set: { a: 1 }, extra: true }), 'an unknown param'],
        [() => update(c, { set: { a: 1 } }), 'no id'],
        [() => remove(c, { id, ifVersion: 1.5 }), 'a fractional ifVersion'],
        [() => remove(c, { id, extra: 1 }), 'an unknown param'],
        [() => get(c, ''), 'an empty id'],
        [() => c.rpc('data.get', { collection: 'items', id, extra: 1 }), 'an unknown param'],
        [() => c.rpc('data.get', { collection: 'items', id, watch: 'yes' }), 'watch not a boolean'],
        [() => query(c, { where: 5 }), 'where not a string'],
        [() => query(c, { bogus: 1 }), 'an unknown param'],
        [() => query(c, { orderBy: [{ field: '1x' }] }), 'orderBy field not a path'],
        [() => query(c, { orderBy: [{ field: 'a', desc: 'yes' }] }), 'orderBy desc not a boolean'],
        [() => query(c, { orderBy: [{ field: 'a', up: true }] }), 'an unknown orderBy key'],
        [() => query(c, { orderBy: [5] }), 'an orderBy entry not an object'],
        [() => query(c, { orderBy: range(1, 9).map((i) => ({ field: `f${i}` })) }), 'too many orderBy keys'],
        [() => query(c, { limit: 0 }), 'limit 0'],
        [() => query(c, { limit: -1 }), 'a negative limit'],
        [() => query(c, { limit: 1.5 }), 'a fractional limit'],
        [() => query(c, { limit: '5' }), 'a string limit'],
        [() => query(c, { limit: 10001 }), 'a limit over maxResults'],
        [() => query(c, { offset: -1 }), 'a negative offset'],
        [() => query(c, { watch: true, offset: 1, orderBy: [{ field: 'a' }], limit: 1 }), 'a watched query with offset'],
        [() => query(c, { watch: 'yes' }), 'watch not a boolean'],
        [() => query(c, { after: '0' }), 'after without watch'],
        [() => query(c, { watch: true, after: 'abc' }), 'a cursor that is no number'],
        [() => query(c, { watch: true, after: '-2' }), 'a negative cursor'],
        [() => query(c, { watch: true, after: 7 }), 'a number cursor'],
        [() => query(c, { watch: true, after: '999999999999' }), 'a cursor ahead of the stream'],
        [() => update(c, { id, set: { a: 1 }, idempotencyKey: 5 }), 'a number idempotency key'],
        [() => create(c, { value: { tag }, idempotencyKey: '' }), 'an empty idempotency key'],
        [() => c.rpc('data.unwatch', {}), 'unwatch without a watch'],
        [() => c.rpc('data.unwatch', { watch: 'nope' }), 'unwatch of an unknown watch'],
      ] as const) {
        assert.equal(await codeOf(call()), 'INVALID_ARGUMENTS', why);
      }
      // a value JSON cannot carry (a BigInt past 64 bits, in a raw msgpack frame): refused as bad input
      const raw = await RawWsClient.connect(b.url);
      try {
        const packr = new Packr({ useRecords: false, useBigIntExtension: true });
        for (const [method, params, field] of [
          ['data.update', { collection: 'items', id, set: { n: 2n ** 70n } }, 'set'],
          ['data.create', { collection: 'items', id: `${tag}-r4`, value: { tag, n: 2n ** 70n } }, 'value'],
        ] as const) {
          raw.send(packr.pack({ jsonrpc: '2.0', id: 1, method, params }));
          const reply = await raw.nextMessage();
          assert.equal(reply.error?.data?.code, 'INVALID_ARGUMENTS', JSON.stringify(reply, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
          assert.equal(reply.error.data.field, field);
        }
      } finally {
        await raw.close();
      }
      // watches need a push channel: not over HTTP /rpc
      const rpc = await fetch(`${a.url}/rpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'data.query', params: { collection: 'items', watch: true } }),
      });
      assert.equal(((await rpc.json()) as { error: { data: { code: string } } }).error.data.code, 'INVALID_REQUEST');

      assert.deepEqual(await get(c, id), { id, version: 1, value: { tag, status: 'open', priority: 1 } }, 'nothing changed');
      assert.equal(await get(c, `${tag}-r2`), null);
      assert.equal(await get(c, `${tag}-r3`), null);
      assert.equal(await get(c, `${tag}-r4`), null);
      assert.deepEqual(await update(c, { id, set: { priority: 2 } }), { version: 2 }, 'the connection still serves');
      await waitFor('the marker', () => watcher.inbox.changes(w.watch).length >= 1);
      assert.deepEqual(watcher.inbox.trace(w.watch), ['changed r1@2'], 'the refused writes notified nobody');
    });

    it('queries with =, <>, <, >=, IN, BETWEEN, LIKE, NOT, IS NULL, AND/OR and dotted paths; orders, limits and offsets; never returns deleted records', async function () {
      const tag = uniqueName('query');
      const { c } = await client(b);
      const values: Record<string, Value> = {
        r1: { status: 'open', priority: 1, owner: 'ann', meta: { level: 3 }, title: 'alpha' },
        r2: { status: 'open', priority: 5, owner: 'bob', meta: { level: 1 }, title: 'beta' },
        r3: { status: 'done', priority: 3, owner: 'bob', title: 'gamma' },
        r4: { status: 'doing', priority: 2, title: 'delta', meta: { level: 'high' } },
        r5: { status: 'open', title: 'alpha2' },
        r6: { status: 'open', priority: 4, owner: 'bob', title: 'alpha3' },
      };
      for (const [name, value] of Object.entries(values)) await create(c, { id: `${tag}-${name}`, value: { tag, ...value } });
      await remove(c, { id: `${tag}-r6` });
      const q = (where: string, extra: Value = {}) => ids(c, { where: `tag = '${tag}' AND (${where})`, orderBy: [{ field: 'title' }], ...extra });
      const cases: Array<[string, string[]]> = [
        ["status = 'open'", ['r1', 'r5', 'r2']],
        ["status <> 'open'", ['r4', 'r3']],
        ['priority < 3', ['r1', 'r4']],
        ['priority >= 3', ['r2', 'r3']],
        ['3 <= priority', ['r2', 'r3']],
        ["owner IN ('bob', 'zed')", ['r2', 'r3']],
        ["owner NOT IN ('bob')", ['r1']],
        ['priority BETWEEN 2 AND 4', ['r4', 'r3']],
        ['priority < 2.5', ['r1', 'r4']],
        ['priority > 1.5 AND priority <= 3.0', ['r4', 'r3']],
        ['priority NOT BETWEEN 2 AND 4', ['r1', 'r2']],
        ["title LIKE 'alpha%'", ['r1', 'r5']],
        ["title NOT LIKE 'a%'", ['r2', 'r4', 'r3']],
        ["NOT (status = 'open')", ['r4', 'r3']],
        ['owner IS NULL', ['r5', 'r4']],
        ["status = 'open' AND priority > 1", ['r2']],
        ["status = 'done' OR owner = 'ann'", ['r1', 'r3']],
        ['meta.level >= 2', ['r1']],
        ['meta.level < 5', ['r1', 'r2']],
        ["meta.level = 'high'", ['r4']],
        ['meta IS NULL', ['r1', 'r5', 'r2', 'r4', 'r3']], // an object is no scalar: NULL to the selector
        ['meta.level IS NOT NULL', ['r1', 'r2', 'r4']],
        // a literal of another type than the field: UNKNOWN for that record, so no match, and no error
        ["priority > 'a'", []],
        ["priority = 'a' OR status = 'done'", ['r3']],
        ['meta.level > 0', ['r1', 'r2']],
      ];
      for (const [where, expected] of cases) assert.deepEqual(await q(where), expected, where);
      assert.deepEqual(await ids(c, { where: `status = 'open' AND tag = '${tag}'`, orderBy: [{ field: 'title' }] }), ['r1', 'r5', 'r2'], 'the tag term second');
      assert.deepEqual(await ids(c, { where: `'${tag}' = tag`, orderBy: [{ field: 'title' }] }), ['r1', 'r5', 'r2', 'r4', 'r3'], 'a literal on the left; r6 was deleted');

      const all = `tag = '${tag}'`;
      assert.deepEqual(await ids(c, { where: all, orderBy: [{ field: 'priority' }] }), ['r1', 'r4', 'r3', 'r2', 'r5'], 'missing last');
      assert.deepEqual(await ids(c, { where: all, orderBy: [{ field: 'priority', desc: true }] }), ['r5', 'r2', 'r3', 'r4', 'r1'], 'missing first when descending');
      assert.deepEqual(await ids(c, { where: all, orderBy: [{ field: 'status' }] }), ['r4', 'r3', 'r1', 'r2', 'r5'], 'ties by id');
      assert.deepEqual(await ids(c, { where: all, orderBy: [{ field: 'status', desc: true }, { field: 'title', desc: true }] }), ['r2', 'r5', 'r1', 'r3', 'r4']);
      assert.deepEqual(await ids(c, { where: all, orderBy: [{ field: 'priority' }], limit: 2 }), ['r1', 'r4']);
      assert.deepEqual(await ids(c, { where: all, orderBy: [{ field: 'priority' }], limit: 2, offset: 2 }), ['r3', 'r2']);
      assert.deepEqual(await ids(c, { where: all, orderBy: [{ field: 'priority' }], offset: 4 }), ['r5']);
      assert.deepEqual(await ids(c, { where: all, orderBy: [{ field: 'priority' }], offset: 9 }), []);
      assert.deepEqual(await ids(c, { where: all, orderBy: [{ field: 'meta.level' }] }), ['r2', 'r1', 'r4', 'r3', 'r5'], 'a dotted order: numbers, then strings, then missing');
      const full = await query(c, { where: `${all} AND priority = 1` });
      assert.deepEqual(full.records, [{ id: `${tag}-r1`, version: 1, value: { tag, ...values.r1 } }]);
      assert.match(full.cursor, /^-?\d+$/);
      assert.equal(full.watch, undefined);

      // HTTP: where, orderBy (a leading - sorts descending), limit, offset
      const url = (q: string) => `${a.url}/data/items?${q}`;
      const res = await fetch(url(`where=${encodeURIComponent(all)}&orderBy=-priority,title&limit=2&offset=1`));
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as QueryResult).records.map((r) => shortId(r.id)), ['r2', 'r3']);
      const badWhere = await fetch(url(`where=${encodeURIComponent('status =')}`));
      assert.equal(badWhere.status, 400);
      assert.equal(await httpCode(badWhere), 'INVALID_ARGUMENTS');
      assert.equal((await fetch(url('limit=x'))).status, 400);
      assert.equal((await fetch(url('orderBy=1x'))).status, 400);
      assert.equal((await fetch(`${a.url}/data/nope`)).status, 404);

      // maxResults: an unlimited query with more matches is refused; a limit pages through them
      const small = await node('small', { data: { maxResults: 3 } });
      const s = (await client(small)).c;
      const tooMany = await errorOf(query(s, { where: all }));
      assert.equal(tooMany.code, 'INVALID_ARGUMENTS');
      assert.equal(tooMany.data?.field, 'limit');
      assert.deepEqual(await ids(s, { where: all, orderBy: [{ field: 'priority' }], limit: 3 }), ['r1', 'r4', 'r3']);
      assert.deepEqual(await ids(s, { where: all, orderBy: [{ field: 'priority' }], offset: 2 }), ['r3', 'r2', 'r5'], 'an offset leaves 3');
      assert.equal(await codeOf(query(s, { where: all, limit: 4 })), 'INVALID_ARGUMENTS');
      assert.deepEqual(await ids(s, { where: `${all} AND status = 'open'`, orderBy: [{ field: 'title' }] }), ['r1', 'r5', 'r2'], 'exactly maxResults');
    });

    it('queries a collection without indexes or schema the same way', async function () {
      const tag = uniqueName('notes');
      const { c } = await client(c3);
      for (const [name, value] of Object.entries({ n1: { k: 1 }, n2: { k: 2, deep: { x: 'y' } }, n3: { k: 3, list: [1, 2] } })) {
        await c.rpc('data.create', { collection: 'notes', id: `${tag}-${name}`, value: { tag, ...value } });
      }
      const q = (where: string) => ids(c, { collection: 'notes', where: `tag = '${tag}' AND ${where}`, orderBy: [{ field: 'k', desc: true }] });
      assert.deepEqual(await q('k > 1'), ['n3', 'n2']);
      assert.deepEqual(await q("deep.x = 'y'"), ['n2']);
      assert.deepEqual(await q('k IN (1, 3)'), ['n3', 'n1']);
      assert.deepEqual(await q('list IS NULL'), ['n3', 'n2', 'n1'], 'an array is no scalar: NULL to the selector');
      assert.deepEqual(await q('deep.x IS NOT NULL'), ['n2']);
      assert.deepEqual((await c.rpc<View>('data.get', { collection: 'notes', id: `${tag}-n3` })).value, { tag, k: 3, list: [1, 2] });
      // a field holding numbers in some records and strings in others: each comparison type-checks per record (no error)
      const mixTag = uniqueName('mix');
      for (let i = 0; i < 12; i++) await c.rpc('data.create', { collection: 'notes', id: `${mixTag}-m${String(i).padStart(2, '0')}`, value: { tag: mixTag, mix: i % 2 === 0 ? i : `s${i}` } });
      const mixed = (where: string) => ids(c, { collection: 'notes', where: `tag = '${mixTag}' AND ${where}`, orderBy: [{ field: 'mix' }] });
      assert.deepEqual(await mixed('mix > 5'), ['m06', 'm08', 'm10']);
      assert.deepEqual(await mixed("mix < 's3'"), ['m01', 'm11'], 'strings compare as strings');
      assert.deepEqual(await mixed("mix >= 's5' AND mix <= 's7'"), ['m05', 'm07']);
      // whole numbers and fractions compare as numbers
      const numTag = uniqueName('num');
      for (const [name, x] of [['x1', 1], ['x2', 2], ['x25', 2.5], ['x3', 3], ['xm', -0.5]] as const) {
        await c.rpc('data.create', { collection: 'notes', id: `${numTag}-${name}`, value: { tag: numTag, x } });
      }
      const nums = (where: string) => ids(c, { collection: 'notes', where: `tag = '${numTag}' AND ${where}`, orderBy: [{ field: 'x' }] });
      assert.deepEqual(await nums('x < 2.5'), ['xm', 'x1', 'x2']);
      assert.deepEqual(await nums('x > 1.5'), ['x2', 'x25', 'x3']);
      assert.deepEqual(await nums('x >= 2.5'), ['x25', 'x3']);
      assert.deepEqual(await nums('x = 2.0'), ['x2']);
      assert.deepEqual(await nums('x <= 2'), ['xm', 'x1', 'x2']);
      assert.deepEqual(await nums('x BETWEEN 1.5 AND 2.75'), ['x2', 'x25']);
      assert.deepEqual(await nums('x IN (2.5, 3)'), ['x25', 'x3']);
      assert.deepEqual(await nums('x < 0'), ['xm']);
    });

    it('finds records by equality on a field holding numbers in some records and strings in others', async function () {
      // Known bug on Hazelcast (pending there): a member converts the literal to the type of the first
      // value its predicate meets, so `mix = 4` can become `mix = "4.0"` and silently miss the record
      // holding 4 (no error, so no fallback to the node). Whether it shows depends on partition order:
      // several rounds of fresh records make it show almost every run.
      if (suite.gridName === 'hazelcast' && !process.env.DATA_TESTS_KNOWN_BUGS) this.skip();
      const { c } = await client(a);
      for (let round = 0; round < 6; round++) {
        const tag = uniqueName('mixeq');
        for (let i = 0; i < 12; i++) await c.rpc('data.create', { collection: 'notes', id: `${tag}-m${String(i).padStart(2, '0')}`, value: { tag, mix: i % 2 === 0 ? i : `s${i}` } });
        const found = await ids(c, { collection: 'notes', where: `tag = '${tag}' AND (mix = 4 OR mix = 's9' OR mix IN (6, 's11'))`, orderBy: [{ field: 'mix' }] });
        assert.deepEqual(found, ['m04', 'm06', 'm11', 'm09'], `round ${round}`);
      }
    });

    it('notifies exactly the watchers a change concerns (the WebORB rule), JSON and msgpack, on other nodes than the writer', async function () {
      const tag = uniqueName('weborb');
      const id = (n: string) => `${tag}-${n}`;
      const writer = (await client(a)).c;
      await create(writer, { id: id('r1'), value: { tag, status: 'open', owner: 'ann' } });
      // A and D on one JSON connection to b; B and C on one msgpack connection to c: one socket's order shows what was not sent
      const ad = await client(b);
      const bc = await client(c3, 'msgpack');
      const A = await query(ad.c, { where: `status = 'open' AND tag = '${tag}'`, watch: true });
      const D = await query(ad.c, { where: `tag = '${tag}' AND status = 'never'`, watch: true });
      const B = await query(bc.c, { where: `owner = 'bob' AND tag = '${tag}'`, watch: true });
      const C = await watchRecord(bc.c, id('r1'));
      assert.deepEqual(A.records.map((r) => r.id), [id('r1')]);
      assert.deepEqual([D.records, B.records], [[], []]);
      assert.deepEqual({ id: C.id, version: C.version, value: C.value }, { id: id('r1'), version: 1, value: { tag, status: 'open', owner: 'ann' } });
      for (const w of [A.watch, B.watch, C.watch, D.watch]) assert.equal(typeof w, 'string');

      await create(writer, { id: id('r2'), value: { tag, status: 'done', owner: 'carl' } }); // nobody
      await update(writer, { id: id('r1'), set: { priority: 2 } }); // A changed, C changed
      await update(writer, { id: id('r2'), set: { status: 'open' } }); // A added
      await update(writer, { id: id('r1'), set: { status: 'doing' } }); // A removed, C changed
      await update(writer, { id: id('r2'), set: { owner: 'bob' } }); // A changed, B added
      await update(writer, { id: id('r2'), set: { owner: 'dan' } }); // A changed, B removed
      await create(writer, { id: id('r3'), value: { tag, status: 'doing', owner: 'eve' } }); // nobody
      await update(writer, { id: id('r3'), set: { status: 'done' } }); // nobody
      await remove(writer, { id: id('r1') }); // C removed (A no longer has it)
      await remove(writer, { id: id('r2') }); // A removed (B no longer has it)
      await create(writer, { id: id('r4'), value: { tag, status: 'open', owner: 'bob' } }); // A, B added: the marker
      await waitFor('the marker on b and c', () => ad.inbox.changes(A.watch!).some((ch) => ch.id === id('r4')) && bc.inbox.changes(B.watch!).some((ch) => ch.id === id('r4')));
      assert.deepEqual(ad.inbox.trace(A.watch!), ['changed r1@2', 'added r2@2', 'removed r1@3', 'changed r2@3', 'changed r2@4', 'removed r2@5', 'added r4@1']);
      assert.deepEqual(bc.inbox.trace(B.watch!), ['added r2@3', 'removed r2@4', 'added r4@1']);
      assert.deepEqual(bc.inbox.trace(C.watch), ['changed r1@2', 'changed r1@3', 'removed r1@4']);
      assert.deepEqual(ad.inbox.trace(D.watch!), []);
      assert.equal(ad.inbox.events.length + bc.inbox.events.length, 13, 'nothing else was sent');

      // what each carries: the value after the change, none when removed; the collection; cursors that grow
      const values = ad.inbox.changes(A.watch!).map((ch) => ch.value);
      assert.deepEqual(values, [
        { tag, status: 'open', owner: 'ann', priority: 2 },
        { tag, status: 'open', owner: 'carl' },
        undefined,
        { tag, status: 'open', owner: 'bob' },
        { tag, status: 'open', owner: 'dan' },
        undefined,
        { tag, status: 'open', owner: 'bob' },
      ]);
      assert.deepEqual(bc.inbox.changes(C.watch).map((ch) => ch.value), [{ tag, status: 'open', owner: 'ann', priority: 2 }, { tag, status: 'doing', owner: 'ann', priority: 2 }, undefined]);
      for (const [inbox, watch] of [[ad.inbox, A.watch!], [bc.inbox, B.watch!], [bc.inbox, C.watch]] as const) {
        const changes = inbox.changes(watch);
        assert.ok(changes.every((ch) => ch.collection === 'items'));
        const cursors = changes.map((ch) => Number(ch.cursor));
        assert.deepEqual(cursors, [...cursors].sort((x, y) => x - y));
        assert.equal(new Set(cursors).size, cursors.length, `one cursor per change: ${cursors}`);
        assert.ok(cursors[0] > Number(A.cursor), 'after the query\'s cursor');
      }
      // A and B saw the same change (r2's owner → bob) at the same cursor
      assert.equal(ad.inbox.changes(A.watch!)[3].cursor, bc.inbox.changes(B.watch!)[0].cursor);
    });

    it('keeps a limited window (orderBy + limit) full: the next record enters when one leaves, the last leaves when a better one enters', async function () {
      const tag = uniqueName('window');
      const id = (n: string) => `${tag}-${n}`;
      const writer = (await client(c3)).c;
      for (const p of [1, 2, 3, 4, 5]) await create(writer, { id: id(`p${p}`), value: { tag, status: 'open', priority: p } });
      const watcher = await client(a);
      const w = await query(watcher.c, { where: `tag = '${tag}' AND status = 'open'`, orderBy: [{ field: 'priority' }], limit: 3, watch: true });
      assert.deepEqual(w.records.map((r) => shortId(r.id)), ['p1', 'p2', 'p3']);
      const trace = () => watcher.inbox.trace(w.watch!);
      const step = async (write: () => Promise<unknown>, expected: string[]) => {
        const before = trace().length;
        await write();
        await waitFor(`${expected.join(', ')}`, () => trace().length >= before + expected.length);
        assert.deepEqual(trace().slice(before), expected);
      };
      await step(() => update(writer, { id: id('p2'), set: { status: 'done' } }), ['removed p2@2', 'added p4@1']);
      await step(() => create(writer, { id: id('p0'), value: { tag, status: 'open', priority: 0 } }), ['added p0@1', 'removed p4@1']);
      await step(() => update(writer, { id: id('p3'), set: { priority: 10 } }), ['changed p3@2', 'removed p3@2', 'added p4@1']);
      await step(() => remove(writer, { id: id('p1') }), ['removed p1@2', 'added p5@1']);
      await step(() => update(writer, { id: id('p4'), set: { title: 'x' } }), ['changed p4@2']);
      // outside the full window: nothing; then a marker
      await create(writer, { id: id('p9'), value: { tag, status: 'open', priority: 9 } });
      await update(writer, { id: id('p3'), set: { title: 'still out' } });
      await step(() => update(writer, { id: id('p0'), set: { title: 'marker' } }), ['changed p0@2']);
      const expectedWindow = (await query(writer, { where: `tag = '${tag}' AND status = 'open'`, orderBy: [{ field: 'priority' }], limit: 3 })).records;
      assert.deepEqual(expectedWindow.map((r) => shortId(r.id)), ['p0', 'p4', 'p5']);
      // replaying the notifications over the first result gives the current window
      const window = new Map(w.records.map((r) => [r.id, r.value]));
      for (const ch of watcher.inbox.changes(w.watch!)) {
        if (ch.kind === 'removed') window.delete(ch.id);
        else window.set(ch.id, ch.value!);
      }
      assert.deepEqual([...window.keys()].sort(), expectedWindow.map((r) => r.id).sort());
      for (const r of expectedWindow) assert.deepEqual(window.get(r.id), r.value);
    });

    it('commits concurrent updates of one record from three nodes as versions 1..N; every watcher on every node sees each once, in order', async function () {
      const tag = uniqueName('concurrent');
      const id = `${tag}-r`;
      const writers = [(await client(a)).c, (await client(b)).c, (await client(c3, 'msgpack')).c];
      await create(writers[0], { id, value: { tag } });
      const watchers = await Promise.all([client(a), client(b, 'msgpack'), client(c3)]);
      const watches = await Promise.all(
        watchers.flatMap((w) => [watchRecord(w.c, id).then((r) => ({ inbox: w.inbox, watch: r.watch })), query(w.c, { where: `tag = '${tag}'`, watch: true }).then((r) => ({ inbox: w.inbox, watch: r.watch! }))]),
      );
      const perWriter = 10;
      const results = await Promise.all(
        writers.flatMap((w, k) => range(1, perWriter).map(async (i) => ({ field: `w${k}_${i}`, ...(await update(w, { id, set: { [`w${k}_${i}`]: i } })) }))),
      );
      const total = 1 + writers.length * perWriter;
      assert.deepEqual(results.map((r) => r.version).sort((x, y) => x - y), range(2, total), 'versions 2..N, each once');
      const final = await get(writers[1], id);
      assert.equal(final?.version, total);
      assert.deepEqual(Object.keys(final!.value).sort(), ['tag', ...results.map((r) => r.field)].sort());
      const fieldOf = new Map(results.map((r) => [r.version, r.field]));
      for (const { inbox, watch } of watches) {
        await waitFor(`every version for ${watch}`, () => inbox.changes(watch).length >= total - 1);
        const changes = inbox.changes(watch);
        assert.deepEqual(changes.map((ch) => `${ch.kind}@${ch.version}`), range(2, total).map((v) => `changed@${v}`));
        // each version's value holds exactly the fields of the versions up to it
        for (const ch of changes) {
          const expected = ['tag', ...range(2, ch.version).map((v) => fieldOf.get(v)!)].sort();
          assert.deepEqual(Object.keys(ch.value!).sort(), expected, `version ${ch.version}`);
        }
      }
    });

    it('gives a watcher that joins or resumes during writes its records and then every later version once, with no gap', async function () {
      const tag = uniqueName('join');
      const id = (k: number) => `${tag}-r${k}`;
      const where = `tag = '${tag}'`;
      const writer = (await client(a)).c;
      for (let k = 0; k < 3; k++) await create(writer, { id: id(k), value: { tag, n: 0 } });
      const early = (await query(writer, { where })).cursor;
      // a watch on node c already feeds from the collection, so a resume there catches up while the feed runs
      const feedHolder = await client(c3);
      await query(feedHolder.c, { where: `${where} AND n < 0`, watch: true });
      const total = 60;
      const writing = (async () => {
        for (let i = 1; i <= total; i++) await update(writer, { id: id(i % 3), set: { n: i } });
      })();
      await waitFor('some versions', async () => ((await get(writer, id(0)))?.version ?? 0) >= 5);
      const joiner = await client(b);
      const joined = await query(joiner.c, { where, watch: true });
      const resumer = await client(c3, 'msgpack');
      const resumed = await query(resumer.c, { where, watch: true, after: early });
      await writing;
      const final = (await query(writer, { where })).records;
      const finalVersion = new Map(final.map((r) => [r.id, r.version]));
      const check = (what: string, changes: ChangeParams[], start: Map<string, number>) => {
        for (let k = 0; k < 3; k++) {
          const mine = changes.filter((ch) => ch.id === id(k));
          const from = start.get(id(k)) ?? 0;
          assert.deepEqual(mine.map((ch) => `${ch.kind}@${ch.version}`), range(from + 1, finalVersion.get(id(k))!).map((v) => `changed@${v}`), `${what}: r${k} from version ${from}`);
        }
      };
      await waitFor('every version for the joiner', () => joiner.inbox.changes(joined.watch!).length >= final.reduce((n, r) => n + r.version, 0) - joined.records.reduce((n, r) => n + r.version, 0));
      await waitFor('every version for the resumer', () => resumer.inbox.changes(resumed.watch!).length >= total);
      assert.equal(joined.records.length, 3);
      check('joined', joiner.inbox.changes(joined.watch!), new Map(joined.records.map((r) => [r.id, r.version])));
      check('resumed', resumer.inbox.changes(resumed.watch!), new Map(final.map((r) => [r.id, 1])));
      assert.deepEqual(resumed.records, []);
      // a limited query cannot be replayed: resuming one answers its whole window and reset
      const limited = await query(resumer.c, { where, orderBy: [{ field: 'n', desc: true }], limit: 2, watch: true, after: early });
      assert.equal(limited.reset, true);
      assert.deepEqual(limited.records, [...final].sort((x, y) => (y.value.n as number) - (x.value.n as number)).slice(0, 2));
    });

    it('gives a slow watcher one data.reset with its whole set instead of a silent gap, then consecutive versions', async function () {
      const slowNode = await node('slow', { data: { maxBufferedBytes: 1024 } });
      const tag = uniqueName('slow');
      const id = `${tag}-r`;
      const where = `tag = '${tag}'`;
      const notes = (params: Value) => ({ collection: 'notes', ...params });
      const writer = (await client(a)).c;
      const write = async (params: Value) => (await writer.rpc<{ version: number }>('data.update', notes({ id, ...params }))).version;
      await writer.rpc('data.create', notes({ id, value: { tag, i: 0 } }));
      const fast = await client(slowNode);
      const slow = await client(slowNode);
      const fw = (await query(fast.c, notes({ where, watch: true }))).watch!;
      const sw = (await query(slow.c, notes({ where, watch: true }))).watch!;
      const socket = (slow.c as unknown as { socket: { _socket: { pause(): void; resume(): void } } }).socket._socket;
      socket.pause();
      let marker = 0;
      try {
        // enough to fill the loopback socket buffers (several MB), so that the node's send buffer grows
        const big = 'x'.repeat(60000);
        const n = 200;
        for (let i = 1; i <= n; i++) await write({ set: { big: `${i}${big}`, i } });
        // a small record again, so that the reset does not fill the buffer itself
        await write({ value: { tag, i: n + 1 } });
        await waitFor('the fast watcher to get all', () => fast.inbox.changes(fw).length >= n + 1, 60000);
        assert.deepEqual(fast.inbox.changes(fw).map((ch) => ch.version), range(2, n + 2));
        socket.resume();
        // a change once the slow one has drained, so that its pending reset is sent
        await waitFor('the reset', async () => {
          await write({ set: { tick: Date.now() } });
          return slow.inbox.resets(sw).length > 0;
        }, 30000, 200);
        marker = await write({ set: { marker: true } });
        await waitFor('the marker', () => slow.inbox.changes(sw).some((ch) => ch.version === marker));
      } finally {
        socket.resume();
      }
      const events = slow.inbox.events.filter((e) => e.params.watch === sw);
      const trace = slow.inbox.trace(sw).join(' ');
      assert.equal(slow.inbox.resets(sw).length, 1, `one reset: ${trace}`);
      assert.ok(slow.inbox.changes(sw).length < fast.inbox.changes(fw).length, `the slow watcher skipped some: ${trace}`);
      let version = 1;
      for (const e of events) {
        if (e.reset) {
          const [record] = e.params.records;
          assert.equal(e.params.records.length, 1, trace);
          assert.ok(record.version > version, `a reset moves forward: ${trace}`);
          version = record.version;
          const seen = fast.inbox.changes(fw).find((ch) => ch.version === version);
          if (seen) assert.deepEqual(record.value, seen.value, 'the reset holds the record at its version');
        } else {
          assert.equal(e.params.version, version + 1, `consecutive versions besides the reset: ${trace}`);
          version = e.params.version;
        }
      }
      assert.equal(version, marker);
    });

    it('resumes a watch with a cursor on another node: exactly the missed changes, then live ones', async function () {
      const tag = uniqueName('resume');
      const id = (n: string) => `${tag}-${n}`;
      const where = `tag = '${tag}'`;
      const writer = (await client(a)).c;
      const start = await query(writer, { where });
      assert.deepEqual(start.records, []);
      const first = await client(b);
      const w = await query(first.c, { where, watch: true });
      await create(writer, { id: id('r1'), value: { tag, n: 1 } });
      await create(writer, { id: id('r2'), value: { tag, n: 2 } });
      await update(writer, { id: id('r1'), set: { n: 11 } });
      await waitFor('three changes', () => first.inbox.changes(w.watch!).length >= 3);
      assert.deepEqual(first.inbox.trace(w.watch!), ['added r1@1', 'added r2@1', 'changed r1@2']);
      const last = first.inbox.changes(w.watch!)[2].cursor;
      await first.c.close();
      await update(writer, { id: id('r2'), set: { n: 22 } });
      await remove(writer, { id: id('r1') });
      await create(writer, { id: id('r3'), value: { tag, n: 3 } });
      await update(writer, { id: id('r3'), value: { tag, n: 33 } });
      await create(writer, { id: 'elsewhere-' + uniqueName('x'), value: { tag: `${tag}-other` } }); // not in the set

      const second = await client(c3, 'msgpack');
      const resumed = await query(second.c, { where, watch: true, after: last });
      assert.deepEqual({ records: resumed.records, cursor: resumed.cursor, reset: resumed.reset }, { records: [], cursor: last, reset: undefined });
      await waitFor('the missed changes', () => second.inbox.changes(resumed.watch!).length >= 4);
      await update(writer, { id: id('r2'), set: { n: 222 } });
      await waitFor('the live change', () => second.inbox.changes(resumed.watch!).length >= 5);
      assert.deepEqual(second.inbox.trace(resumed.watch!), ['changed r2@2', 'removed r1@3', 'added r3@1', 'changed r3@2', 'changed r2@3']);
      assert.deepEqual(second.inbox.changes(resumed.watch!).map((ch) => ch.value), [{ tag, n: 22 }, undefined, { tag, n: 3 }, { tag, n: 33 }, { tag, n: 222 }]);

      // from a plain query's cursor, on a third node: every change since, then the same live one
      const third = await client(a);
      const fromStart = await query(third.c, { where, watch: true, after: start.cursor });
      assert.deepEqual(fromStart.records, []);
      await waitFor('all changes since the start', () => third.inbox.changes(fromStart.watch!).length >= 8);
      assert.deepEqual(third.inbox.trace(fromStart.watch!), ['added r1@1', 'added r2@1', 'changed r1@2', 'changed r2@2', 'removed r1@3', 'added r3@1', 'changed r3@2', 'changed r2@3']);
      // resuming at the stream's current end replays nothing; the next change arrives
      const current = await query(third.c, { where, watch: true, after: resumed.cursor });
      const now = await query(third.c, { where, watch: true, after: (await query(writer, { where })).cursor });
      await update(writer, { id: id('r3'), set: { n: 333 } });
      await waitFor('the next change', () => third.inbox.changes(now.watch!).length >= 1 && third.inbox.changes(current.watch!).length >= 6);
      assert.deepEqual(third.inbox.trace(now.watch!), ['changed r3@3']);
      assert.deepEqual(third.inbox.trace(current.watch!).slice(-1), ['changed r3@3']);
      assert.equal(third.inbox.resets(fromStart.watch!).length + second.inbox.resets(resumed.watch!).length, 0);
    });

    it('answers a resume past retention with reset: true and the whole current set, then live changes', async function () {
      const tag = uniqueName('retention');
      const id = (n: string) => `${tag}-${n}`;
      const where = `tag = '${tag}'`;
      const writer = (await client(a)).c;
      const tiny = (params: Value) => ({ collection: 'tinyNotes', ...params });
      const start = await writer.rpc<QueryResult>('data.query', tiny({ where }));
      await writer.rpc('data.create', tiny({ id: id('n1'), value: { tag, i: 0 } }));
      await writer.rpc('data.create', tiny({ id: id('n2'), value: { tag, keep: true } }));
      for (let i = 1; i <= 18; i++) await writer.rpc('data.update', tiny({ id: id('n1'), set: { i } }));
      await writer.rpc('data.delete', tiny({ id: id('n2') }));
      await writer.rpc('data.create', tiny({ id: id('n3'), value: { tag, late: true } }));
      const tail = Number((await writer.rpc<QueryResult>('data.query', tiny({ where }))).cursor);
      assert.ok(tail - Number(start.cursor) >= 22, 'more than 16 changes since the start');

      const sub = await client(b, 'msgpack');
      const gone = await sub.c.rpc<QueryResult>('data.query', tiny({ where, watch: true, after: start.cursor }));
      assert.equal(gone.reset, true);
      assert.equal(gone.cursor, String(tail));
      assert.deepEqual(
        gone.records.map((r) => [shortId(r.id), r.version, r.value]).sort(),
        [['n1', 19, { tag, i: 18 }], ['n3', 1, { tag, late: true }]],
        'the whole current set; the deleted one is gone',
      );
      // within the 16 retained: deltas, no reset
      const within = await sub.c.rpc<QueryResult>('data.query', tiny({ where, watch: true, after: String(tail - 3) }));
      assert.deepEqual({ records: within.records, reset: within.reset }, { records: [], reset: undefined });
      await writer.rpc('data.update', tiny({ id: id('n3'), set: { live: 1 } }));
      await waitFor('the live change', () => sub.inbox.changes(gone.watch!).length >= 1 && sub.inbox.changes(within.watch!).length >= 4);
      assert.deepEqual(sub.inbox.trace(gone.watch!), ['changed n3@2']);
      assert.deepEqual(sub.inbox.trace(within.watch!), ['changed n1@19', 'removed n2@2', 'added n3@1', 'changed n3@2']);
      // over SSE: a Last-Event-ID no longer retained starts with a snapshot of the whole set
      const sse = new SseReader(`${c3.url}/data/tinyNotes/events?where=${encodeURIComponent(where)}`, { 'last-event-id': start.cursor });
      try {
        await sse.until((ev) => ev.length >= 1);
        assert.equal(sse.events[0].event, 'snapshot');
        const snapshot = JSON.parse(sse.events[0].data!) as QueryResult;
        assert.deepEqual(snapshot.records.map((r) => [shortId(r.id), r.version]).sort(), [['n1', 19], ['n3', 2]]);
        assert.equal(sse.events[0].id, snapshot.cursor);
      } finally {
        sse.close();
      }
    });

    it('streams Server-Sent Events: a snapshot, then changes with id = cursor; Last-Event-ID resumes on another node', async function () {
      const tag = uniqueName('sse');
      const id = (n: string) => `${tag}-${n}`;
      const where = encodeURIComponent(`tag = '${tag}'`);
      const writer = (await client(a)).c;
      await create(writer, { id: id('r1'), value: { tag, n: 1 } });
      const live = new SseReader(`${b.url}/data/items/events?where=${where}`);
      const readers = [live];
      try {
        await live.until((ev) => ev.length >= 1);
        assert.equal(live.events[0].event, 'snapshot');
        const snapshot = JSON.parse(live.events[0].data!) as QueryResult & { collection: string };
        assert.deepEqual(snapshot.records, [{ id: id('r1'), version: 1, value: { tag, n: 1 } }]);
        assert.equal(snapshot.collection, 'items');
        assert.equal(live.events[0].id, snapshot.cursor);
        await update(writer, { id: id('r1'), set: { n: 2 } });
        await create(writer, { id: id('r2'), value: { tag, n: 3 } });
        await remove(writer, { id: id('r1') });
        await live.until((ev) => ev.length >= 4);
        const changes = live.events.slice(1).map((e) => ({ ...(JSON.parse(e.data!) as ChangeParams), eventId: e.id, event: e.event }));
        assert.deepEqual(changes.map((ch) => [ch.event, `${ch.kind} ${shortId(ch.id)}@${ch.version}`]), [['change', 'changed r1@2'], ['change', 'added r2@1'], ['change', 'removed r1@3']]);
        for (const ch of changes) assert.equal(ch.eventId, ch.cursor);
        assert.deepEqual(changes[0].value, { tag, n: 2 });
        // Last-Event-ID = the first change's cursor, on another node: the two after it, then live ones; no snapshot
        const again = new SseReader(`${c3.url}/data/items/events?where=${where}`, { 'last-event-id': changes[0].cursor });
        readers.push(again);
        await again.until((ev) => ev.length >= 2);
        await update(writer, { id: id('r2'), set: { n: 4 } });
        await again.until((ev) => ev.length >= 3);
        await live.until((ev) => ev.length >= 5);
        assert.deepEqual(again.events.map((e) => e.event), ['change', 'change', 'change']);
        assert.deepEqual(again.events.map((e) => e.id), [changes[1].cursor, changes[2].cursor, live.events[4].id]);
        assert.deepEqual(JSON.parse(again.events[2].data!).value, { tag, n: 4 });
      } finally {
        for (const r of readers) r.close();
      }
      // a limited SSE watch starts with its window; bad input is refused before the stream starts
      const limited = new SseReader(`${a.url}/data/items/events?where=${where}&orderBy=-n&limit=1`);
      try {
        await limited.until((ev) => ev.length >= 1);
        assert.deepEqual((JSON.parse(limited.events[0].data!) as QueryResult).records.map((r) => r.value), [{ tag, n: 4 }]);
      } finally {
        limited.close();
      }
      const bad = await fetch(`${a.url}/data/items/events?where=${encodeURIComponent('tag =')}`);
      assert.equal(bad.status, 400);
      assert.equal((await fetch(`${a.url}/data/nope/events`)).status, 404);
      assert.equal((await fetch(`${a.url}/data/items/events`, { headers: { 'last-event-id': 'x' } })).status, 400);
    });

    it('serves records over HTTP: POST 201, GET with ETag and 304, PATCH and DELETE with If-Match (412), 409 on an existing id, Idempotency-Key', async function () {
      const tag = uniqueName('http');
      const id = `${tag}-r1`;
      const base = `${a.url}/data/items`;
      const json = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
        fetch(url, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const created = await json('POST', base, { id, value: { tag, n: 1 } });
      assert.equal(created.status, 201);
      assert.equal(created.headers.get('etag'), '"1"');
      assert.deepEqual(await created.json(), { id, version: 1 });
      const url = `${b.url}/data/items/${encodeURIComponent(id)}`;
      const got = await fetch(url);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('etag'), '"1"');
      assert.deepEqual(await got.json(), { id, version: 1, value: { tag, n: 1 } });
      assert.equal((await fetch(url, { headers: { 'if-none-match': '"1"' } })).status, 304);
      const exists = await json('POST', `${c3.url}/data/items`, { id, value: { tag } });
      assert.equal(exists.status, 409);
      const existsBody = (await exists.json()) as { error: { code: string; data: unknown } };
      assert.equal(existsBody.error.code, 'VERSION_CONFLICT');
      assert.deepEqual(existsBody.error.data, { version: 1 });

      const patched = await json('PATCH', url, { set: { n: 2 } });
      assert.equal(patched.status, 200);
      assert.equal(patched.headers.get('etag'), '"2"');
      assert.deepEqual(await patched.json(), { version: 2 });
      const stale = await json('PATCH', url, { set: { n: 3 } }, { 'if-match': '"1"' });
      assert.equal(stale.status, 412);
      const staleBody = (await stale.json()) as { error: { code: string; data: unknown } };
      assert.equal(staleBody.error.code, 'VERSION_CONFLICT');
      assert.deepEqual(staleBody.error.data, { version: 2 });
      assert.equal((await json('PATCH', url, { value: { tag, n: 5 } }, { 'if-match': '"2"' })).status, 200);
      assert.equal((await json('PATCH', url, { set: { n: 1 } }, { 'if-match': 'yesterday' })).status, 400);
      assert.equal((await json('PATCH', url, { set: { n: 1 }, ifVersion: 1 })).status, 400, 'ifVersion belongs in If-Match');
      assert.equal((await json('PATCH', url, { set: { status: 'lost' } })).status, 400, 'the schema');
      assert.equal((await json('PATCH', url, { set: { title: 'x'.repeat(2000) } })).status, 413);
      // Idempotency-Key: applied once, whichever node the repeat reaches
      const key = uniqueName('key');
      const once = await json('PATCH', url, { set: { k: 1 } }, { 'idempotency-key': key });
      const repeat = await json('PATCH', `${c3.url}/data/items/${encodeURIComponent(id)}`, { set: { k: 1 } }, { 'idempotency-key': key });
      assert.deepEqual([await once.json(), await repeat.json()], [{ version: 4 }, { version: 4 }]);
      const staleDelete = await json('DELETE', url, undefined, { 'if-match': '"3"' });
      assert.equal(staleDelete.status, 412);
      assert.equal(await httpCode(staleDelete), 'VERSION_CONFLICT');
      const deleted = await json('DELETE', url, undefined, { 'if-match': '"4"' });
      assert.equal(deleted.status, 200);
      assert.equal(await deleted.json(), true);
      const missing = await fetch(url);
      assert.equal(missing.status, 404);
      assert.equal(await httpCode(missing), 'NOT_FOUND');
      assert.equal((await json('PATCH', url, { set: { n: 1 } })).status, 404);
      assert.equal((await json('DELETE', url)).status, 404);
      const unknown = await fetch(`${a.url}/data/nope/x`);
      assert.equal(unknown.status, 404);
      assert.equal(await httpCode(unknown), 'UNKNOWN_COLLECTION');
      assert.equal((await json('POST', base, { value: [1] })).status, 400);
      assert.equal((await json('POST', base, { value: { tag }, extra: 1 })).status, 400);
      // a POST without id, retried with its Idempotency-Key: one record
      const postKey = uniqueName('post');
      const made = (await (await json('POST', base, { value: { tag, posted: true } }, { 'idempotency-key': postKey })).json()) as { id: string };
      const retried = (await (await json('POST', `${b.url}/data/items`, { value: { tag, posted: true } }, { 'idempotency-key': postKey })).json()) as { id: string };
      assert.equal(retried.id, made.id);
    });

    it('appends a committed change whose append failed: the repair sweep finds the record and a turn appends it, once', async function () {
      let failing = false;
      const config = loadConfig({ env: {}, overrides: { ...setup().config(), node: { id: uniqueName('faulty'), port: 0 }, log: { level: 'silent' } } });
      // the faulty node shares node a's grid client (it does not own it, so stopping it leaves a's alone)
      const faulty = await ActorGridNode.start({ config, actors: TEST_COLLECTIONS, grid: failingAppends(a.grid, () => failing), logger: new Logger('silent') });
      const client = new ActorGridClient(faulty.url, { reconnect: false });
      try {
        await client.connect();
        const tag = uniqueName('repair');
        const id = `${tag}-r1`;
        const watcher = await suite.client(b);
        const w = await query(watcher.c, { where: `tag = '${tag}'`, watch: true });
        await create(client, { id, value: { tag, n: 1 } });
        await waitFor('the create', () => watcher.inbox.changes(w.watch!).length >= 1);
        failing = true;
        assert.deepEqual(await update(client, { id, set: { n: 2 } }), { version: 2 }, 'committed; the failed append is not the caller\'s failure');
        failing = false;
        const map = a.grid.map<JsonValue>('data.items', 'json');
        const doc = (await map.get(id)) as unknown as { version: number; pending?: number };
        assert.equal(doc.version, 2);
        assert.equal(typeof doc.pending, 'number', 'the record says its change may not be appended yet');
        assert.deepEqual(await get(watcher.c, id), { id, version: 2, value: { tag, n: 2 } });
        await waitFor('the repaired change', () => watcher.inbox.changes(w.watch!).length >= 2);
        await waitFor('the pending mark dropped', async () => ((await map.get(id)) as unknown as { pending?: number }).pending === undefined);
        assert.deepEqual(await update(client, { id, set: { n: 3 } }), { version: 3 });
        await waitFor('the next change', () => watcher.inbox.changes(w.watch!).length >= 3);
        assert.deepEqual(watcher.inbox.trace(w.watch!), ['added r1@1', 'changed r1@2', 'changed r1@3']);
        assert.deepEqual(watcher.inbox.changes(w.watch!)[1].value, { tag, n: 2 });
      } finally {
        await client.close();
        await faulty.stop();
      }
    });

    it('ends watches on data.unwatch and when the connection closes', async function () {
      const n = await node('watches');
      const tag = uniqueName('unwatch');
      const id = `${tag}-r1`;
      const writer = (await client(a)).c;
      await create(writer, { id, value: { tag, n: 0 } });
      const watcher = await client(n);
      const count = () => n.data.watches.stats().get('items') ?? 0;
      assert.equal(count(), 0);
      const q = await query(watcher.c, { where: `tag = '${tag}'`, watch: true });
      const r = await watchRecord(watcher.c, id);
      const keep = await query(watcher.c, { where: `tag = '${tag}' AND n >= 0`, watch: true });
      await waitFor('three watches filed', () => count() === 3);
      await update(writer, { id, set: { n: 1 } });
      await waitFor('version 2 on each', () => [q.watch!, r.watch, keep.watch!].every((w) => watcher.inbox.changes(w).length === 1));
      assert.equal(await watcher.c.rpc('data.unwatch', { watch: q.watch }), true);
      assert.equal(await watcher.c.rpc('data.unwatch', { watch: r.watch }), true);
      assert.equal(count(), 1);
      assert.equal(await codeOf(watcher.c.rpc('data.unwatch', { watch: q.watch })), 'INVALID_ARGUMENTS', 'already ended');
      await update(writer, { id, set: { n: 2 } });
      await waitFor('version 3 on the kept watch', () => watcher.inbox.changes(keep.watch!).length === 2);
      assert.deepEqual(watcher.inbox.trace(q.watch!), ['changed r1@2']);
      assert.deepEqual(watcher.inbox.trace(r.watch), ['changed r1@2']);
      // another connection cannot end this one's watch
      const stranger = (await client(n)).c;
      assert.equal(await codeOf(stranger.rpc('data.unwatch', { watch: keep.watch })), 'INVALID_ARGUMENTS');
      assert.equal(count(), 1);
      // an SSE stream's watch ends with the stream
      const sse = new SseReader(`${n.url}/data/items/events?where=${encodeURIComponent(`tag = '${tag}'`)}`);
      try {
        await sse.until((ev) => ev.length >= 1);
        await waitFor('the SSE watch filed', () => count() === 2);
      } finally {
        sse.close();
      }
      await waitFor('the SSE watch ended', () => count() === 1);
      await watcher.c.close();
      await waitFor('no watch left', () => count() === 0);
      assert.equal(n.data.watches.stats().has('items'), false, 'the collection\'s feed ended with its last watch');
      // a new watch on the node after the feed ended works again
      const again = await client(n);
      const w = await watchRecord(again.c, id);
      await update(writer, { id, set: { n: 3 } });
      await waitFor('the change after a new feed', () => again.inbox.changes(w.watch).length === 1);
      assert.deepEqual(again.inbox.trace(w.watch), ['changed r1@4']);
    });
  });
}
