import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLUSTER_NAME_PROPERTY, MEMBER_MAIN_CLASS } from './memberPids';

/**
 * JVM options Hazelcast's install docs list for Java 17 (module access it needs for off-heap
 * buffers, NIO and OS metrics).
 */
const JAVA17_MODULE_OPTIONS = [
  '--add-modules', 'java.se',
  '--add-exports', 'java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens', 'java.base/java.lang=ALL-UNNAMED',
  '--add-opens', 'java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens', 'java.management/sun.management=ALL-UNNAMED',
  '--add-opens', 'jdk.management/com.sun.management.internal=ALL-UNNAMED',
];

/** Everything needed to start one member JVM. */
export interface MemberLaunch {
  index: number;
  port: number;
  clusterName: string;
  /** 'host:port' of every member the cluster may ever have (TCP-IP join list). */
  memberList: string[];
  jar: string;
  /** Class path entries after the Hazelcast jar (e.g. the MapStore module). @default [] */
  extraClasspath?: string[];
  configFile: string;
  heapMb: number;
  /** Extra JVM options, placed before the main class. */
  jvmOptions: string[];
  logFile: string;
  /** Append to the log (a restart) instead of starting it afresh. */
  appendLog: boolean;
  /** Own session and process group, so the member can outlive this process. */
  detached: boolean;
}

/** How a member process ended. */
export interface MemberExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One running member JVM, a child of this process; stdout and stderr go to its log file. */
export class MemberProcess {
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<MemberExit>;
  private exitInfo: MemberExit | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly launch: MemberLaunch,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** Spawns the member JVM; resolves once the process exists (not once it joined). */
  static async start(launch: MemberLaunch): Promise<MemberProcess> {
    fs.mkdirSync(path.dirname(launch.logFile), { recursive: true });
    const args = javaArguments(launch);
    const log = fs.openSync(launch.logFile, launch.appendLog ? 'a' : 'w');
    let child: ChildProcess;
    try {
      fs.writeSync(log, `# ${new Date().toISOString()} member ${launch.index} on port ${launch.port}: java ${args.join(' ')}\n`);
      // cwd: the log directory, so that JVM crash files (hs_err_pid*.log) land beside the log.
      const cwd = path.dirname(launch.logFile);
      child = spawn('java', args, { stdio: ['ignore', log, log], detached: launch.detached, cwd });
    } finally {
      fs.closeSync(log); // the child holds its own copy
    }
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid as number));
      child.once('error', (err) => reject(new Error(`cannot start member ${launch.index} (java): ${err.message}`)));
    });
    return new MemberProcess(child, pid, launch);
  }

  get index(): number {
    return this.launch.index;
  }

  get port(): number {
    return this.launch.port;
  }

  /** '127.0.0.1:PORT' */
  get address(): string {
    return `127.0.0.1:${this.launch.port}`;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** How it exited, once it has. */
  get exit(): MemberExit | undefined {
    return this.exitInfo;
  }

  /**
   * Sends `signal` and waits for the exit. A SIGTERM (graceful shutdown: partitions are migrated
   * away first) that takes longer than `timeoutMs` is followed by SIGKILL.
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL', timeoutMs: number): Promise<MemberExit> {
    if (!this.running) return this.exitInfo as MemberExit;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (result !== 'timeout') return result;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGKILL without waiting; for exit handlers, where nothing asynchronous runs any more. */
  killNow(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  /** Lets this process exit while the member keeps running (see {@link MemberLaunch.detached}). */
  release(): void {
    this.child.unref();
  }

  /** The last `lines` lines of the member's log, for error messages. */
  logTail(lines = 30): string {
    return readLogTail(this.launch.logFile, lines);
  }
}

/** The full `java` argument list for a member. */
export function javaArguments(launch: MemberLaunch): string[] {
  return [
    `-Xmx${launch.heapMb}m`,
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.net.preferIPv4Stack=true',
    ...JAVA17_MODULE_OPTIONS,
    // Validating the YAML against Hazelcast's JSON schema costs a member ~1.5 s of startup on
    // 2 cores; test/harness.test.ts validates config/hazelcast.yaml against the schema instead.
    '-Dhazelcast.config.schema.validation.enabled=false',
    // One line per log record, with milliseconds.
    '-Djava.util.logging.SimpleFormatter.format=%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n',
    ...launch.jvmOptions,
    `-Dhazelcast.config=${launch.configFile}`,
    `-D${CLUSTER_NAME_PROPERTY}=${launch.clusterName}`,
    `-Dactorgrid.port=${launch.port}`,
    `-Dactorgrid.members=${launch.memberList.join(',')}`,
    '-cp',
    // The jar first: the class-data-sharing archive only fits a class path that starts with it.
    [launch.jar, ...(launch.extraClasspath ?? [])].join(path.delimiter),
    MEMBER_MAIN_CLASS,
  ];
}

/** The last `lines` lines of a log file ('' if it cannot be read). */
export function readLogTail(file: string, lines: number): string {
  try {
    const size = fs.statSync(file).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, length, size - length);
    } finally {
      fs.closeSync(fd);
    }
    return buffer.toString('utf8').split('\n').slice(-lines - 1).join('\n').trimEnd();
  } catch {
    return '';
  }
}
