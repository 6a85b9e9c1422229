import { Client, type HazelcastJsonValue, type IMap } from 'hazelcast-client';

type HazelcastClient = Awaited<ReturnType<typeof Client.newHazelcastClient>>;

/**
 * FIFO async mutex per key. The Node client sends thread id 0 on every lock call (DESIGN.md,
 * Hazelcast fact 1): two concurrent `lock()`s on one key from one client both succeed. A correct
 * per-call lock/get/set/unlock therefore needs in-process exclusion too, exactly as the runtime's
 * per-key queue provides; the raw baseline pays for it like the runtime does.
 */
export class KeyMutex {
  private readonly waiting = new Map<string, Array<() => void>>();

  acquire(key: string): Promise<void> | undefined {
    const queue = this.waiting.get(key);
    if (!queue) {
      this.waiting.set(key, []);
      return undefined; // free: no promise, no extra tick
    }
    return new Promise((resolve) => queue.push(resolve));
  }

  release(key: string): void {
    const queue = this.waiting.get(key);
    const next = queue?.shift();
    if (next) next();
    else this.waiting.delete(key);
  }
}

/** How a RawGrid connects and excludes. */
export interface RawGridOptions {
  /** The client's instance name. @default 'bench-raw' */
  instanceName?: string;
  /**
   * Queue `lockedUpdate`s per key in-process (KeyMutex). Without it, concurrent updates of one key
   * from this process all "hold" the grid lock at once and overwrite each other: the naive
   * hand-written server (handServer.ts `--naive`) shows what that loses. @default true
   */
  perKeyQueue?: boolean;
}

/**
 * The raw hazelcast-client baselines, run from the bench process (the same process as the load
 * generator, so they pay the client-side costs the WebSocket load pays there too), and the grid
 * side of the hand-written server (handServer.ts). Connects like the node's HazelcastGrid does
 * (same cluster, invocation timeout, logging off).
 */
export class RawGrid {
  private readonly maps = new Map<string, IMap<string, Buffer>>();

  private constructor(
    private readonly client: HazelcastClient,
    private readonly mutex: KeyMutex | undefined,
  ) {}

  static async connect(clusterName: string, members: string[], options: RawGridOptions = {}): Promise<RawGrid> {
    const client = await Client.newHazelcastClient({
      clusterName,
      instanceName: options.instanceName ?? 'bench-raw',
      network: { clusterMembers: members },
      properties: { 'hazelcast.client.invocation.timeout.millis': 30000, 'hazelcast.logging.level': 'OFF' },
    });
    return new RawGrid(client, options.perKeyQueue === false ? undefined : new KeyMutex());
  }

  /** The map proxy, fetched once (the first getMap costs a round trip). */
  async map(name: string): Promise<IMap<string, Buffer>> {
    let map = this.maps.get(name);
    if (!map) this.maps.set(name, (map = await this.client.getMap<string, Buffer>(name)));
    return map;
  }

  /** A map of JSON documents (the data section's collections: seeding and the query baselines). */
  jsonMap(name: string): Promise<IMap<string, HazelcastJsonValue>> {
    return this.client.getMap<string, HazelcastJsonValue>(name);
  }

  /**
   * One "turn" done the plain way: lock with lease, get, set the Buffer `update` makes from the old
   * one, unlock; exclusive per key within this process (KeyMutex, unless `perKeyQueue: false`) and
   * in the grid (the lock). 4 round trips.
   */
  async lockedUpdate(map: IMap<string, Buffer>, key: string, leaseMs: number, update: (old: Buffer) => Buffer): Promise<void> {
    const wait = this.mutex?.acquire(key);
    if (wait) await wait;
    try {
      await map.lock(key, leaseMs);
      try {
        const old = await map.get(key);
        if (!old) throw new Error(`raw key ${key} is missing`);
        await map.set(key, update(old));
      } finally {
        await map.unlock(key);
      }
    } finally {
      this.mutex?.release(key);
    }
  }

  async shutdown(): Promise<void> {
    await this.client.shutdown();
  }
}
