import { strict as assert } from 'node:assert';
import { setTimeout as delay } from 'node:timers/promises';
import type { ActorGridClient } from '../../src/client';
import { ActorGridError } from '../../src/errors';
import { DataHttp, expectedChanges, type Acknowledged, type DataChangeParams } from './dataWatchers';
import type { NodeProcess } from './NodeProcess';
import { waitFor } from './waitFor';

// Load for the data failover tests (test/integration/dataFailover.test.ts): writers of the example
// `tasks` collection that keep each acknowledged change, and the checks of what watches received.

const TASKS = 'tasks';
const STATUSES = ['open', 'doing', 'done'] as const;

/** What writes a record: WebSocket (`data.*`) or the HTTP routes, with an idempotency key. */
export interface Writer {
  label: string;
  create(id: string, value: object, key: string): Promise<{ version: number }>;
  update(id: string, set: object, key: string): Promise<{ version: number }>;
  delete(id: string, key: string): Promise<unknown>;
}

export function wsWriter(label: string, c: ActorGridClient): Writer {
  return {
    label,
    create: (id, value, key) => c.rpc('data.create', { collection: TASKS, id, value, idempotencyKey: key }),
    update: (id, set, key) => c.rpc('data.update', { collection: TASKS, id, set, idempotencyKey: key }),
    delete: (id, key) => c.rpc('data.delete', { collection: TASKS, id, idempotencyKey: key }),
  };
}

export function httpWriter(label: string, node: NodeProcess): Writer {
  const http = new DataHttp(node.url);
  return {
    label,
    create: (id, value, key) => http.create(TASKS, id, value, key),
    update: (id, set, key) => http.update(TASKS, id, { set }, key),
    delete: (id, key) => http.delete(TASKS, id, key),
  };
}

/** Runs a write until it answers, retrying retryable failures with the same idempotency key (as a client would). */
export async function persist<T>(what: string, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof ActorGridError) || !err.retryable || attempt >= 40) throw new Error(`${what} failed (attempt ${attempt}): ${String(err)}`, { cause: err });
      await delay(Math.min(1000, 25 * attempt)); // a client's back-off between retries
    }
  }
}

/** Writers at work on their records (startLoad). */
export interface Load {
  /** Per record, its acknowledged changes in version order. */
  history: Map<string, Acknowledged[]>;
  /** Waits until `check` holds during the load; fails at once if a write failed. */
  during(what: string, check: () => boolean, timeoutMs: number): Promise<void>;
  /** Stops the writers after their current write; rejects if a write failed. */
  stop(): Promise<void>;
}

/**
 * Writers each owning a share of `ids` (so each knows its records' versions): they create, update
 * (status into and out of `open`), delete and re-create them, with an idempotency key per write,
 * retried until answered; every acknowledged change goes into its record's history, and a version
 * other than the next one fails the load.
 */
export function startLoad(writers: readonly Writer[], ids: readonly string[], tag: string, seed: number): Load {
  const history = new Map<string, Acknowledged[]>(ids.map((id) => [id, []]));
  let writing = true;
  let failure: unknown;
  const running = Promise.all(
    writers.map(async (writer, w) => {
      const rand = random(seed + w);
      const mine = ids.filter((_, k) => k % writers.length === w);
      const state = new Map(mine.map((id) => [id, { version: 0, value: null as Record<string, unknown> | null }]));
      for (let i = 0; writing && i < 1500; i++) {
        const id = mine[Math.floor(rand() * mine.length)];
        const s = state.get(id)!;
        const key = `${tag}-${w}-${i}`;
        const what = `${writer.label} op ${i} on ${id} (seed ${seed})`;
        if (s.value === null) {
          const value = { title: `task ${i}`, status: STATUSES[Math.floor(rand() * 3)], owner: tag, priority: Math.floor(rand() * 10) };
          const { version } = await persist(what, () => writer.create(id, value, key));
          assert.equal(version, s.version + 1, `${what}: create made version ${version} after ${s.version}`);
          Object.assign(s, { version, value });
        } else if (rand() < 0.15) {
          await persist(what, () => writer.delete(id, key));
          Object.assign(s, { version: s.version + 1, value: null });
        } else {
          const set = { status: STATUSES[Math.floor(rand() * 3)], n: i };
          const { version } = await persist(what, () => writer.update(id, set, key));
          assert.equal(version, s.version + 1, `${what}: update made version ${version} after ${s.version}`);
          Object.assign(s, { version, value: { ...s.value, ...set } });
        }
        history.get(id)!.push({ version: s.version, value: s.value });
      }
    }),
  ).catch((err: unknown) => {
    failure = err;
  });
  return {
    history,
    async during(what, check, timeoutMs) {
      await waitFor(what, () => failure !== undefined || check(), timeoutMs);
      if (failure !== undefined) throw failure;
    },
    async stop() {
      writing = false;
      await running;
      if (failure !== undefined) throw failure;
    },
  };
}

/**
 * Checks the changes one watch (or a watch and its resumption) received against the writers'
 * history: per record exactly the acknowledged changes that concern the watch (`inSet` before or
 * after), in version order, each once and with the value its write made; nothing of other records,
 * nothing outside the set; in stream order.
 */
export function checkChanges(label: string, got: readonly DataChangeParams[], history: ReadonlyMap<string, readonly Acknowledged[]>, inSet: (value: Record<string, unknown>) => boolean): void {
  const mismatched = [...history]
    .map(([id, changes]) => ({ id, got: got.filter((ch) => ch.id === id).map((ch) => [ch.kind, ch.version]), wanted: expectedChanges(changes, inSet) }))
    .filter((r) => JSON.stringify(r.got) !== JSON.stringify(r.wanted));
  assert.deepEqual(mismatched, [], `${label}: per record, the changes received equal the acknowledged changes that concern the watch`);
  assert.deepEqual(got.filter((ch) => !history.has(ch.id)).map((ch) => ch.id), [], `${label}: no change of a record no one wrote`);
  assert.deepEqual(got.filter((ch) => ch.kind !== 'removed' && !inSet(ch.value!)).map((ch) => [ch.id, ch.version]), [], `${label}: nothing outside the set delivered`);
  const valueAt = (id: string, version: number) => history.get(id)!.find((h) => h.version === version)?.value;
  assert.deepEqual(got.filter((ch) => ch.kind !== 'removed' && JSON.stringify(ch.value) !== JSON.stringify(valueAt(ch.id, ch.version))).map((ch) => [ch.id, ch.version]), [], `${label}: each change with the value its write made`);
  const cursors = got.map((ch) => Number(ch.cursor));
  assert.deepEqual(cursors.filter((cur, k) => k > 0 && cur <= cursors[k - 1]), [], `${label}: in stream order, none twice`);
}

/**
 * A writer through `primary` while its node runs, then through `backup` (a client failing over to
 * another node); `failed` counts the writes that failed on the primary (figures, not asserted).
 */
export function failingOver(primary: Writer, node: NodeProcess, backup: Writer, failed: { count: number }): Writer {
  const through = <T>(write: (writer: Writer) => Promise<T>): Promise<T> => {
    if (!node.running) return write(backup);
    return write(primary).catch((err: unknown) => {
      failed.count += 1;
      throw err;
    });
  };
  return {
    label: `${primary.label}, then ${backup.label}`,
    create: (id, value, key) => through((w) => w.create(id, value, key)),
    update: (id, set, key) => through((w) => w.update(id, set, key)),
    delete: (id, key) => through((w) => w.delete(id, key)),
  };
}

/** A small seeded generator, so that a failing load can be replayed (the seed is in the failure message). */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
