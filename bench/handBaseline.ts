/**
 * The hand-written server (handServer.ts) as the bench uses it: the correct one as the baseline of
 * the pairs (ah), (bh), (ch), and the lost-update check that shows why the naive one (no per-key
 * queue) is no baseline at all. See bench/README.md "The hand-written server".
 */
import * as path from 'node:path';
import type { IMap } from 'hazelcast-client';
import { decodeCount, encodeCount } from './handRecord';
import { closedLoop, forEachConcurrently } from './loadLoop';
import { ServerProcess, wsUrl } from './ServerProcess';
import { fmt, table } from './stats';
import { WsRpcPool } from './WsRpcPool';

/** Where the hand-written servers run and connect. */
export interface HandLaunch {
  /** The project root (the servers' cwd). */
  root: string;
  logDir: string;
  clusterName: string;
  members: string[];
  /** Lock lease, ms (the node's `turn.leaseMs`). */
  leaseMs: number;
  /** WebSocket connections of each server's pool (the pairs' `--connections`). */
  connections: number;
}

/** Increments of one key at `inFlight` concurrent calls, against what the key holds afterwards. */
export interface LostUpdateCheck {
  server: 'hand-written' | 'naive';
  inFlight: number;
  durationMs: number;
  /** Calls that replied with a result. */
  acknowledged: number;
  /** The key's value read back after every call finished (it started at 0). */
  applied: number;
  /** acknowledged − applied. */
  lost: number;
  lostPct: number;
  errors: number;
}

/** One hand-written server (and, for the check, a naive one), each with its WebSocket pool; torn down by `close`. */
export class HandBaseline {
  server?: ServerProcess;
  ws?: WsRpcPool;
  private naive?: ServerProcess;
  private naiveWs?: WsRpcPool;

  constructor(private readonly launch: HandLaunch) {}

  /** Starts the correct server and opens its pool. */
  async start(): Promise<void> {
    this.server = await this.startServer(false);
    this.ws = await WsRpcPool.open(wsUrl(this.server, '/ws'), this.launch.connections);
  }

  /** Every key holds counter 0 as a Buffer of `bytes` (a real Counter record's length). */
  async seed(map: IMap<string, Buffer>, keys: string[], bytes: number, concurrency: number): Promise<void> {
    const zero = encodeCount(0, bytes);
    await forEachConcurrently(keys.length, concurrency, (i) => map.set(keys[i], zero));
  }

  /**
   * `inFlight` closed-loop increments of one key for `durationMs`, on the correct server and then on
   * a naive one (started for this and stopped after); each against its own key seeded with 0.
   */
  async checkLostUpdates(map: IMap<string, Buffer>, bytes: number, inFlight: number, durationMs: number): Promise<LostUpdateCheck[]> {
    const checks = [await this.lostUpdates('hand-written', this.ws!, map, bytes, inFlight, durationMs)];
    this.naive = await this.startServer(true);
    this.naiveWs = await WsRpcPool.open(wsUrl(this.naive, '/ws'), this.launch.connections);
    try {
      checks.push(await this.lostUpdates('naive', this.naiveWs, map, bytes, inFlight, durationMs));
    } finally {
      await this.naiveWs.close();
      await this.naive.stop();
    }
    return checks;
  }

  /** Synchronous last resort for signals. */
  killNow(): void {
    this.server?.killNow();
    this.naive?.killNow();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.ws?.close(), this.naiveWs?.close()]);
    await Promise.all([this.server?.stop(), this.naive?.stop()]);
  }

  private startServer(naive: boolean): Promise<ServerProcess> {
    const { root, logDir, clusterName, members, leaseMs } = this.launch;
    return ServerProcess.start({
      name: naive ? 'naive hand-written server' : 'hand-written server',
      script: path.join(__dirname, 'handServer.js'),
      args: ['--members', members.join(','), '--cluster-name', clusterName, '--lease-ms', String(leaseMs), ...(naive ? ['--naive'] : [])],
      cwd: root,
      logFile: path.join(logDir, naive ? 'hand-naive.log' : 'hand.log'),
    });
  }

  private async lostUpdates(server: LostUpdateCheck['server'], ws: WsRpcPool, map: IMap<string, Buffer>, bytes: number, inFlight: number, durationMs: number): Promise<LostUpdateCheck> {
    const key = `lost-check-${server}`;
    await map.set(key, encodeCount(0, bytes));
    const r = await closedLoop(inFlight, durationMs, (w) => ws.call(w, 'actor.call', { type: 'Counter', id: key, method: 'increment', args: [] }));
    const record = await map.get(key);
    const applied = record ? decodeCount(record) : 0;
    const lost = r.ops - applied;
    return { server, inFlight, durationMs, acknowledged: r.ops, applied, lost, lostPct: r.ops > 0 ? (100 * lost) / r.ops : NaN, errors: r.errors };
  }
}

/** The table of the lost-update check. */
export function renderLostUpdates(checks: LostUpdateCheck[]): string {
  const rows = checks.map((c) => [
    c.server === 'naive' ? 'naive: lock → get → set → unlock, no per-key queue' : 'hand-written: per-key queue → lock → get → set → unlock',
    String(c.inFlight),
    fmt(c.durationMs / 1000),
    String(c.acknowledged),
    String(c.applied),
    `${String(c.lost)} (${c.lostPct.toFixed(1)}%)`,
    String(c.errors),
  ]);
  const head = 'Lost updates: increments of one key, acknowledged by the server vs applied (the key read back; it started at 0).';
  return `${head}\n\n${table(['server', 'in flight', 's', 'acknowledged', 'applied', 'lost', 'errors'], rows)}`;
}
