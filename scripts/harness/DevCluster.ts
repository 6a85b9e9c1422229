import * as fs from 'node:fs';
import * as path from 'node:path';
import { HazelcastHarness, MemberInfo } from './HazelcastHarness';
import { probeMemberHealth } from './memberHealth';
import type { MemberPersistenceOptions } from './MemberPersistence';
import { isMemberProcess, signalPid, waitForPidExit } from './memberPids';
import { gridStateDir, projectRoot } from './projectRoot';

/** Defaults of the local dev cluster (`npm run grid -- start`). */
export const DEV_DEFAULTS = { members: 2, basePort: 5701, clusterName: 'actorgrid' } as const;

/** `.grid/dev.json`: what `grid start` left running. */
export interface DevClusterState {
  clusterName: string;
  basePort: number;
  startedAt: string;
  members: MemberInfo[];
}

/** One member as `grid status` sees it. */
export interface DevMemberStatus extends MemberInfo {
  /** The process runs, answers on its port and is ACTIVE. */
  up: boolean;
  nodeState?: string;
  /** Members it sees, itself included. */
  clusterSize?: number;
}

const STOP_TIMEOUT_MS = 60_000;

/**
 * The developer's long-running local cluster: members started detached (they outlive the CLI),
 * remembered in `.grid/dev.json`, inspected and stopped by later CLI runs.
 */
export class DevCluster {
  private readonly stateFile: string;

  constructor(private readonly root: string = projectRoot()) {
    this.stateFile = path.join(gridStateDir(root), 'dev.json');
  }

  /** The saved state, or undefined if no dev cluster was started (or it was stopped). */
  readState(): DevClusterState | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.stateFile, 'utf8')) as DevClusterState;
    } catch {
      return undefined;
    }
  }

  /**
   * Starts the dev cluster and resolves once it formed.
   * @throws Error if one is already running, a port is taken, or the cluster does not form.
   */
  async start(
    options: { members: number; basePort: number; clusterName: string; persistence?: MemberPersistenceOptions },
    log: (line: string) => void,
  ): Promise<DevClusterState> {
    const previous = this.readState();
    if (previous) {
      const alive = previous.members.filter((m) => isMemberProcess(m.pid, previous.clusterName));
      if (alive.length > 0) {
        throw new Error(
          `a dev cluster '${previous.clusterName}' is already running (${alive.map((m) => m.address).join(',')}); ` +
            'stop it first with `npm run grid -- stop`',
        );
      }
      fs.rmSync(this.stateFile, { force: true }); // stale: its members are gone
    }
    const harness = new HazelcastHarness({ ...options, detached: true, log });
    await harness.start();
    const state: DevClusterState = {
      clusterName: harness.clusterName,
      basePort: harness.basePort,
      startedAt: new Date().toISOString(),
      members: harness.release(),
    };
    fs.mkdirSync(path.dirname(this.stateFile), { recursive: true });
    fs.writeFileSync(this.stateFile, `${JSON.stringify(state, null, 2)}\n`);
    return state;
  }

  /** Checks every remembered member: process alive and answering as an ACTIVE member. */
  async status(state: DevClusterState): Promise<DevMemberStatus[]> {
    return Promise.all(
      state.members.map(async (member) => {
        const alive = isMemberProcess(member.pid, state.clusterName);
        const health = alive ? await probeMemberHealth(member.port) : undefined;
        return {
          ...member,
          up: health?.nodeState === 'ACTIVE',
          nodeState: health?.nodeState,
          clusterSize: health?.clusterSize,
        };
      }),
    );
  }

  /**
   * Stops every remembered member (SIGTERM, SIGKILL after a minute) and forgets the cluster.
   * @returns the members that were still running.
   */
  async stop(): Promise<MemberInfo[]> {
    const state = this.readState();
    if (!state) return [];
    const alive = state.members.filter((m) => isMemberProcess(m.pid, state.clusterName));
    await Promise.all(
      alive.map(async (member) => {
        signalPid(member.pid, 'SIGTERM');
        if (!(await waitForPidExit(member.pid, STOP_TIMEOUT_MS))) {
          signalPid(member.pid, 'SIGKILL');
          await waitForPidExit(member.pid, 10_000);
        }
      }),
    );
    fs.rmSync(this.stateFile, { force: true });
    return alive;
  }
}
