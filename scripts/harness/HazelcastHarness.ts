import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { ClassArchive } from './ClassArchive';
import { ensureHazelcastJar } from './HazelcastJar';
import { MemberProcess } from './MemberProcess';
import { ensureMapStoreBuild } from './MapStoreBuild';
import { MemberHealth, probeMemberHealth } from './memberHealth';
import { MemberPersistenceOptions, PERSISTENCE_CONFIG_FILE, persistenceSystemProperties } from './MemberPersistence';
import { MemberPidFile, reapOrphanedMembers } from './memberPids';
import { busyPorts, findFreePortRange } from './ports';
import { gridStateDir, projectRoot } from './projectRoot';

/** Ports reserved per cluster (base..base+9), all in every member's TCP-IP join list. */
export const MAX_MEMBERS = 10;

/** Options of {@link HazelcastHarness}. */
export interface HazelcastHarnessOptions {
  /** Members {@link HazelcastHarness.start} starts. @default 2 */
  members?: number;
  /** @default 'actorgrid-test-<random>' */
  clusterName?: string;
  /**
   * Port of member 0; member i listens on basePort + i, and basePort..basePort+9 form the join
   * list. @default a free range found on 127.0.0.1, never 5701-5710 (the dev cluster's)
   */
  basePort?: number;
  /** Java heap per member. @default 256 */
  heapMb?: number;
  /** Extra JVM options for every member, e.g. `['-Xlog:gc']`. @default [] */
  jvmOptions?: string[];
  /** Where `member-<i>.log` files go. @default '<project>/.grid/logs/<clusterName>' */
  logDir?: string;
  /** Progress lines (members started, cluster formed); silent by default. */
  log?: (line: string) => void;
  /** Limit for {@link HazelcastHarness.start} to form the cluster. @default 120000 */
  startTimeoutMs?: number;
  /**
   * Start members in their own session so that they can keep running after this process exits
   * once {@link HazelcastHarness.release} is called (the dev cluster). @default false
   */
  detached?: boolean;
  /**
   * Persist `actor.*` and `data.*` to PostgreSQL (docs/persistence.md): members start with
   * config/hazelcast-persistence.yaml and the MapStore module (built with Maven on first use) on
   * their class path. @default undefined: no persistence, config/hazelcast.yaml
   */
  persistence?: MemberPersistenceOptions;
}

/** A running member. */
export interface MemberInfo {
  index: number;
  pid: number;
  port: number;
  /** '127.0.0.1:PORT' */
  address: string;
  logFile: string;
}

const POLL_MS = 200;
const GRACEFUL_STOP_MS = 60_000;
const KILL_WAIT_MS = 10_000;
const EXIT_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A real Hazelcast cluster on 127.0.0.1 for tests, benchmarks and the dev cluster: member JVMs
 * started from the pinned jar with config/hazelcast.yaml, readiness checked by polling each
 * member's health endpoint. Members it owns are killed when this process exits (also on SIGINT,
 * SIGTERM, SIGHUP), and listed in `.grid/harness/<cluster>.json` so that the next harness kills
 * them if this process is SIGKILLed.
 *
 * @example
 * const grid = new HazelcastHarness({ members: 2 });
 * await grid.start();
 * connect({ clusterName: grid.clusterName, addresses: grid.addresses() });
 * await grid.killMember(1);
 * await grid.waitForClusterSize(1, 30_000);
 * await grid.restartMember(1);
 * await grid.stop();
 */
export class HazelcastHarness {
  /** The cluster name clients must use. */
  readonly clusterName: string;
  private readonly root = projectRoot();
  private readonly initialMembers: number;
  private readonly logDir: string;
  private readonly log: (line: string) => void;
  private readonly pidFile: MemberPidFile;
  // By index; kept until we stopped the member ourselves, so an unexpected exit is noticed.
  private readonly members: (MemberProcess | undefined)[] = [];
  private base: number | undefined;
  private jar: string | undefined;
  private extraClasspath: string[] = [];
  private classArchive: ClassArchive | undefined;
  private state: 'new' | 'started' | 'stopped' | 'released' = 'new';

  constructor(private readonly options: HazelcastHarnessOptions = {}) {
    this.initialMembers = options.members ?? 2;
    if (!Number.isInteger(this.initialMembers) || this.initialMembers < 1 || this.initialMembers > MAX_MEMBERS) {
      throw new Error(`members must be an integer from 1 to ${MAX_MEMBERS}, got ${options.members}`);
    }
    this.clusterName = options.clusterName ?? `actorgrid-test-${randomBytes(4).toString('hex')}`;
    this.logDir = options.logDir ?? path.join(gridStateDir(this.root), 'logs', this.clusterName);
    this.log = options.log ?? (() => undefined);
    this.pidFile = new MemberPidFile(gridStateDir(this.root), this.clusterName);
  }

  /** Port of member 0 (member i listens on basePort + i); known once started. */
  get basePort(): number {
    if (this.base === undefined) throw new Error('the cluster has not been started');
    return this.base;
  }

  /** Members whose process is running. */
  get memberCount(): number {
    return this.runningMembers().length;
  }

  /** '127.0.0.1:PORT' of every running member, by index. */
  addresses(): string[] {
    return this.runningMembers().map((member) => member.address);
  }

  /** Pid, port, address and log file of every running member, by index. */
  runningMembers(): MemberInfo[] {
    return this.members
      .filter((member): member is MemberProcess => member !== undefined && member.running)
      .map((member) => ({
        index: member.index,
        pid: member.pid,
        port: member.port,
        address: member.address,
        logFile: member.launch.logFile,
      }));
  }

  /**
   * Starts the members and resolves once every one of them reports the full cluster size.
   * Also kills members orphaned by earlier runs whose process was SIGKILLed.
   * @throws Error with the failing member's log tail if the cluster does not form in time.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`cluster ${this.clusterName} was already started`);
    this.state = 'started';
    const started = Date.now();
    this.installExitHandlers();
    try {
      const gridDir = gridStateDir(this.root);
      const reaped = reapOrphanedMembers(gridDir);
      if (reaped.length > 0) this.log(`killed orphaned Hazelcast members ${reaped.join(', ')}`);
      this.jar = await ensureHazelcastJar(this.root);
      if (this.options.persistence) this.extraClasspath = await ensureMapStoreBuild(this.root);
      this.classArchive = await ClassArchive.forJar(this.jar);
      this.base = await this.choosePorts();
      this.log(`starting ${this.initialMembers} members of ${this.clusterName} on 127.0.0.1:${this.base}+`);
      for (let i = 0; i < this.initialMembers; i++) await this.spawn(i);
      await this.waitForClusterSize(this.initialMembers, this.options.startTimeoutMs ?? 120_000);
      this.log(`cluster ${this.clusterName} of ${this.initialMembers} formed in ${Date.now() - started} ms`);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Starts one more member, waits until the whole cluster sees it, returns its index. */
  async startMember(timeoutMs = 120_000): Promise<number> {
    this.requireStarted();
    const index = this.members.length;
    if (index >= MAX_MEMBERS) throw new Error(`a harness cluster has at most ${MAX_MEMBERS} members`);
    await this.spawn(index);
    await this.waitForClusterSize(this.memberCount, timeoutMs);
    return index;
  }

  /** Graceful stop (SIGTERM: partitions migrate away first); resolves when the process exited. */
  async stopMember(index: number): Promise<void> {
    await this.requireMember(index).stop('SIGTERM', GRACEFUL_STOP_MS);
    this.forget(index);
  }

  /** SIGKILL, like a crash; resolves when the process exited. The others notice later. */
  async killMember(index: number): Promise<void> {
    await this.requireMember(index).stop('SIGKILL', KILL_WAIT_MS);
    this.forget(index);
  }

  /**
   * Starts member `index` again on its port (stopping it gracefully first if it still runs) and
   * waits until the whole cluster sees it.
   */
  async restartMember(index: number, timeoutMs = 120_000): Promise<void> {
    this.requireStarted();
    if (!Number.isInteger(index) || index < 0 || index >= this.members.length) {
      throw new Error(`no member ${index} in cluster ${this.clusterName} (members 0..${this.members.length - 1})`);
    }
    if (this.members[index]?.running) await this.stopMember(index);
    await this.spawn(index);
    await this.waitForClusterSize(this.memberCount, timeoutMs);
  }

  /**
   * Resolves once every running member is ACTIVE and sees exactly `size` members.
   * @throws Error if that does not happen within `timeoutMs`, or a member exits meanwhile.
   */
  async waitForClusterSize(size: number, timeoutMs = 60_000): Promise<void> {
    await this.waitFor(`every member to see ${size} members`, timeoutMs, (health) =>
      health.length === 0
        ? size === 0
        : health.every((h) => h !== undefined && h.nodeState === 'ACTIVE' && h.clusterSize === size),
    );
  }

  /**
   * Resolves once every running member reports the cluster safe: no migrations, all backups in
   * sync. Wait for this after a restart before killing another member, or data is lost by design.
   */
  async waitForClusterSafe(timeoutMs = 60_000): Promise<void> {
    await this.waitFor('the cluster to be safe (no migrations, backups in sync)', timeoutMs, (health) =>
      health.every((h) => h !== undefined && h.nodeState === 'ACTIVE' && h.clusterSafe && h.migrationQueueSize === 0),
    );
  }

  /** Health of every running member, by index (undefined where it does not answer). */
  async health(): Promise<(MemberHealth | undefined)[]> {
    return Promise.all(this.runningMembers().map((member) => probeMemberHealth(member.port)));
  }

  /** Stops every member (SIGTERM, SIGKILL after a minute). Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'released') return;
    this.state = 'stopped';
    await Promise.all(
      this.members.map(async (member, index) => {
        if (!member) return;
        await member.stop('SIGTERM', GRACEFUL_STOP_MS);
        this.forget(index);
      }),
    );
    this.pidFile.remove();
    this.removeExitHandlers();
  }

  /**
   * Hands the running members over to the caller: they keep running after this process exits,
   * and this harness forgets them. Only for a harness started with `detached: true`.
   */
  release(): MemberInfo[] {
    if (!this.options.detached) throw new Error('release() needs a harness started with detached: true');
    this.requireStarted();
    const released = this.runningMembers();
    for (const member of this.members) member?.release();
    this.members.length = 0;
    this.state = 'released';
    this.pidFile.remove();
    this.removeExitHandlers();
    return released;
  }

  private async choosePorts(): Promise<number> {
    const base = this.options.basePort;
    if (base === undefined) return findFreePortRange(MAX_MEMBERS);
    if (!Number.isInteger(base) || base < 1 || base + MAX_MEMBERS - 1 > 65_535) {
      throw new Error(`basePort must be an integer from 1 to ${65_535 - MAX_MEMBERS + 1}, got ${base}`);
    }
    const busy = await busyPorts(base, this.initialMembers);
    if (busy.length > 0) {
      throw new Error(`port(s) ${busy.join(', ')} on 127.0.0.1 already in use; is another cluster running there?`);
    }
    return base;
  }

  private async spawn(index: number): Promise<void> {
    const base = this.basePort;
    // A persisted cluster never records the archive: its longer class path would not fit plain members.
    const cds = (this.classArchive as ClassArchive).memberOptions(!this.options.detached && !this.options.persistence);
    const configDir = path.join(this.root, 'config');
    const persistence = this.options.persistence;
    const member = await MemberProcess.start({
      index,
      port: base + index,
      clusterName: this.clusterName,
      memberList: Array.from({ length: MAX_MEMBERS }, (_, i) => `127.0.0.1:${base + i}`),
      jar: this.jar as string,
      extraClasspath: this.extraClasspath,
      configFile: path.join(configDir, persistence ? PERSISTENCE_CONFIG_FILE : 'hazelcast.yaml'),
      heapMb: this.options.heapMb ?? 256,
      jvmOptions: [
        ...cds.jvmOptions,
        ...(persistence ? persistenceSystemProperties(persistence, configDir) : []),
        ...(this.options.jvmOptions ?? []),
      ],
      logFile: path.join(this.logDir, `member-${index}.log`),
      appendLog: index < this.members.length, // a restart keeps the earlier log
      detached: this.options.detached ?? false,
    });
    if (cds.onExit) void member.exited.then(cds.onExit);
    this.members[index] = member;
    this.writePidFile();
    this.log(`member ${index} started: pid ${member.pid}, ${member.address}, log ${member.launch.logFile}`);
  }

  private async waitFor(
    what: string,
    timeoutMs: number,
    done: (health: (MemberHealth | undefined)[]) => boolean,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const crashed = this.members.find((member) => member !== undefined && !member.running);
      if (crashed) {
        throw new Error(
          `Hazelcast member ${crashed.index} (${crashed.address}) of ${this.clusterName} exited unexpectedly ` +
            `(code ${crashed.exit?.code}, signal ${crashed.exit?.signal}) while waiting for ${what}; ` +
            `log ${crashed.launch.logFile}:\n${crashed.logTail()}`,
        );
      }
      const members = this.members.filter((member): member is MemberProcess => member !== undefined);
      const health = await Promise.all(members.map((member) => probeMemberHealth(member.port)));
      if (done(health)) return;
      if (Date.now() >= deadline) {
        const states = members.map((member, i) => `member ${member.index}: ${describeHealth(health[i])}`).join('; ');
        const slow = members.find((_, i) => !done([health[i]])) ?? members[0];
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what} in ${this.clusterName} (${states})` +
            (slow ? `; log ${slow.launch.logFile}:\n${slow.logTail()}` : ''),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private requireStarted(): void {
    if (this.state !== 'started') throw new Error(`cluster ${this.clusterName} is not running (${this.state})`);
  }

  private requireMember(index: number): MemberProcess {
    this.requireStarted();
    const member = this.members[index];
    if (!member) throw new Error(`member ${index} of ${this.clusterName} is not running`);
    return member;
  }

  private forget(index: number): void {
    this.members[index] = undefined;
    this.writePidFile();
  }

  private writePidFile(): void {
    if (this.state === 'released') return;
    this.pidFile.write(this.members.flatMap((member) => (member ? [member.pid] : [])));
  }

  // Kills what we own when the process goes away; on a signal, then lets the signal take its
  // course unless someone else also listens for it.
  private readonly onProcessExit = (): void => {
    for (const member of this.members) member?.killNow();
    this.pidFile.remove();
  };

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.onProcessExit();
    this.removeExitHandlers();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  private installExitHandlers(): void {
    process.on('exit', this.onProcessExit);
    for (const signal of EXIT_SIGNALS) process.on(signal, this.onSignal);
  }

  private removeExitHandlers(): void {
    process.removeListener('exit', this.onProcessExit);
    for (const signal of EXIT_SIGNALS) process.removeListener(signal, this.onSignal);
  }
}

function describeHealth(health: MemberHealth | undefined): string {
  if (!health) return 'no answer';
  return `${health.nodeState}, sees ${health.clusterSize}${health.clusterSafe ? '' : ', not safe'}`;
}
