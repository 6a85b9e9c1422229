/** One node's view for the dashboard, as each node publishes it every second. */
export interface NodeSnapshot {
  node: string;
  url: string;
  at: number;
  /** Per actor type over the last window: calls per second, p99 latency, errors. */
  calls: Array<{ type: string; perSec: number; p99Ms: number; errors: number }>;
  /** The actors with the most calls in the window. */
  busiest: Array<{ actor: string; calls: number }>;
  /** The latest errors (newest first). */
  errors: Array<{ at: number; code: string; what: string }>;
  /** Destinations with subscribers on this node. */
  destinations: Array<{ name: string; subscribers: number }>;
  connections: { ws: number; sse: number };
}

/** What a snapshot reads besides the calls it was told of. */
export interface SnapshotSources {
  destinations(): Map<string, number>;
  connections(): { ws: number; sse: number };
}

const WINDOW_MS = 10_000;
const MAX_SAMPLES = 50_000;
const MAX_ERRORS = 20;

/**
 * The live numbers of one node for the dashboard, over a sliding 10-second window: calls per second
 * and p99 per actor type, the busiest actors and the latest errors. In memory only (actor ids never
 * become metric labels); bounded by the window and a sample cap.
 */
export class DashboardStats {
  private samples: Array<{ at: number; type: string; actor: string; ms: number; failed: boolean }> = [];
  private readonly errors: NodeSnapshot['errors'] = [];

  constructor(
    private readonly node: string,
    private readonly url: () => string,
    private readonly sources: SnapshotSources,
  ) {}

  /** A call ended. */
  call(type: string, method: string, error: unknown, seconds: number, id: string): void {
    const at = Date.now();
    if (this.samples.length >= MAX_SAMPLES) this.samples.splice(0, MAX_SAMPLES / 2);
    this.samples.push({ at, type, actor: `${type}/${id}`, ms: seconds * 1000, failed: error !== undefined });
    if (error !== undefined) {
      const code = (error as { code?: unknown }).code;
      this.errors.unshift({ at, code: typeof code === 'string' ? code : 'INTERNAL', what: `${type}.${method}` });
      this.errors.length = Math.min(this.errors.length, MAX_ERRORS);
    }
  }

  snapshot(): NodeSnapshot {
    const now = Date.now();
    this.samples = this.samples.filter((s) => s.at > now - WINDOW_MS);
    const byType = new Map<string, { ms: number[]; errors: number }>();
    const byActor = new Map<string, number>();
    for (const s of this.samples) {
      const t = byType.get(s.type) ?? { ms: [], errors: 0 };
      t.ms.push(s.ms);
      if (s.failed) t.errors += 1;
      byType.set(s.type, t);
      byActor.set(s.actor, (byActor.get(s.actor) ?? 0) + 1);
    }
    const calls = [...byType].map(([type, t]) => {
      const sorted = t.ms.sort((a, b) => a - b);
      return { type, perSec: Math.round((sorted.length / (WINDOW_MS / 1000)) * 10) / 10, p99Ms: Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] * 10) / 10, errors: t.errors };
    });
    const busiest = [...byActor].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([actor, n]) => ({ actor, calls: n }));
    const destinations = [...this.sources.destinations()].map(([name, subscribers]) => ({ name: name.replace(/^dest\./, ''), subscribers }));
    return { node: this.node, url: this.url(), at: now, calls, busiest, errors: [...this.errors], destinations, connections: this.sources.connections() };
  }
}
