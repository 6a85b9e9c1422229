import { parseArgs } from 'node:util';
import type { PersistenceBenchOptions } from './persistenceSection';
import type { RemindersOptions } from './remindersSection';

/** The measurement pairs; see pairs.ts. (ah), (bh), (ch): (a), (b), (c) against the hand-written server. */
export const PAIR_IDS = ['a', 'ah', 'b', 'bh', 'c', 'ch', 'd', 'w'] as const;
export type PairId = (typeof PAIR_IDS)[number];
/** Naming a pair in `--only` also runs its hand-written row, unless `--no-hand`. */
const HAND_ROWS: Partial<Record<PairId, PairId>> = { a: 'ah', b: 'bh', c: 'ch' };
/**
 * What `--only` takes: the pairs, (f) the fan-out section (fanout.ts), (s) the shared-objects section
 * (sharedSection.ts), the two-way transfers section (twoWaySection.ts), the data section
 * (dataSection.ts), the reminders section (remindersSection.ts) and (p) persistenceSection.ts.
 */
export const SECTION_IDS = [...PAIR_IDS, 'f', 'shared', 'twoway', 'data', 'reminders', 'persistence'] as const;
/** Sections a plain run leaves out: (p) needs PostgreSQL; (rem) takes ~2–2.5 minutes. */
const OPT_IN_SECTIONS: readonly string[] = ['reminders', 'persistence'];

/** The collections and live queries section (data); see dataSection.ts and bench/README.md. */
export interface DataOptions {
  /** Records of each queried collection (one indexed on status, one not). */
  records: number;
  /** Queries in flight in the query runs. */
  queryConcurrency: number;
  /** Measured rounds of the query runs. */
  rounds: number;
  /** Length of one query run and of one write run, ms. */
  durationMs: number;
  /** Unrecorded run of each query measurement before the rounds, ms. */
  warmupMs: number;
  /** Watch counts measured, growing (each split evenly over 2 nodes). */
  watches: number[];
  /** WebSocket connections per node the watches are spread over. */
  connectionsPerNode: number;
  /** Length of one change-latency run, ms. */
  changeMs: number;
  /** Changes/s of the latency runs is min(200, this ÷ watches a change notifies). */
  notificationsPerSec: number;
  /** Writes in flight in the write runs (spread over 2 nodes). */
  writers: number;
}

/** The board-editing part of the shared-objects section (s); see sharedSection.ts and bench/README.md. */
export interface EditOptions {
  /** Clients, each with its own connection, subscription and slot, alternating between the nodes. */
  clients: number;
  /** How many nodes the clients alternate between: 2, or 1 (node 1 only, a diagnostic). */
  nodes: number;
  /** Updates per second each client starts (at most one in flight per client). */
  rate: number;
  /** Measured rounds. */
  rounds: number;
  /** Length of one run, ms; then every update in flight finishes and every sync arrives. */
  durationMs: number;
  /** Unrecorded run before the rounds, ms. */
  warmupMs: number;
}

/** The two-way transfers section (t); see twoWaySection.ts and bench/README.md. */
export interface TwoWayOptions {
  /** Callers in flight (closed loops); two-way: half a→b, half b→a; one-way: all a→b. */
  callers: number;
  /** Accounts of the random-transfers run (t), each funded alike. */
  accounts: number;
  /** Measured rounds; each runs two-way, one-way and random back to back, alternating the first two. */
  rounds: number;
  /** Length of one run, ms; then every call in flight finishes or fails. */
  durationMs: number;
  /** Unrecorded one-way run before the rounds, ms. */
  warmupMs: number;
  /** The bench gives up on a call after this long and counts it as CLIENT_TIMEOUT, ms. */
  callTimeoutMs: number;
  /**
   * Node counts the callers are spread over, each measured in every round (3 = all nodes; 1 = every
   * caller on node 1, the comparison that isolates what spreading costs). The summary reports the largest.
   */
  spreads: number[];
}

/** The fan-out section (f); see fanout.ts and bench/README.md. */
export interface FanoutOptions {
  /** Subscriber counts measured for deliveries/s, each split evenly over 2 server processes. */
  subscribers: number[];
  /** Subscriber count of the latency measurement (must be one of `subscribers`). */
  latencySubscribers: number;
  /** Measured rounds; each round runs every fan-out measurement on both sides, alternating order. */
  rounds: number;
  /** Length of one deliveries/s run, ms. */
  durationMs: number;
  /** Unrecorded run of each deliveries/s measurement before the rounds, ms. */
  warmupMs: number;
  /** Messages outstanding (published and not yet received by every subscriber) in a deliveries/s run. */
  window: number;
  /** Publish rate of the latency measurement, messages/s. */
  latencyRate: number;
  /** Length of one latency run, ms; 0 = no latency runs. */
  latencyMs: number;
  /** Size of each message's body as JSON, bytes. */
  bodyBytes: number;
  /** (f) subscribes in the compact form (and the raw frames take its shape); `--no-fanout-compact`: the named form. */
  compact: boolean;
}

/** What one `npm run bench` does. */
export interface BenchOptions {
  /** Measured rounds of every pair. */
  rounds: number;
  /** Length of one measurement, ms. */
  durationMs: number;
  /** Unrecorded run of every measurement before the rounds, ms. */
  warmupMs: number;
  /** Distinct actors (and raw keys) of the spread-out pairs (a), (c), (d). */
  actors: number;
  /** Calls in flight for (a), (c), (d). */
  concurrency: number;
  /** Calls in flight for (b), the hot actor. */
  hotConcurrency: number;
  /** WebSocket connections the load is spread over. */
  connections: number;
  /** Lock lease of the raw loops, ms: the node's default `turn.leaseMs`. */
  leaseMs: number;
  /** Java heap of the Hazelcast member, MiB. */
  heapMb: number;
  only: PairId[];
  /** With a hand-written pair: increments of one key on the naive and the correct hand-written server, ms. */
  lostCheckMs: number;
  /** Run the fan-out section (f): `--only` names f, or names nothing. */
  fanout: boolean;
  fanoutOptions: FanoutOptions;
  /** (f)'s Socket.IO peer (socketIoSide.ts) on the Redis at `redisUrl`; undefined with `--no-socketio`. */
  socketIo?: { redisUrl: string };
  /** Run the shared-objects section (s), fan-out with `fanoutOptions` and board editing: `--only` names shared, or names nothing. */
  shared: boolean;
  editOptions: EditOptions;
  /** Run the two-way transfers section (t): `--only` names twoway, or names nothing. */
  twoway: boolean;
  twowayOptions: TwoWayOptions;
  /** Run the data section: `--only` names data, or names nothing. */
  data: boolean;
  dataOptions: DataOptions;
  /** Run the persistence section (p): only when `--only` names persistence (it needs PostgreSQL). */
  persistence: boolean;
  persistenceOptions: PersistenceBenchOptions;
  /** Run the reminders section (rem): only when `--only` names reminders (it takes ~2–2.5 minutes). */
  reminders: boolean;
  remindersOptions: RemindersOptions;
  /** CPU-profile the node during each measured actorgrid run: bench/results/profiles/<pair>-round<N>.cpuprofile. */
  cpuProf: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

Starts a 1-member Hazelcast cluster and an actorgrid node (child process), measures each pair
against its baseline in the same run, then (f) destination fan-out and latency against a raw ws
broadcast (a second node, two raw servers), then (s) the same for one shared object's versions and
50 clients editing one board, then (t) two-way transfers between two Account actors against one-way
transfers (3 nodes), then (data) collection queries, watched-query notifications and writes (2 nodes); prints the tables and writes bench/results/latest.json.

  --rounds N           measured rounds per pair                    (default 5)
  --duration MS        length of one measurement                   (default 3000)
  --warmup MS          unrecorded warm-up run of each measurement  (default 2000)
  --actors N           actors / raw keys for (a), (c), (d)         (default 10000)
  --concurrency N      calls in flight for (a), (c), (d)           (default 64)
  --hot-concurrency N  calls in flight for (b)                     (default 32)
  --connections N      WebSocket connections                       (default 8)
  --only a,b,c,d,w,f,shared,twoway,data,reminders,persistence  run only these pairs / sections (default all but reminders, persistence);
                       a, b, c also run their hand-written rows ah, bh, ch (or name ah, bh, ch alone)
  --no-hand            leave out ah, bh, ch unless named
  --lost-duration MS   the lost-update check after the hand-written rows, per server (default 3000)
  --quick              --rounds 2 --duration 1500 --warmup 1000, for (f) and (s)
                       --fanout-rounds 2 --fanout-duration 1500 --latency-duration 2500,
                       for (s) --edit-rounds 1 --edit-duration 4000,
                       for (t) --twoway-rounds 1 --twoway-duration 4000 --twoway-warmup 1000

fan-out section (f): 2 actorgrid nodes vs 2 bare ws broadcast servers and 2 Socket.IO servers, ~110 s by default
  --fanout-subscribers N,M  subscriber counts for deliveries/s        (default 100,1000)
  --latency-subscribers N   subscribers of the latency run            (default 100)
  --fanout-rounds N         measured rounds                           (default 3)
  --fanout-duration MS      one deliveries/s run                      (default 3000)
  --fanout-warmup MS        unrecorded run of each before the rounds  (default 1000)
  --fanout-window N         messages outstanding in deliveries/s runs (default 32)
  --latency-rate N          publishes/s of the latency run            (default 200)
  --latency-duration MS     one latency run; 0 skips the latency runs (default 5000)
  --body-bytes N            message body size as JSON                 (default 128)
  --no-socketio             leave out the Socket.IO + Redis adapter peer (2 more servers); without it, an
                            unreachable Redis fails the bench
  --redis-url URL           Redis of the Socket.IO peer (default $ACTORGRID_BENCH_REDIS_URL or redis://127.0.0.1:6379)
  --no-fanout-compact       (f) subscribes in the named form, raw frames in its shape (default: compact)

shared-objects section (s): the fan-out of one shared object (board.bench-…) with the options of (f)
above (updates instead of publishes), then clients editing one board, each its own slot with ifVersion
  --edit-clients N          clients, over 2 nodes                     (default 50)
  --edit-rate N             updates/s per client, one in flight       (default 20)
  --edit-rounds N           measured runs                             (default 2)
  --edit-nodes 1|2          nodes the clients alternate between       (default 2)
  --edit-duration MS        one run                                   (default 10000)

transfers section: 3 actorgrid nodes; (t) Account.transfer between random pairs of accounts, (t2) between 2 accounts
  --twoway-callers N        callers in flight, (t2) half per direction (default 32)
  --twoway-accounts N       accounts of (t)                           (default 1000)
  --twoway-rounds N         rounds of (t2) two-way + one-way, then (t) (default 2)
  --twoway-duration MS      one run                                   (default 10000)
  --twoway-warmup MS        unrecorded one-way run before the rounds  (default 2000)
  --twoway-call-timeout MS  client timeout of one call (CLIENT_TIMEOUT) (default 35000)
  --twoway-spread N,M       node counts the callers are spread over, each run every round (default 3;
                            1,3 compares all callers on node 1 against spread over 3 in one run)

data section: collections and live queries, 2 actorgrid nodes, ~3 min by default
  --data-records N          records per queried collection            (default 100000)
  --data-concurrency N      queries in flight                         (default 8)
  --data-rounds N           measured rounds of the query runs         (default 2)
  --data-duration MS        one query run, one write run              (default 2500)
  --data-watches N,M,…      watch counts, growing                     (default 100,1000,10000)
  --data-change-duration MS one change-latency run                    (default 3000)

reminders section (rem), only with --only reminders (~2.5 min): 2 actorgrid nodes, BenchAlarm actors
  --reminders-fire N        reminders due at one instant, 1 per actor (default 10000; --quick 2000)
  --reminders-pending N     pending (due in an hour) in the 2nd lateness run (default 100000)
  --reminders-per-actor N   pending reminders set per call, <= 100    (default 10)
  --reminders-rate N        reminders set per second in a lateness run (default 200)
  --reminders-duration MS   one lateness run                          (default 10000; --quick 5000)
  --reminders-due-after MS  each trickled reminder is due this long after it is set (default 1500)

persistence section (p), only with --only persistence (needs PostgreSQL: ACTORGRID_PG_URL, default
postgres://postgres@127.0.0.1:5432/test): Counter.increment with persistence off, write-through and
write-behind side by side (one member + one node each), then cold starts over actors only PostgreSQL holds
  --persistence-actors N    actors of the throughput load             (default 1024)
  --persistence-rounds N    rounds, alternating the modes' order      (default 3)
  --persistence-duration MS one measurement                           (default 5000)
  --write-delay S           write-behind window                       (default 5)
  --cold-actors N           actors seeded for the cold starts         (default 100000)

  --cpu-prof           CPU-profile the node during each measured run (inspector), into
                       bench/results/profiles/<pair>-round<N>.cpuprofile (adds some overhead);
                       for (f), both nodes and both raw servers during the deliveries/s runs:
                       f<subscribers>-<node1|node2|raw1|raw2>-round<N>.cpuprofile; for (s) s<subscribers>-…;
                       for (t2) every node: t2-<two-way|one-way>-<spread>nodes-node<i>-round<N>.cpuprofile
  -h, --help           this text`;

/** Where (f)'s Socket.IO peer finds Redis unless `--redis-url` or ACTORGRID_BENCH_REDIS_URL says otherwise. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export class UsageError extends Error {}

function int(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min) throw new UsageError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

/** `--twoway-spread`: node counts 1–3, ascending, without repeats. */
function spreadList(raw: string | undefined): number[] {
  if (raw === undefined) return [3];
  const list = raw.split(',').map((part) => int('--twoway-spread', part.trim(), 0, 1));
  if (list.some((n) => n > 3)) throw new UsageError(`--twoway-spread takes node counts 1–3, got "${raw}"`);
  return [...new Set(list)].sort((a, b) => a - b);
}

/** Parses the command line; undefined means --help was asked for. */
export function parseOptions(argv: string[]): BenchOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        rounds: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        actors: { type: 'string' },
        concurrency: { type: 'string' },
        'hot-concurrency': { type: 'string' },
        connections: { type: 'string' },
        only: { type: 'string' },
        quick: { type: 'boolean' },
        'cpu-prof': { type: 'boolean' },
        'fanout-subscribers': { type: 'string' },
        'latency-subscribers': { type: 'string' },
        'fanout-rounds': { type: 'string' },
        'fanout-duration': { type: 'string' },
        'fanout-warmup': { type: 'string' },
        'fanout-window': { type: 'string' },
        'latency-rate': { type: 'string' },
        'latency-duration': { type: 'string' },
        'body-bytes': { type: 'string' },
        'no-socketio': { type: 'boolean' },
        'redis-url': { type: 'string' },
        'no-fanout-compact': { type: 'boolean' },
        'edit-clients': { type: 'string' },
        'edit-rate': { type: 'string' },
        'edit-rounds': { type: 'string' },
        'edit-nodes': { type: 'string' },
        'edit-duration': { type: 'string' },
        'twoway-callers': { type: 'string' },
        'twoway-accounts': { type: 'string' },
        'no-hand': { type: 'boolean' },
        'lost-duration': { type: 'string' },
        'twoway-rounds': { type: 'string' },
        'twoway-duration': { type: 'string' },
        'twoway-warmup': { type: 'string' },
        'twoway-call-timeout': { type: 'string' },
        'twoway-spread': { type: 'string' },
        'data-records': { type: 'string' },
        'data-concurrency': { type: 'string' },
        'data-rounds': { type: 'string' },
        'data-duration': { type: 'string' },
        'data-watches': { type: 'string' },
        'data-change-duration': { type: 'string' },
        'persistence-actors': { type: 'string' },
        'persistence-rounds': { type: 'string' },
        'persistence-duration': { type: 'string' },
        'write-delay': { type: 'string' },
        'cold-actors': { type: 'string' },
        'reminders-fire': { type: 'string' },
        'reminders-pending': { type: 'string' },
        'reminders-per-actor': { type: 'string' },
        'reminders-rate': { type: 'string' },
        'reminders-duration': { type: 'string' },
        'reminders-due-after': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return undefined;
  const quick = values.quick === true;
  const only = (values.only ?? SECTION_IDS.filter((id) => !OPT_IN_SECTIONS.includes(id)).join(',')).split(',').map((s) => s.trim());
  for (const id of only) if (!(SECTION_IDS as readonly string[]).includes(id)) throw new UsageError(`--only takes ${SECTION_IDS.join(',')}; got "${id}"`);
  const subscribers = (values['fanout-subscribers'] ?? '100,1000').split(',').map((s) => int('--fanout-subscribers', s.trim(), 0, 2));
  const fanoutOptions: FanoutOptions = {
    subscribers,
    latencySubscribers: int('--latency-subscribers', values['latency-subscribers'], 100, 2),
    rounds: int('--fanout-rounds', values['fanout-rounds'], quick ? 2 : 3, 1),
    durationMs: int('--fanout-duration', values['fanout-duration'], quick ? 1500 : 3000, 100),
    warmupMs: int('--fanout-warmup', values['fanout-warmup'], quick ? 500 : 1000, 0),
    window: int('--fanout-window', values['fanout-window'], 32, 1),
    latencyRate: int('--latency-rate', values['latency-rate'], 200, 1),
    latencyMs: int('--latency-duration', values['latency-duration'], quick ? 2500 : 5000, 0),
    bodyBytes: int('--body-bytes', values['body-bytes'], 128, 0),
    compact: values['no-fanout-compact'] !== true,
  };
  if (!subscribers.includes(fanoutOptions.latencySubscribers)) throw new UsageError('--latency-subscribers must be one of --fanout-subscribers');
  const options: BenchOptions = {
    rounds: int('--rounds', values.rounds, quick ? 2 : 5, 1),
    durationMs: int('--duration', values.duration, quick ? 1500 : 3000, 100),
    warmupMs: int('--warmup', values.warmup, quick ? 1000 : 2000, 0),
    actors: int('--actors', values.actors, 10_000, 1),
    concurrency: int('--concurrency', values.concurrency, 64, 1),
    hotConcurrency: int('--hot-concurrency', values['hot-concurrency'], 32, 1),
    connections: int('--connections', values.connections, 8, 1),
    leaseMs: 15_000,
    heapMb: 512,
    only: PAIR_IDS.filter((id) => only.includes(id) || (values['no-hand'] !== true && Object.entries(HAND_ROWS).some(([base, hand]) => hand === id && only.includes(base)))),
    lostCheckMs: int('--lost-duration', values['lost-duration'], 3000, 100),
    fanout: only.includes('f'),
    fanoutOptions,
    ...(values['no-socketio'] === true ? {} : { socketIo: { redisUrl: values['redis-url'] ?? process.env.ACTORGRID_BENCH_REDIS_URL ?? DEFAULT_REDIS_URL } }),
    shared: only.includes('shared'),
    editOptions: {
      clients: int('--edit-clients', values['edit-clients'], 50, 1),
      rate: int('--edit-rate', values['edit-rate'], 20, 1),
      rounds: int('--edit-rounds', values['edit-rounds'], quick ? 1 : 2, 1),
      nodes: int('--edit-nodes', values['edit-nodes'], 2, 1),
      durationMs: int('--edit-duration', values['edit-duration'], quick ? 4000 : 10_000, 100),
      warmupMs: quick ? 1000 : 2000,
    },
    twoway: only.includes('twoway'),
    twowayOptions: {
      callers: int('--twoway-callers', values['twoway-callers'], 32, 2),
      accounts: int('--twoway-accounts', values['twoway-accounts'], 1000, 2),
      rounds: int('--twoway-rounds', values['twoway-rounds'], quick ? 1 : 2, 1),
      durationMs: int('--twoway-duration', values['twoway-duration'], quick ? 4000 : 10_000, 100),
      warmupMs: int('--twoway-warmup', values['twoway-warmup'], quick ? 1000 : 2000, 0),
      callTimeoutMs: int('--twoway-call-timeout', values['twoway-call-timeout'], 35_000, 100),
      spreads: spreadList(values['twoway-spread']),
    },
    data: only.includes('data'),
    dataOptions: {
      records: int('--data-records', values['data-records'], 100_000, 1000),
      queryConcurrency: int('--data-concurrency', values['data-concurrency'], 8, 1),
      rounds: int('--data-rounds', values['data-rounds'], quick ? 1 : 2, 1),
      durationMs: int('--data-duration', values['data-duration'], quick ? 1500 : 2500, 100),
      warmupMs: quick ? 500 : 1000,
      watches: (values['data-watches'] ?? '100,1000,10000').split(',').map((s) => int('--data-watches', s.trim(), 0, 10)),
      connectionsPerNode: 50,
      changeMs: int('--data-change-duration', values['data-change-duration'], quick ? 2000 : 3000, 100),
      notificationsPerSec: 20_000,
      writers: 32,
    },
    persistence: only.includes('persistence'),
    persistenceOptions: {
      actors: int('--persistence-actors', values['persistence-actors'], 1024, 1),
      concurrency: int('--concurrency', values.concurrency, 64, 1),
      connections: int('--connections', values.connections, 8, 1),
      rounds: int('--persistence-rounds', values['persistence-rounds'], quick ? 1 : 3, 1),
      durationMs: int('--persistence-duration', values['persistence-duration'], quick ? 2000 : 5000, 100),
      warmupMs: quick ? 1000 : 2000,
      writeDelaySeconds: int('--write-delay', values['write-delay'], 5, 1),
      coldActors: int('--cold-actors', values['cold-actors'], 100_000, 1),
    },
    reminders: only.includes('reminders'),
    remindersOptions: {
      fireCount: int('--reminders-fire', values['reminders-fire'], quick ? 2000 : 10_000, 1),
      pending: int('--reminders-pending', values['reminders-pending'], 100_000, 0),
      pendingPerActor: int('--reminders-per-actor', values['reminders-per-actor'], 10, 1),
      trickleRate: int('--reminders-rate', values['reminders-rate'], 200, 1),
      trickleMs: int('--reminders-duration', values['reminders-duration'], quick ? 5000 : 10_000, 100),
      dueAfterMs: int('--reminders-due-after', values['reminders-due-after'], 1500, 0),
      concurrency: int('--concurrency', values.concurrency, 64, 1),
      connections: int('--connections', values.connections, 8, 1),
    },
    cpuProf: values['cpu-prof'] === true,
  };
  if (options.remindersOptions.pendingPerActor > 100) throw new UsageError('--reminders-per-actor must be at most 100 (reminders.maxPerActor)');
  const w = options.dataOptions.watches;
  if (w.some((n, i) => i > 0 && n <= w[i - 1])) throw new UsageError('--data-watches must grow');
  if (options.editOptions.nodes > 2) throw new UsageError('--edit-nodes must be 1 or 2');
  if (options.actors < options.concurrency) throw new UsageError('--actors must be at least --concurrency (every worker owns its own keys)');
  return options;
}
