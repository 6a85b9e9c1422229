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

const WINDOW_SECONDS = 10;
const MAX_ERRORS = 20;
/** Distinct actors counted per second; past it, new ones are not counted (the busiest are seen early). */
const MAX_ACTORS_PER_SECOND = 20_000;
/** Latency buckets: bucket k holds calls of up to 0.05 ms × 1.2^k (k < 64: up to ~6 s; the last takes the rest). */
const LATENCY_BUCKETS = 64;
const LATENCY_BASE_MS = 0.05;
const LATENCY_GROWTH = 1.2;

/** One actor type's calls in one second. */
interface TypeSecond {
  calls: number;
  errors: number;
  latency: Uint32Array;
}

/** What one second of calls came to. */
interface Second {
  at: number;
  types: Map<string, TypeSecond>;
  /** Calls per actor, by type, then id (emptied once the second is over and `top` is kept). */
  actors: Map<string, Map<string, number>>;
  actorCount: number;
  /** Once the second is over: its busiest actors (`Type/id`, calls), most calls first. */
  top?: Array<[string, number]>;
}

/** Busiest actors kept per second; the window's busiest are summed from these. */
const TOP_PER_SECOND = 20;

/**
 * The live numbers of one node for the dashboard, over a sliding 10-second window: calls per second
 * and p99 per actor type, the busiest actors and the latest errors. In memory only (actor ids never
 * become metric labels). Calls are counted into per-second aggregates — a counter, a latency
 * histogram per type and a count per actor — so a call costs a few map lookups and no allocation,
 * and a snapshot merges at most ten seconds.
 */
export class DashboardStats {
  private readonly seconds: Second[] = [];
  private readonly errors: NodeSnapshot['errors'] = [];

  constructor(
    private readonly node: string,
    private readonly url: () => string,
    private readonly sources: SnapshotSources,
  ) {}

  /** Counts a call of actor (`type`, `id`) that took `seconds`; `error` when it failed. */
  call(type: string, method: string, error: unknown, seconds: number, id: string): void {
    const now = Date.now();
    const second = this.secondOf(now);
    let t = second.types.get(type);
    if (!t) second.types.set(type, (t = { calls: 0, errors: 0, latency: new Uint32Array(LATENCY_BUCKETS) }));
    t.calls += 1;
    t.latency[latencyBucket(seconds * 1000)] += 1;
    let ids = second.actors.get(type);
    if (!ids) second.actors.set(type, (ids = new Map()));
    const n = ids.get(id);
    if (n !== undefined) ids.set(id, n + 1);
    else if (second.actorCount < MAX_ACTORS_PER_SECOND) {
      ids.set(id, 1);
      second.actorCount += 1;
    }
    if (error !== undefined) {
      t.errors += 1;
      const code = (error as { code?: unknown }).code;
      this.errors.unshift({ at: now, code: typeof code === 'string' ? code : 'INTERNAL', what: `${type}.${method}` });
      this.errors.length = Math.min(this.errors.length, MAX_ERRORS);
    }
  }

  snapshot(): NodeSnapshot {
    const now = Date.now();
    this.drop(now);
    const byType = new Map<string, TypeSecond>();
    const byActor = new Map<string, number>();
    for (const second of this.seconds) {
      for (const [type, t] of second.types) {
        const sum = byType.get(type) ?? { calls: 0, errors: 0, latency: new Uint32Array(LATENCY_BUCKETS) };
        sum.calls += t.calls;
        sum.errors += t.errors;
        for (let k = 0; k < LATENCY_BUCKETS; k++) sum.latency[k] += t.latency[k];
        byType.set(type, sum);
      }
      for (const [actor, n] of this.busiestOf(second, now)) byActor.set(actor, (byActor.get(actor) ?? 0) + n);
    }
    const calls = [...byType].map(([type, t]) => ({ type, perSec: Math.round((t.calls / WINDOW_SECONDS) * 10) / 10, p99Ms: Math.round(percentile(t.latency, t.calls, 0.99) * 10) / 10, errors: t.errors }));
    const busiest = [...byActor].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([actor, n]) => ({ actor, calls: n }));
    const destinations = [...this.sources.destinations()].map(([name, subscribers]) => ({ name: name.replace(/^dest\./, ''), subscribers }));
    return { node: this.node, url: this.url(), at: now, calls, busiest, errors: [...this.errors], destinations, connections: this.sources.connections() };
  }

  private secondOf(now: number): Second {
    const at = Math.floor(now / 1000);
    const last = this.seconds[this.seconds.length - 1];
    if (last?.at === at) return last;
    this.drop(now);
    const second: Second = { at, types: new Map(), actors: new Map(), actorCount: 0 };
    this.seconds.push(second);
    return second;
  }

  /**
   * A second's busiest actors. A second that is over keeps only these (computed once), so a snapshot
   * merges at most ten short lists instead of every actor of ten seconds: an actor that was never
   * among a second's busiest is not counted in the window's.
   */
  private busiestOf(second: Second, now: number): Array<[string, number]> {
    if (second.top) return second.top;
    const top = busiest(second.actors, TOP_PER_SECOND);
    if (second.at < Math.floor(now / 1000)) {
      second.top = top;
      second.actors = new Map();
    }
    return top;
  }

  /** Forgets the seconds that left the window. */
  private drop(now: number): void {
    const oldest = Math.floor(now / 1000) - WINDOW_SECONDS;
    while (this.seconds.length > 0 && this.seconds[0].at <= oldest) this.seconds.shift();
  }
}

/** The `k` actors with the most calls, most first, without building a key for every actor. */
function busiest(actors: Map<string, Map<string, number>>, k: number): Array<[string, number]> {
  const top: Array<{ type: string; id: string; n: number }> = [];
  for (const [type, ids] of actors) {
    for (const [id, n] of ids) {
      if (top.length === k && n <= top[k - 1].n) continue;
      let at = top.length;
      while (at > 0 && top[at - 1].n < n) at -= 1;
      top.splice(at, 0, { type, id, n });
      if (top.length > k) top.pop();
    }
  }
  return top.map((a) => [`${a.type}/${a.id}`, a.n]);
}

function latencyBucket(ms: number): number {
  if (!(ms > LATENCY_BASE_MS)) return 0;
  return Math.min(LATENCY_BUCKETS - 1, Math.ceil(Math.log(ms / LATENCY_BASE_MS) / Math.log(LATENCY_GROWTH)));
}

/** The upper bound of the bucket holding the `q` quantile of `total` calls. */
function percentile(latency: Uint32Array, total: number, q: number): number {
  const rank = Math.ceil(total * q);
  let seen = 0;
  for (let k = 0; k < LATENCY_BUCKETS; k++) {
    seen += latency[k];
    if (seen >= rank) return LATENCY_BASE_MS * LATENCY_GROWTH ** k;
  }
  return LATENCY_BASE_MS * LATENCY_GROWTH ** (LATENCY_BUCKETS - 1);
}
