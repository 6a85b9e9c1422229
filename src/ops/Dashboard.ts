import type { Grid, GridMap, JsonValue } from '../grid';
import type { Logger } from '../runtime/Logger';
import type { DashboardStats, NodeSnapshot } from './DashboardStats';

/** The map where every node publishes its snapshot (with a TTL, so a dead node drops out). */
export const STATS_MAP = 'ops.stats';
const PUBLISH_MS = 1000;
const TTL_MS = 5000;

/** What the dashboard shows: the cluster (nodes, members) and every live node's snapshot. */
export interface DashboardView {
  cluster: unknown;
  nodes: NodeSnapshot[];
}

/**
 * The cluster-wide side of the dashboard: each node publishes its DashboardStats snapshot to the
 * grid every second (TTL 5 s), and any node's dashboard reads all of them, so one page shows the
 * whole cluster whichever node serves it.
 */
export class Dashboard {
  private readonly map: GridMap<JsonValue>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    grid: Grid,
    private readonly nodeId: string,
    private readonly stats: DashboardStats,
    private readonly cluster: () => Promise<unknown>,
    private readonly log: Logger,
  ) {
    this.map = grid.map<JsonValue>(STATS_MAP, 'json');
    this.timer = setInterval(() => void this.publish(), PUBLISH_MS);
    this.timer.unref();
  }

  /** The current view of the whole cluster. */
  async view(): Promise<DashboardView> {
    const [cluster, nodes] = await Promise.all([this.cluster(), this.map.values()]);
    const snapshots = (nodes as unknown as NodeSnapshot[]).filter((n) => n.node !== this.nodeId);
    snapshots.push(this.stats.snapshot()); // this node's, fresh
    snapshots.sort((a, b) => (a.node < b.node ? -1 : 1));
    return { cluster, nodes: snapshots };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async publish(): Promise<void> {
    try {
      await this.map.set(this.nodeId, this.stats.snapshot() as unknown as JsonValue, TTL_MS);
    } catch (err) {
      this.log.debug('publishing dashboard stats failed', { err });
    }
  }
}
