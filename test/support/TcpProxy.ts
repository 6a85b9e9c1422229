import * as net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that a test can cut and restore: members reach PostgreSQL through it, so
 * "the database is unreachable" needs no root and touches no one else's connections. `cut()` stops
 * accepting (new connections are refused) and destroys every open one; `restore()` listens again on
 * the same port.
 *
 * @example
 * const proxy = await TcpProxy.start(5432);
 * try { await proxy.cut(); ...; await proxy.restore(); } finally { await proxy.close(); }
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private listenPort = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts a proxy to `targetHost:targetPort` on a free port. */
  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await proxy.listen(0);
    return proxy;
  }

  /** The port it listens on (the same after a restore). */
  get port(): number {
    return this.listenPort;
  }

  /** Connections currently open through the proxy. */
  get openConnections(): number {
    return this.sockets.size / 2;
  }

  /** Refuses new connections and drops every open one; resolves once nothing is open. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    if (!this.server) await this.listen(this.listenPort);
  }

  /** Cuts for good. */
  async close(): Promise<void> {
    await this.cut();
  }

  private async listen(port: number): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.listenPort = (server.address() as net.AddressInfo).port;
  }
}
