/**
 * Local Hazelcast dev cluster: `npm run grid -- <command>`.
 *
 *   start [--members N] [--port BASE] [--cluster-name NAME] [--persistence MODE] [--write-delay S]
 *   status [--json]
 *   stop
 */
import { parseArgs } from 'node:util';
import { DEV_DEFAULTS, DevCluster } from './harness/DevCluster';
import { MAX_MEMBERS } from './harness/HazelcastHarness';
import type { MemberPersistenceOptions } from './harness/MemberPersistence';

const USAGE = `usage: npm run grid -- <command> [options]

commands:
  start [--members N] [--port BASE] [--cluster-name NAME]
        start a local Hazelcast cluster in the background (members keep running after this
        command returns); prints the cluster name and the member addresses, e.g.
        127.0.0.1:5701,127.0.0.1:5702
        --members N          members to start, 1-${MAX_MEMBERS} (default ${DEV_DEFAULTS.members})
        --port BASE          port of the first member; member i uses BASE+i (default ${DEV_DEFAULTS.basePort})
        --cluster-name NAME  cluster name clients must use (default ${DEV_DEFAULTS.clusterName})
        --persistence MODE   persist actor state and collections to PostgreSQL: write-through or
                             write-behind (default: none); the database comes from ACTORGRID_PG_URL
                             or the PG* variables (docs/persistence.md)
        --write-delay S      the write-behind window in seconds (default 5)
  status [--json]
        show the members and whether they are up; exit code 1 unless all are
  stop
        stop the cluster started by 'start'

state: .grid/dev.json, member logs: .grid/logs/<cluster-name>/`;

/** A command-line mistake: print it with the usage, exit 2. */
class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const dev = new DevCluster();
  switch (command) {
    case 'start':
      return start(dev, rest);
    case 'status':
      return status(dev, rest);
    case 'stop':
      return stop(dev, rest);
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return 0;
    default:
      throw new UsageError(command ? `unknown command '${command}'` : 'missing command');
  }
}

async function start(dev: DevCluster, args: string[]): Promise<number> {
  const { values } = parse(args, {
    members: { type: 'string' },
    port: { type: 'string' },
    'cluster-name': { type: 'string' },
    persistence: { type: 'string' },
    'write-delay': { type: 'string' },
  });
  const members = integerOption('--members', values.members, DEV_DEFAULTS.members, 1, MAX_MEMBERS);
  const basePort = integerOption('--port', values.port, DEV_DEFAULTS.basePort, 1, 65_535 - MAX_MEMBERS + 1);
  const clusterName = values['cluster-name'] ?? DEV_DEFAULTS.clusterName;
  if (!/^[A-Za-z0-9._-]+$/.test(clusterName)) {
    throw new UsageError(`--cluster-name must be letters, digits, '.', '_' or '-', got '${clusterName}'`);
  }
  let persistence: MemberPersistenceOptions | undefined;
  if (values.persistence !== undefined) {
    if (values.persistence !== 'write-through' && values.persistence !== 'write-behind') {
      throw new UsageError(`--persistence must be write-through or write-behind, got '${values.persistence}'`);
    }
    persistence = { mode: values.persistence, writeDelaySeconds: integerOption('--write-delay', values['write-delay'], 5, 1, 86_400) };
  } else if (values['write-delay'] !== undefined) {
    throw new UsageError('--write-delay needs --persistence write-behind');
  }
  const began = Date.now();
  const state = await dev.start({ members, basePort, clusterName, persistence }, (line) => console.error(line));
  console.error(`cluster formed in ${((Date.now() - began) / 1000).toFixed(1)} s; stop it with: npm run grid -- stop`);
  console.log(`cluster-name: ${state.clusterName}`);
  console.log(state.members.map((m) => m.address).join(','));
  return 0;
}

async function status(dev: DevCluster, args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  const state = dev.readState();
  if (!state) {
    if (values.json) console.log(JSON.stringify({ running: false, memberCount: 0, addresses: [], members: [] }));
    else console.log('no dev cluster is running (start one with: npm run grid -- start)');
    return 1;
  }
  const members = await dev.status(state);
  const up = members.filter((m) => m.up);
  // Healthy: every member up, and each one sees all the others.
  const healthy = up.length === members.length && up.every((m) => m.clusterSize === members.length);
  if (values.json) {
    const report = {
      running: up.length > 0,
      healthy,
      clusterName: state.clusterName,
      memberCount: up.length,
      addresses: up.map((m) => m.address),
      startedAt: state.startedAt,
      members,
    };
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`cluster-name: ${state.clusterName}`);
    console.log(`members: ${up.length} of ${members.length} up`);
    for (const m of members) {
      const detail = m.up ? `sees ${m.clusterSize} member${m.clusterSize === 1 ? '' : 's'}` : m.nodeState ? `state ${m.nodeState}` : 'down';
      console.log(`  member ${m.index}  ${m.address}  pid ${m.pid}  ${detail}`);
    }
    console.log(up.map((m) => m.address).join(','));
  }
  return healthy ? 0 : 1;
}

async function stop(dev: DevCluster, args: string[]): Promise<number> {
  parse(args, {});
  const state = dev.readState();
  const stopped = await dev.stop();
  if (!state) console.log('no dev cluster is running');
  else console.log(`stopped ${stopped.length} member(s) of ${state.clusterName}`);
  return 0;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

function parse<T extends OptionSpec>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`grid: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      console.error(`grid: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  },
);
