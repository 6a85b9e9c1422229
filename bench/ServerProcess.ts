import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { GridOpCounts } from './gridOpCounter';

/** How to start a server child process. */
export interface ServerLaunch {
  /** For messages, e.g. "actorgrid node". */
  name: string;
  /** The script to run with this Node binary. */
  script: string;
  args: string[];
  cwd: string;
  /** stdout and stderr of the child go here. */
  logFile: string;
  /** Node options placed before the script. @default [] */
  nodeOptions?: string[];
  /** Extra environment variables, on top of the bench's own environment. @default {} */
  env?: Record<string, string>;
  /** @default 60000 */
  readyTimeoutMs?: number;
}

const AGENT = path.join(__dirname, 'childAgent.js');
const STOP_TIMEOUT_MS = 20_000;

/** The WebSocket URL of `route` on a server child. */
export const wsUrl = (server: ServerProcess, route: string): string => `${server.url.replace(/^http/, 'ws')}${route}`;

/**
 * A server child process (the actorgrid node via `dist/src/cli.js start`, or the bare fastify
 * baseline): started with the bench's child agent preloaded and an IPC channel, ready once it
 * printed "listening on URL" on stdout. `stop()` sends SIGTERM (the node drains) and SIGKILLs after
 * 20 s; `killNow()` is for exit handlers.
 */
export class ServerProcess {
  private readonly exited: Promise<void>;
  private running = true;
  private nextId = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly launch: ServerLaunch,
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => (this.running = false));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(launch: ServerLaunch): Promise<ServerProcess> {
    fs.mkdirSync(path.dirname(launch.logFile), { recursive: true });
    const log = fs.createWriteStream(launch.logFile);
    const child = spawn(process.execPath, [...(launch.nodeOptions ?? []), '-r', AGENT, launch.script, ...launch.args], {
      cwd: launch.cwd,
      env: { ...process.env, ...(launch.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stderr?.pipe(log);
    const timeoutMs = launch.readyTimeoutMs ?? 60_000;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${launch.name} printed no "listening on" line within ${timeoutMs} ms`)), timeoutMs);
        const lines = readline.createInterface({ input: child.stdout! });
        lines.on('line', (line) => {
          log.write(`${line}\n`);
          const m = /^listening on (\S+)/.exec(line);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`${launch.name} exited before it was ready (code ${code}, signal ${signal}); log ${launch.logFile}`));
        });
      });
      return new ServerProcess(child, launch, url);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }

  /** IMap operations and socket reads/writes the child's Hazelcast client made so far (see gridOpCounter). */
  counts(): Promise<GridOpCounts> {
    return this.request('counts') as Promise<GridOpCounts>;
  }

  /** Starts a CPU profile in the child (inspector). */
  async startProfile(): Promise<void> {
    await this.request('profile-start');
  }

  /** Stops the CPU profile and has the child write it to `file`. */
  async stopProfile(file: string): Promise<void> {
    await this.request('profile-stop', { file });
  }

  private request(type: string, extra: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        reject(new Error(`${this.launch.name} did not answer "${type}"`));
      }, 10_000);
      const onMessage = (message: { type?: string; id?: number; result?: unknown; error?: string }): void => {
        if (message?.type !== 'reply' || message.id !== id) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        if (message.error !== undefined) reject(new Error(`${this.launch.name}: ${type} failed: ${message.error}`));
        else resolve(message.result);
      };
      this.child.on('message', onMessage);
      this.child.send({ type, id, ...extra });
    });
  }

  /** SIGTERM, then SIGKILL after 20 s; resolves when the process exited. Idempotent. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Synchronous SIGKILL for exit and signal handlers. */
  killNow(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
