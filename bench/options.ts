import { parseArgs } from 'node:util';

/** The measurement pairs; see pairs.ts. */
export const PAIR_IDS = ['a', 'b', 'c', 'd', 'w'] as const;
export type PairId = (typeof PAIR_IDS)[number];

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
  /** CPU-profile the node during each measured actorgrid run: bench/results/profiles/<pair>-round<N>.cpuprofile. */
  cpuProf: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

Starts a 1-member Hazelcast cluster and an actorgrid node (child process), measures each pair
against its baseline in the same run, prints a table and writes bench/results/latest.json.

  --rounds N           measured rounds per pair                    (default 5)
  --duration MS        length of one measurement                   (default 3000)
  --warmup MS          unrecorded warm-up run of each measurement  (default 2000)
  --actors N           actors / raw keys for (a), (c), (d)         (default 10000)
  --concurrency N      calls in flight for (a), (c), (d)           (default 64)
  --hot-concurrency N  calls in flight for (b)                     (default 32)
  --connections N      WebSocket connections                       (default 8)
  --only a,b,c,d,w     run only these pairs                        (default all)
  --quick              --rounds 2 --duration 1500 --warmup 1000
  --cpu-prof           CPU-profile the node during each measured run (inspector), into
                       bench/results/profiles/<pair>-round<N>.cpuprofile (adds some overhead)
  -h, --help           this text`;

export class UsageError extends Error {}

function int(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min) throw new UsageError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
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
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return undefined;
  const quick = values.quick === true;
  const only = (values.only ?? PAIR_IDS.join(',')).split(',').map((s) => s.trim());
  for (const id of only) if (!(PAIR_IDS as readonly string[]).includes(id)) throw new UsageError(`--only takes a,b,c,d,w; got "${id}"`);
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
    only: PAIR_IDS.filter((id) => only.includes(id)),
    cpuProf: values['cpu-prof'] === true,
  };
  if (options.actors < options.concurrency) throw new UsageError('--actors must be at least --concurrency (every worker owns its own keys)');
  return options;
}
