import * as net from 'node:net';

/** Ports the local dev cluster uses (`npm run grid -- start`); automatic port ranges avoid them. */
export const DEV_PORT_RANGE = { first: 5701, last: 5710 } as const;

// Below Linux' ephemeral range (32768-60999), so no outgoing connection grabs a reserved port.
const AUTO_FIRST = 15_000;
const AUTO_LAST = 32_000;

/** True when nothing listens on 127.0.0.1:`port` and we may bind it. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The ports of `first..first+count-1` that are in use on 127.0.0.1. */
export async function busyPorts(first: number, count: number): Promise<number[]> {
  const ports = Array.from({ length: count }, (_, i) => first + i);
  const free = await Promise.all(ports.map(isPortFree));
  return ports.filter((_, i) => !free[i]);
}

/**
 * Finds `count` consecutive free ports on 127.0.0.1, at a random place in 15000-32000 (so two
 * test runs rarely pick the same range, and the dev cluster's 5701-5710 is never used).
 */
export async function findFreePortRange(count: number, attempts = 50): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const first = AUTO_FIRST + Math.floor(Math.random() * (AUTO_LAST - AUTO_FIRST - count));
    if ((await busyPorts(first, count)).length === 0) return first;
  }
  throw new Error(`no ${count} consecutive free ports found on 127.0.0.1 between ${AUTO_FIRST} and ${AUTO_LAST}`);
}
