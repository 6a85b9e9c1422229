/**
 * `npm run bench`: actorgrid's speed as ratios against baselines measured in the same run
 * (DESIGN.md "Testing"). See bench/README.md for what is measured, how, and why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HazelcastHarness } from '../scripts/harness/HazelcastHarness';
import { projectRoot } from '../scripts/harness/projectRoot';
import { nodeActorsDir, runData } from './dataSection';
import { diffCounts, installGridOpCounter, type GridOpCounts } from './gridOpCounter';
import { HttpClient } from './HttpClient';
import { FANOUT_DESTINATION } from './fanout';
import { HandBaseline, renderLostUpdates, type LostUpdateCheck } from './handBaseline';
import { HAND_MAP } from './handRecord';
import { runFanout, type FanoutSample, type FanoutServers, type FanoutSummary } from './fanoutSection';
import { closedLoop, forEachConcurrently } from './loadLoop';
import { parseOptions, UsageError, USAGE, type BenchOptions } from './options';
import { actorId, definePairs, HOT, rawKey, type Measurement, type Pair } from './pairs';
import { cpuSnapshot, machineInfo } from './procCpu';
import { RawGrid } from './RawGrid';
import { renderTables, summarizePairs, type PairSummary, type Sample } from './report';
import { ServerProcess } from './ServerProcess';
import { runPersistence, type PersistenceSummary } from './persistenceSection';
import { runReminders, type RemindersSummary } from './remindersSection';
import { runShared } from './sharedSection';
import { probeRedis, startSocketIoServers, type RedisInfo, type SocketIoServers } from './socketIoSide';
import { runTwoWay } from './twoWaySection';
import { WsRpcPool } from './WsRpcPool';

const root = projectRoot(__dirname);
const resultsDir = path.join(root, 'bench', 'results');
const logDir = path.join(resultsDir, 'logs');
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

/** Everything the run started, torn down in reverse order on success, failure and signals. */
class Resources {
  harness?: HazelcastHarness;
  node?: ServerProcess;
  /** (f), (s), (t): the second node, on the same member; (f), (s): the two raw ws broadcast servers. */
  node2?: ServerProcess;
  /** (t): the third node (with node and node2). */
  node3?: ServerProcess;
  rawBroadcast: ServerProcess[] = [];
  /** (f): the Socket.IO peer's two servers (not with --no-socketio). */
  socketIo?: SocketIoServers;
  bare?: ServerProcess;
  /** (ah), (bh), (ch): the hand-written server, and the naive one during the lost-update check. */
  hand?: HandBaseline;
  raw?: RawGrid;
  ws?: WsRpcPool;
  bareWs?: WsRpcPool;
  http: HttpClient[] = [];

  /** Synchronous last resort for signals: kill the child processes (the harness kills its members on exit). */
  killNow(): void {
    this.node?.killNow();
    this.node2?.killNow();
    this.node3?.killNow();
    this.rawBroadcast.forEach((s) => s.killNow());
    this.socketIo?.io1.killNow();
    this.socketIo?.io2.killNow();
    this.bare?.killNow();
    this.hand?.killNow();
  }

  async close(): Promise<void> {
    const step = async (what: string, fn: () => Promise<unknown> | unknown): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        log(`teardown: ${what} failed: ${(err as Error).message}`);
      }
    };
    this.http.forEach((h) => h.close());
    await step('closing websockets', () => Promise.all([this.ws?.close(), this.bareWs?.close()]));
    await step('stopping the nodes', () => Promise.all([this.node?.stop(), this.node2?.stop(), this.node3?.stop()]));
    await step('stopping the raw broadcast servers', () => Promise.all(this.rawBroadcast.map((s) => s.stop())));
    await step('stopping the Socket.IO servers', () => Promise.all([this.socketIo?.io1.stop(), this.socketIo?.io2.stop()]));
    await step('stopping the bare fastify server', () => this.bare?.stop());
    await step('stopping the hand-written servers', () => this.hand?.close());
    await step('closing the raw client', () => this.raw?.shutdown());
    await step('stopping Hazelcast', () => this.harness?.stop());
  }
}

/** The pairs (a)–(w): the node, the bare fastify server, the raw client, their setup and rounds. */
async function runPairs(
  res: Resources,
  options: BenchOptions,
  members: string[],
  memberPid: number,
  profDir: string,
): Promise<{ pairSummaries: PairSummary[]; samples: Sample[]; recordBytes: number; lostUpdates?: LostUpdateCheck[]; tables: string }> {
  const node = res.node!;
  const benchOps = installGridOpCounter(); // the counts installed in main, before the raw client made its proxies
  res.bare = await ServerProcess.start({ name: 'bare fastify', script: path.join(__dirname, 'bareFastify.js'), args: [], cwd: root, logFile: path.join(logDir, 'bare-fastify.log') });
  log(`bare fastify ${res.bare.url} (pid ${res.bare.pid})`);
  res.raw = await RawGrid.connect(res.harness!.clusterName, members);
  res.ws = await WsRpcPool.open(`${node.url.replace(/^http/, 'ws')}/ws`, options.connections);
  res.bareWs = await WsRpcPool.open(`${res.bare.url.replace(/^http/, 'ws')}/ws`, options.connections);
  const nodeHttp = new HttpClient(node.url, options.concurrency);
  const bareHttp = new HttpClient(res.bare.url, options.concurrency);
  res.http.push(nodeHttp, bareHttp);
  const rawMap = await res.raw.map('bench.raw');

  // Setup: every actor exists (so turns replace, not create) and every raw key holds a Buffer as large as a real record.
  log(`creating ${options.actors} actors and raw keys`);
  const ws = res.ws;
  await forEachConcurrently(options.actors, options.concurrency, (i) => ws.call(i, 'actor.call', { type: 'Counter', id: actorId(i), method: 'increment', args: [] }));
  await ws.call(0, 'actor.call', { type: 'Counter', id: HOT, method: 'increment', args: [] });
  const record = await (await res.raw.map('actor.Counter')).get(actorId(0));
  if (!record) throw new Error('the actor record of c0 is not in actor.Counter');
  const recordBytes = record.length;
  await forEachConcurrently(options.actors, options.concurrency, (i) => rawMap.set(rawKey(i), Buffer.alloc(recordBytes, i % 256)));
  await rawMap.set(HOT, Buffer.alloc(recordBytes, 1));
  const pids: Record<string, number> = { bench: process.pid, node: node.pid, member: memberPid, bare: res.bare.pid };

  // The hand-written server's counters: the actors' ids, each a Buffer as long as the real record.
  let hand: { ws: WsRpcPool; counts(): Promise<GridOpCounts> } | undefined;
  const handMap = await res.raw.map(HAND_MAP);
  if (options.only.some((id) => id === 'ah' || id === 'bh' || id === 'ch')) {
    res.hand = new HandBaseline({ root, logDir, clusterName: res.harness!.clusterName, members, leaseMs: options.leaseMs, connections: options.connections });
    await res.hand.start();
    const server = res.hand.server!;
    log(`hand-written server ${server.url} (pid ${server.pid})`);
    await res.hand.seed(handMap, [...Array.from({ length: options.actors }, (_, i) => actorId(i)), HOT], recordBytes, options.concurrency);
    hand = { ws: res.hand.ws!, counts: () => server.counts() };
    pids.hand = server.pid;
  }

  const pairs = definePairs({ options, ws, bareWs: res.bareWs, nodeHttp, bareHttp, raw: res.raw, rawMap, hand });
  const measure = async (pair: Pair, m: Measurement, round: number, durationMs: number): Promise<Sample> => {
    const counts = async (): Promise<GridOpCounts> => (m.counts ? m.counts() : m.side === 'actorgrid' ? node.counts() : { ...benchOps });
    const opsBefore = await counts();
    const profile = options.cpuProf && round > 0 && m.side === 'actorgrid' && pair.id !== 'w';
    if (profile) await node.startProfile();
    const cpuBefore = cpuSnapshot(pids);
    const r = await closedLoop(m.concurrency, durationMs, m.op);
    const cpuAfter = cpuSnapshot(pids);
    if (profile) {
      fs.mkdirSync(profDir, { recursive: true });
      await node.stopProfile(path.join(profDir, `${pair.id}-round${round}.cpuprofile`));
    }
    const gridOps = diffCounts(opsBefore, await counts());
    const cpuMs = Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, cpuAfter[k] - cpuBefore[k]]));
    if (r.errors > 0) log(`(${pair.id}) ${m.label}: ${r.errors} errors, first: ${r.firstError}`);
    return { round, pair: pair.id, side: m.side, ...r, cpuMs, gridOps };
  };

  if (options.warmupMs > 0) {
    log(`warm-up: ${options.warmupMs} ms per measurement`);
    for (const pair of pairs) for (const m of [pair.actorgrid, pair.baseline]) await measure(pair, m, 0, options.warmupMs);
  }
  const samples: Sample[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const pair of pairs) {
      // Alternate which side goes first, so slow drift (GC, JIT, the member's heap) hits both alike.
      const order = round % 2 ? [pair.actorgrid, pair.baseline] : [pair.baseline, pair.actorgrid];
      for (const m of order) samples.push(await measure(pair, m, round, options.durationMs));
      const [a, b] = [pair.actorgrid, pair.baseline].map((m) => samples.find((s) => s.round === round && s.pair === pair.id && s.side === m.side)!);
      log(`round ${round} (${pair.id}): actorgrid ${Math.round(a.opsPerSec)}/s, baseline ${Math.round(b.opsPerSec)}/s, ratio ${(a.opsPerSec / b.opsPerSec).toFixed(3)}`);
    }
  }

  const pairSummaries = summarizePairs(pairs, samples);
  let tables = renderTables(pairSummaries, options);
  let lostUpdates: LostUpdateCheck[] | undefined;
  if (res.hand) {
    log(`lost-update check: ${options.hotConcurrency} in flight on one key for ${options.lostCheckMs} ms, hand-written then naive`);
    lostUpdates = await res.hand.checkLostUpdates(handMap, recordBytes, options.hotConcurrency, options.lostCheckMs);
    for (const c of lostUpdates) log(`lost-update check (${c.server}): ${c.acknowledged} acknowledged, ${c.applied} applied, ${c.lost} lost (${c.lostPct.toFixed(1)}%)`);
    tables += `\n\n${renderLostUpdates(lostUpdates)}`;
  }
  return { pairSummaries, samples, recordBytes, lostUpdates, tables };
}

async function main(options: BenchOptions): Promise<void> {
  const res = new Resources();
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: killing the node, the baseline server and the Hazelcast member`);
    res.killNow();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1)); // 'exit' lets the harness kill its members
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  installGridOpCounter(); // before the raw client makes its map proxies
  const machine = machineInfo(root);
  // (f)'s Socket.IO peer needs Redis: fail now, before anything starts, rather than skip it silently.
  let redis: RedisInfo | undefined;
  if (options.fanout && options.socketIo) {
    redis = await probeRedis(options.socketIo.redisUrl);
    machine.redis = redis.version;
  }
  try {
    const began = Date.now();
    res.harness = new HazelcastHarness({ members: 1, heapMb: options.heapMb, clusterName: `actorgrid-bench-${process.pid}`, log });
    await res.harness.start();
    const members = res.harness.addresses();
    const memberPid = res.harness.runningMembers()[0].pid;
    const profDir = path.join(resultsDir, 'profiles');
    // The nodes also declare the plain destination of (f); harmless for the pairs.
    // The data section's collections and the reminders section's actor are loaded beside the example actors only when one of them runs.
    const actorsDir = options.data || options.reminders ? path.relative(root, nodeActorsDir(root)) : 'dist/actors';
    const names = [...(process.env.ACTORGRID_DESTINATIONS_NAMES ?? '').split(',').map((n) => n.trim()).filter(Boolean), FANOUT_DESTINATION];
    const startNode = (name: string, file: string): Promise<ServerProcess> =>
      ServerProcess.start({
        name,
        script: path.join(root, 'dist', 'src', 'cli.js'),
        args: ['start', '--port', '0', '--host', '127.0.0.1', '--members', members.join(','), '--cluster-name', res.harness!.clusterName, '--actors', actorsDir, '--log-level', 'warn'],
        cwd: root,
        env: { ACTORGRID_DESTINATIONS_NAMES: [...new Set(names)].join(',') },
        logFile: path.join(logDir, file),
      });
    res.node = await startNode('actorgrid node', 'node.log');
    log(`node ${res.node.url} (pid ${res.node.pid}), member ${members.join(',')} (pid ${memberPid})`);
    let pairSummaries: PairSummary[] = [];
    let samples: Sample[] = [];
    let recordBytes: number | undefined;
    let tables = '';
    let lostUpdates: LostUpdateCheck[] | undefined;
    if (options.only.length > 0) {
      ({ pairSummaries, samples, recordBytes, lostUpdates, tables } = await runPairs(res, options, members, memberPid, profDir));
    }
    let fanout: { summaries: FanoutSummary[]; samples: FanoutSample[]; table: string } | undefined;
    if (options.fanout || options.shared || options.twoway || options.data || options.reminders) {
      res.node2 = await startNode('actorgrid node 2', 'node2.log');
      log(`node 2 ${res.node2.url} (pid ${res.node2.pid})`);
    }
    if (options.fanout || options.shared) {
      for (const i of [1, 2]) {
        res.rawBroadcast.push(
          await ServerProcess.start({ name: `raw ws broadcast ${i}`, script: path.join(__dirname, 'bareBroadcast.js'), args: [], cwd: root, logFile: path.join(logDir, `raw-broadcast-${i}.log`) }),
        );
      }
      log(`(f)/(s) raw ws broadcast ${res.rawBroadcast.map((s) => `${s.url} (pid ${s.pid})`).join(', ')}`);
    }
    const fanoutServers = (): FanoutServers => ({ node1: res.node!, node2: res.node2!, raw1: res.rawBroadcast[0], raw2: res.rawBroadcast[1], memberPid });
    const profile = options.cpuProf ? { dir: profDir } : undefined;
    if (redis) res.socketIo = await startSocketIoServers({ root, logDir, redis, log });
    if (options.fanout) fanout = await runFanout({ ...fanoutServers(), socketIo: res.socketIo }, options.fanoutOptions, profile, log);
    let shared: Awaited<ReturnType<typeof runShared>> | undefined;
    if (options.shared) shared = await runShared(fanoutServers(), options.fanoutOptions, options.editOptions, profile, log);
    let twoway: Awaited<ReturnType<typeof runTwoWay>> | undefined;
    if (options.twoway) {
      res.node3 = await startNode('actorgrid node 3', 'node3.log');
      log(`(t) node 3 ${res.node3.url} (pid ${res.node3.pid})`);
      twoway = await runTwoWay({ nodes: [res.node, res.node2!, res.node3], memberPid }, options.twowayOptions, log, profile);
    }
    let data: Awaited<ReturnType<typeof runData>> | undefined;
    if (options.data) {
      res.raw ??= await RawGrid.connect(res.harness.clusterName, members);
      data = await runData({ nodes: [res.node, res.node2!], memberPid, raw: res.raw }, options.dataOptions, profile, log);
    }
    let reminders: { summary: RemindersSummary; table: string } | undefined;
    if (options.reminders) {
      res.raw ??= await RawGrid.connect(res.harness.clusterName, members);
      reminders = await runReminders([res.node, res.node2!], res.raw, options.remindersOptions, log);
    }
    let persistence: { summary: PersistenceSummary; table: string } | undefined;
    if (options.persistence) {
      const startOn = (name: string, file: string, cluster: HazelcastHarness): Promise<ServerProcess> =>
        ServerProcess.start({
          name,
          script: path.join(root, 'dist', 'src', 'cli.js'),
          args: ['start', '--port', '0', '--host', '127.0.0.1', '--members', cluster.addresses().join(','), '--cluster-name', cluster.clusterName, '--actors', 'dist/actors', '--log-level', 'warn'],
          cwd: root,
          logFile: path.join(logDir, file),
        });
      persistence = await runPersistence({ offNode: res.node, startNode: startOn, log }, options.persistenceOptions);
    }
    process.stdout.write(`\n${[tables, fanout?.table, shared?.table, twoway?.table, data?.table, reminders?.table, persistence?.table].filter(Boolean).join('\n\n')}\n\n`);

    const results = {
      startedAt: new Date(began).toISOString(),
      durationSec: Math.round((Date.now() - began) / 1000),
      machine,
      setup: {
        node: 'child process: node dist/src/cli.js start (own event loop), 1 Hazelcast member via HazelcastHarness',
        baselines: 'raw hazelcast-client in the bench process; bare fastify and the hand-written server (bench/handServer.ts) in child processes',
        fanout:
          '(f): a second node on the same member; two bare ws broadcast servers (bench/bareBroadcast.ts) and, unless --no-socketio, two Socket.IO servers with the Redis adapter (bench/socketIoServer.ts) as child processes; all WebSocket and socket.io-client clients in the bench process',
        shared:
          '(s): node 2 and the two raw ws broadcast servers as in (f); one board.bench-<pid> shared object fanned out to subscribers on both nodes; board.bench-edit-<pid> edited by clients on both nodes',
        data: '(data): node 2 on the same member; both nodes load dist/actors and bench/collections; WebSocket clients and the raw hazelcast-client baseline in the bench process',
        reminders: '(rem): node 2 on the same member; both nodes load dist/actors, bench/collections and bench/actors (BenchAlarm); WebSocket calls alternate between the nodes',
        twoway: '(t) random transfers among --twoway-accounts accounts and (t2) two-way between 2: node 2 and a third node on the same member; Account callers over WebSocket JSON-RPC in the bench process, caller w on node w % 3',
        recordBytes,
        nodeConfig: 'config/default.json + CLI flags (turn.maxBatch 64, lockWaitMs 5000, leaseMs 15000)',
      },
      options,
      summaries: pairSummaries,
      samples,
      ...(lostUpdates ? { lostUpdates } : {}),
      ...(fanout ? { fanout: { table: fanout.table.split('\n'), summaries: fanout.summaries, samples: fanout.samples } } : {}),
      ...(shared ? { shared: { table: shared.table.split('\n'), fanout: shared.fanout, edit: shared.edit } } : {}),
      ...(data ? { data: { table: data.table.split('\n'), queries: data.queries, changes: data.watches.changes, writes: data.watches.writes, growth: data.watches.growth } } : {}),
      ...(twoway ? { twoway: { table: twoway.table.split('\n'), summary: twoway.summary, samples: twoway.samples, random: twoway.random } } : {}),
      ...(reminders ? { reminders: { table: reminders.table.split('\n'), summary: reminders.summary } } : {}),
      ...(persistence ? { persistence: { table: persistence.table.split('\n'), summary: persistence.summary } } : {}),
    };
    fs.mkdirSync(resultsDir, { recursive: true });
    const json = `${JSON.stringify(results, null, 2)}\n`;
    fs.writeFileSync(path.join(resultsDir, 'latest.json'), json);
    fs.writeFileSync(path.join(resultsDir, `run-${new Date(began).toISOString().replace(/[:.]/g, '-')}.json`), json);
    log(`results: bench/results/latest.json (${results.durationSec} s)`);
  } finally {
    await res.close();
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
  }
}

let options: BenchOptions | undefined;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`bench: ${err.message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (!options) {
  process.stdout.write(`${USAGE}\n`);
} else {
  main(options).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
