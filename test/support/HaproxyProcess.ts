import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePortRange } from '../../scripts/harness/ports';
import { waitFor } from './waitFor';

/** Options of {@link HaproxyProcess.start}. */
export interface HaproxyOptions {
  /** The nodes behind it, as `http://host:port`. */
  backends: readonly string[];
  /** `first` sends every new connection to the first healthy node (deterministic for tests); `leastconn` spreads them. @default 'leastconn' */
  balance?: 'first' | 'leastconn' | 'roundrobin';
}

/**
 * A real HAProxy (Debian's `haproxy`) in front of nodes, on a free loopback port: HTTP mode,
 * WebSocket tunnels, health checks on `/health/ready` every 300 ms, no stickiness, and a failed
 * connect retried on another node (`option redispatch`). Fails — never skips — when haproxy is not
 * installed. `stop()` in an `after`.
 */
export class HaproxyProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** `http://127.0.0.1:<port>` */
    readonly url: string,
  ) {}

  static async start(options: HaproxyOptions): Promise<HaproxyProcess> {
    if (spawnSync('haproxy', ['-v']).error) {
      throw new Error('haproxy is not installed: apt-get install -y haproxy (the load-balancer tests run a real HAProxy)');
    }
    const port = await findFreePortRange(1);
    const dir = mkdtempSync(join(tmpdir(), 'actorgrid-haproxy-'));
    const servers = options.backends.map((url, i) => {
      const { hostname, port: p } = new URL(url);
      return `  server node${i} ${hostname}:${p} check inter 300 fall 1 rise 1`;
    });
    const config = [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  timeout tunnel 1h',
      '  option redispatch',
      '  retries 3',
      'frontend actorgrid',
      `  bind 127.0.0.1:${port}`,
      '  default_backend nodes',
      'backend nodes',
      `  balance ${options.balance ?? 'leastconn'}`,
      '  option httpchk GET /health/ready',
      '  http-check expect status 200',
      ...servers,
      '',
    ].join('\n');
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, config);
    const child = spawn('haproxy', ['-f', file, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const proxy = new HaproxyProcess(child, dir, `http://127.0.0.1:${port}`);
    try {
      await waitFor(`haproxy listening on ${port}`, () => {
        if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}: ${stderr.trim()}`);
        return accepts(port);
      }, 15_000);
    } catch (err) {
      await proxy.stop();
      throw err;
    }
    return proxy;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
