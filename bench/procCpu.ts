import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';

// USER_HZ: clock ticks per second of /proc/<pid>/stat times; 100 on every Linux we run on.
const TICKS_PER_SEC = 100;

/** CPU time (user + system) a process used so far, ms; NaN when it cannot be read. */
export function processCpuMs(pid: number): number {
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC;
  } catch {
    return NaN;
  }
}

/** Busy CPU time of the whole machine so far (all cores, /proc/stat), ms; NaN when unreadable. */
export function machineBusyMs(): number {
  try {
    const [, ...f] = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = f.map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_SEC;
  } catch {
    return NaN;
  }
}

/**
 * Snapshot of CPU ms per named process, plus `other`: what the rest of the machine used (anything
 * not ours, e.g. a build running beside the bench), so a noisy measurement shows as such.
 */
export function cpuSnapshot(pids: Record<string, number>): Record<string, number> {
  const ours = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)]));
  const sum = Object.values(ours).reduce((a, b) => a + b, 0);
  return { ...ours, other: machineBusyMs() - sum };
}

/** What the results file says about the machine and the software measured. */
export function machineInfo(root: string): Record<string, unknown> {
  const cpus = os.cpus();
  // First line a command prints, on stdout or stderr (`java -version` uses stderr).
  const firstLine = (cmd: string, args: string[]): string | undefined => {
    const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] || undefined;
  };
  const pkgVersion = (name: string): unknown => {
    try {
      return (JSON.parse(fs.readFileSync(`${root}/node_modules/${name}/package.json`, 'utf8')) as { version?: unknown }).version;
    } catch {
      return undefined;
    }
  };
  return {
    hostname: os.hostname(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model,
    cpus: cpus.length,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAvgAtStart: os.loadavg(),
    node: process.version,
    hazelcastClient: pkgVersion('hazelcast-client'),
    fastify: pkgVersion('fastify'),
    ws: pkgVersion('ws'),
    socketIo: pkgVersion('socket.io'),
    socketIoRedisAdapter: pkgVersion('@socket.io/redis-adapter'),
    java: firstLine('java', ['-version']),
    gitCommit: firstLine('git', ['rev-parse', '--short', 'HEAD']),
    gitDirty: (spawnSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).stdout ?? '').trim().length > 0,
  };
}
