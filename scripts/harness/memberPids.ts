import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Main class every Hazelcast member we start runs; how we recognise our own java processes. */
export const MEMBER_MAIN_CLASS = 'com.hazelcast.core.server.HazelcastMemberStarter';

/** The `-D` option carrying the cluster name on a member's command line. */
export const CLUSTER_NAME_PROPERTY = 'actorgrid.cluster.name';

/** Command line of `pid` as arguments, or undefined when there is no such process. */
function commandLine(pid: number): string[] | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw ? raw.split('\0').filter((arg) => arg !== '') : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || fs.existsSync('/proc/self')) return undefined;
  }
  // No procfs (macOS): ask ps. Splitting on spaces is enough to find our own -D options.
  try {
    const text = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return text ? text.split(/\s+/) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is a running Hazelcast member started by this harness, optionally of the given
 * cluster. Guards every kill of a remembered pid: the pid may have been reused since.
 */
export function isMemberProcess(pid: number, clusterName?: string): boolean {
  const args = commandLine(pid);
  if (!args || !args.includes(MEMBER_MAIN_CLASS) || !isRunning(pid)) return false;
  return clusterName === undefined || args.includes(`-D${CLUSTER_NAME_PROPERTY}=${clusterName}`);
}

/** True while `pid` exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    if (fs.existsSync('/proc/self')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `signal` to `pid`; false when the process is already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits (polling, for processes that are not our children) until `pid` has exited.
 * @returns false if it still runs after `timeoutMs`.
 */
export async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** Contents of a harness pid file: which member pids a (test) process owns. */
interface PidFileContents {
  ownerPid: number;
  clusterName: string;
  pids: number[];
}

/**
 * `.grid/harness/<cluster>.json`: the member pids a harness owns, rewritten whenever they change,
 * so that a later run can kill members orphaned when their owner was SIGKILLed.
 */
export class MemberPidFile {
  readonly file: string;

  constructor(gridDir: string, private readonly clusterName: string) {
    this.file = path.join(gridDir, 'harness', `${clusterName}.json`);
  }

  write(pids: number[]): void {
    if (pids.length === 0) {
      this.remove();
      return;
    }
    const contents: PidFileContents = { ownerPid: process.pid, clusterName: this.clusterName, pids };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(this.file, `${JSON.stringify(contents)}\n`);
  }

  remove(): void {
    fs.rmSync(this.file, { force: true });
  }
}

/**
 * Kills (SIGKILL) members listed in pid files whose owner process is gone, and removes those
 * files. Only pids whose command line is a member of the recorded cluster are touched.
 * @returns the pids killed.
 */
export function reapOrphanedMembers(gridDir: string): number[] {
  const dir = path.join(gridDir, 'harness');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let contents: PidFileContents;
    try {
      contents = JSON.parse(fs.readFileSync(file, 'utf8')) as PidFileContents;
    } catch {
      fs.rmSync(file, { force: true });
      continue;
    }
    // A live owner (this process included) still looks after its members.
    if (isRunning(contents.ownerPid)) continue;
    for (const pid of contents.pids ?? []) {
      if (isMemberProcess(pid, contents.clusterName) && signalPid(pid, 'SIGKILL')) killed.push(pid);
    }
    fs.rmSync(file, { force: true });
  }
  return killed;
}
