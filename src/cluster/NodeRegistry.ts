import type { Grid, GridMap, JsonValue } from '../grid';

/** What an app node says about itself in the registry. */
export interface NodeInfo {
  /** The node's id (unique in the cluster). */
  id: string;
  /** Where clients reach it, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** When it started, epoch milliseconds. */
  startedAt: number;
  /** When it last sent a heartbeat, epoch milliseconds. */
  heartbeatAt: number;
  /** In-flight calls when it sent its last heartbeat. */
  load: number;
}

/** Registry timing. */
export interface NodeRegistryOptions {
  /** How often a node refreshes its entry. @default 2000 */
  heartbeatMs?: number;
  /** How long an entry lives without a heartbeat. @default 10000 */
  ttlMs?: number;
  /** The map holding entries. @default "nodes" */
  mapName?: string;
}

/**
 * The registry of live app nodes: each node writes its entry with a TTL and refreshes it on a
 * heartbeat; a node that dies stops refreshing and its entry expires. Works the same on both grids.
 */
export class NodeRegistry {
  private readonly map: GridMap<JsonValue>;
  private readonly heartbeatMs: number;
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private own: string | undefined;

  constructor(grid: Grid, options: NodeRegistryOptions = {}) {
    this.map = grid.map<JsonValue>(options.mapName ?? 'nodes', 'json');
    this.heartbeatMs = options.heartbeatMs ?? 2000;
    this.ttlMs = options.ttlMs ?? 10000;
  }

  /** Writes (or refreshes) one node's entry. */
  async heartbeat(info: Omit<NodeInfo, 'heartbeatAt'>): Promise<void> {
    const entry: NodeInfo = { ...info, heartbeatAt: Date.now() };
    await this.map.set(info.id, entry as unknown as JsonValue, this.ttlMs);
  }

  /**
   * Registers this node and keeps its entry fresh until `stop()`. `describe` is called on every beat,
   * so the entry carries the current load. A failed beat is reported to `onError` and retried next beat.
   */
  async start(describe: () => Omit<NodeInfo, 'heartbeatAt'>, onError: (err: unknown) => void = () => undefined): Promise<void> {
    this.own = describe().id;
    await this.heartbeat(describe());
    this.timer = setInterval(() => {
      this.heartbeat(describe()).catch(onError);
    }, this.heartbeatMs);
    this.timer.unref();
  }

  /** Stops the heartbeat and removes this node's entry. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.own) await this.map.delete(this.own);
    this.own = undefined;
  }

  /** The nodes whose entries have not expired, oldest first. */
  async list(): Promise<NodeInfo[]> {
    const values = (await this.map.values()) as unknown as NodeInfo[];
    return values.sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  }
}
