import * as http from 'node:http';

/**
 * What a member answers on `GET /hazelcast/health` (REST endpoint group HEALTH_CHECK, enabled in
 * config/hazelcast.yaml). Served on the member port itself, so no Hazelcast client is needed.
 */
export interface MemberHealth {
  /** `ACTIVE` once the member has joined and started; `PASSIVE`/`SHUT_DOWN` while leaving. */
  nodeState: string;
  clusterState: string;
  /** True when no migrations run and all backups are in sync. */
  clusterSafe: boolean;
  migrationQueueSize: number;
  /** Members this member currently sees, itself included. */
  clusterSize: number;
}

/**
 * Asks the member on 127.0.0.1:`port` for its health. Resolves `undefined` when it does not
 * answer (not started yet, gone, or not a Hazelcast member); never rejects.
 */
export function probeMemberHealth(port: number, timeoutMs = 1_000): Promise<MemberHealth | undefined> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/hazelcast/health', agent: false, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? parseHealth(body) : undefined));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

function parseHealth(body: string): MemberHealth | undefined {
  try {
    const value = JSON.parse(body) as Partial<MemberHealth>;
    if (typeof value.clusterSize !== 'number' || typeof value.nodeState !== 'string') return undefined;
    return {
      nodeState: value.nodeState,
      clusterState: String(value.clusterState),
      clusterSafe: value.clusterSafe === true,
      migrationQueueSize: Number(value.migrationQueueSize ?? 0),
      clusterSize: value.clusterSize,
    };
  } catch {
    return undefined;
  }
}
