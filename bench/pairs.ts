import type { IMap } from 'hazelcast-client';
import type { GridOpCounts } from './gridOpCounter';
import type { HttpClient } from './HttpClient';
import type { Operation } from './loadLoop';
import { PAIR_IDS, type BenchOptions, type PairId } from './options';
import type { RawGrid } from './RawGrid';
import type { WsRpcPool } from './WsRpcPool';

/** Which process's grid operations and which server's CPU a measurement is charged to. */
export type Side = 'actorgrid' | 'baseline';

export interface Measurement {
  side: Side;
  label: string;
  concurrency: number;
  op: Operation;
  /**
   * The grid operations charged to this side, when another process issues them than the default
   * (the node for actorgrid, the bench for raw loops): the hand-written server's.
   */
  counts?: () => Promise<GridOpCounts>;
}

/** A measurement and the baseline it is divided by, both run at the same concurrency. */
export interface Pair {
  id: PairId;
  title: string;
  /** The ratio actorgrid ÷ baseline must reach this; none for (d). */
  target?: number;
  actorgrid: Measurement;
  baseline: Measurement;
}

/** What the pairs run against. */
export interface PairContext {
  options: BenchOptions;
  ws: WsRpcPool;
  /** WebSocket JSON-RPC connections to the bare server (reference w). */
  bareWs: WsRpcPool;
  nodeHttp: HttpClient;
  bareHttp: HttpClient;
  raw: RawGrid;
  /** Raw keys `k0..k<actors-1>` and `hot`, each holding a Buffer as large as a Counter record. */
  rawMap: IMap<string, Buffer>;
  /**
   * The hand-written server (handServer.ts), keys `c0..c<actors-1>` and `hot` seeded: the baseline of
   * (ah), (bh), (ch). Absent when none of them runs.
   */
  hand?: { ws: WsRpcPool; counts(): Promise<GridOpCounts> };
}

/** Ids of the spread-out actors; the raw keys are `k<i>`. */
export const actorId = (i: number): string => `c${i}`;
export const rawKey = (i: number): string => `k${i}`;
export const HOT = 'hot';

/**
 * Every worker owns a contiguous block of keys and cycles through it, so no two calls in flight
 * ever touch the same actor or key: (a), (c), (d) measure many independent actors, with no
 * batching and no lock contention on either side.
 */
export function ownKey(options: BenchOptions, worker: number, seq: number): number {
  const block = Math.floor(options.actors / options.concurrency);
  return worker * block + (seq % block);
}

/** A new value for the raw loops' `set`: the old bytes with the last one changed, same size. */
function bump(old: Buffer): Buffer {
  const next = Buffer.allocUnsafe(old.length);
  old.copy(next);
  next[next.length - 1] ^= 1;
  return next;
}

function expectNumber(value: unknown): void {
  if (typeof value !== 'number') throw new Error(`expected a number, got ${JSON.stringify(value)}`);
}

export function definePairs(ctx: PairContext): Pair[] {
  const { options, ws, bareWs, nodeHttp, bareHttp, raw, rawMap, hand } = ctx;
  const c = options.concurrency;
  /** The raw `get` loop: baseline of (c) and of the (w) ceiling. */
  const rawGet: Pair['baseline'] = {
    side: 'baseline',
    label: 'raw get',
    concurrency: c,
    op: async (w, s) => {
      if (!(await rawMap.get(rawKey(ownKey(options, w, s))))) throw new Error('raw key missing');
    },
  };
  const hot = options.hotConcurrency;
  const callOn = (pool: WsRpcPool, worker: number, id: string, method: string): Promise<void> =>
    pool.call(worker, 'actor.call', { type: 'Counter', id, method, args: [] }).then(expectNumber);
  const call = (worker: number, id: string, method: string): Promise<void> => callOn(ws, worker, id, method);
  /** The pair `base` again, its baseline the hand-written server serving the same call on the same keys. */
  const handPair = (base: Pair, id: PairId, what: string, op: Operation): Pair => {
    const label = `hand-written ${what}`;
    const title = base.title.replace(/^\(.\)/, `(${id})`).replace(/÷ .*/, `÷ ${label}`);
    return { id, title, actorgrid: base.actorgrid, baseline: { side: 'baseline', label, concurrency: base.baseline.concurrency, op, counts: hand?.counts } };
  };
  const pairs: Pair[] = [
    {
      id: 'a',
      title: `(a) ${options.actors} actors: WS increment ÷ raw lock/get/set/unlock`,
      target: 0.7,
      actorgrid: { side: 'actorgrid', label: 'WS actor.call Counter.increment', concurrency: c, op: (w, s) => call(w, actorId(ownKey(options, w, s)), 'increment') },
      baseline: {
        side: 'baseline',
        label: 'raw lock/get/set/unlock',
        concurrency: c,
        op: (w, s) => raw.lockedUpdate(rawMap, rawKey(ownKey(options, w, s)), options.leaseMs, bump),
      },
    },
    {
      id: 'b',
      title: `(b) 1 hot actor @${hot}: WS increment ÷ raw lock/get/set/unlock`,
      target: 10,
      actorgrid: { side: 'actorgrid', label: 'WS actor.call Counter.increment (hot)', concurrency: hot, op: (w) => call(w, HOT, 'increment') },
      baseline: { side: 'baseline', label: 'raw lock/get/set/unlock (hot)', concurrency: hot, op: () => raw.lockedUpdate(rawMap, HOT, options.leaseMs, bump) },
    },
    {
      id: 'c',
      title: `(c) ${options.actors} actors: WS @Query get ÷ raw get`,
      target: 0.7,
      actorgrid: { side: 'actorgrid', label: 'WS actor.call Counter.get', concurrency: c, op: (w, s) => call(w, actorId(ownKey(options, w, s)), 'get') },
      baseline: rawGet,
    },
    {
      id: 'd',
      title: `(d) ${options.actors} actors: HTTP POST increment ÷ bare fastify route`,
      actorgrid: {
        side: 'actorgrid',
        label: 'HTTP POST /actors/Counter/:id/increment',
        concurrency: c,
        op: async (w, s) => {
          const reply = (await nodeHttp.post(`/actors/Counter/${actorId(ownKey(options, w, s))}/increment`, '[]')) as { result?: unknown };
          expectNumber(reply.result);
        },
      },
      baseline: {
        side: 'baseline',
        label: 'HTTP POST bare fastify route',
        concurrency: c,
        op: async () => {
          const reply = (await bareHttp.post('/bare', '[]')) as { result?: unknown };
          expectNumber(reply.result);
        },
      },
    },
    {
      // Not a target: the most any call served over WebSocket JSON-RPC from a second process can
      // reach on this machine, whatever the runtime does. Compare its ratio with (c)'s and (a)'s.
      id: 'w',
      title: '(w) ceiling: bare WS JSON-RPC echo, no grid ÷ raw get',
      actorgrid: { side: 'actorgrid', label: 'WS JSON-RPC echo (bare fastify, no grid)', concurrency: c, op: (w) => bareWs.call(w, 'echo', {}).then(expectNumber) },
      baseline: rawGet,
    },
  ];
  if (hand) {
    const [a, b, get] = (['a', 'b', 'c'] as const).map((id) => pairs.find((p) => p.id === id)!);
    const spread = (w: number, s: number): string => actorId(ownKey(options, w, s));
    pairs.push(
      handPair(a, 'ah', 'server increment', (w, s) => callOn(hand.ws, w, spread(w, s), 'increment')),
      handPair(b, 'bh', 'server increment (hot)', (w) => callOn(hand.ws, w, HOT, 'increment')),
      handPair(get, 'ch', 'server get', (w, s) => callOn(hand.ws, w, spread(w, s), 'get')),
    );
  }
  return pairs.filter((p) => options.only.includes(p.id)).sort((x, y) => PAIR_IDS.indexOf(x.id) - PAIR_IDS.indexOf(y.id));
}
