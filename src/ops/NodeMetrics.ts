import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the node's gauges read when scraped. */
export interface MetricSources {
  wsConnections(): number;
  sseStreams(): number;
  /** Subscriptions (destinations, shared objects) and watches on this node. */
  subscribers(): { destinations: number; sharedObjects: number; watches: number };
  /** Destination subscriptions on this node, by destination name. */
  destinationSubscribers(): ReadonlyMap<string, number>;
  inflight(): number;
}

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The node's Prometheus metrics (prom-client), in a registry of its own (nothing process-global, so
 * two nodes in one process keep their own counts), served at `GET /metrics`. Labels are low
 * cardinality: method names, actor types and their methods, grid operations, destination names,
 * outcome codes — never actor ids or clients. docs/operations.md lists every metric.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'outcome'>;
  private readonly requestSeconds: Histogram<'method'>;
  private readonly calls: Counter<'type' | 'method' | 'outcome'>;
  private readonly turnSeconds: Histogram<'type'>;
  private readonly turnBatch: Histogram<'type'>;
  private readonly lockWaitSeconds: Histogram<'type'>;
  private readonly turnEvents: Counter<'type' | 'event'>;
  private readonly replays: Counter<'type'>;
  private readonly gridSeconds: Histogram<'op'>;
  private readonly gridErrors: Counter<'op'>;
  private readonly published: Counter<'destination'>;
  private readonly reminders: Counter<'type' | 'event'>;
  private readonly delivered: Counter<'destination'>;
  private readonly gaps: Counter<'destination'>;
  private readonly wsBytes: Counter<'direction'>;
  /** WebSocket payload bytes since the last scrape (`bytes()`). */
  private bytesIn = 0;
  private bytesOut = 0;

  constructor(sources: MetricSources, nodeId: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: nodeId });
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'actorgrid_requests_total', help: 'Requests run by the dispatcher (every transport), by method and outcome (ok or error code).', labelNames: ['method', 'outcome'], registers });
    this.requestSeconds = new Histogram({ name: 'actorgrid_request_duration_seconds', help: 'Time from dispatch to answer, by method.', labelNames: ['method'], buckets: SECONDS, registers });
    this.calls = new Counter({ name: 'actorgrid_actor_calls_total', help: 'Actor calls (from clients and from other actors), by actor type, method and outcome (ok or error code: LOCK_TIMEOUT, CONFLICT… included).', labelNames: ['type', 'method', 'outcome'], registers });
    this.turnSeconds = new Histogram({ name: 'actorgrid_turn_duration_seconds', help: 'Turns: lock wait, read, calls, fenced write and unlock, by actor type.', labelNames: ['type'], buckets: SECONDS, registers });
    this.turnBatch = new Histogram({ name: 'actorgrid_turn_batch_size', help: 'Calls run by one turn, by actor type.', labelNames: ['type'], buckets: [1, 2, 4, 8, 16, 32, 64], registers });
    this.lockWaitSeconds = new Histogram({ name: 'actorgrid_lock_wait_seconds', help: 'How long turns waited for an actor\'s lock (timeouts included), by actor type.', labelNames: ['type'], buckets: SECONDS, registers });
    this.turnEvents = new Counter({ name: 'actorgrid_turn_events_total', help: 'How turns went, by actor type and event: backoff (a call rolled back because its nested call met a busy actor), pin (a lock taken for such a call), held (a batch run under a lock kept from the previous one).', labelNames: ['type', 'event'], registers });
    this.replays = new Counter({ name: 'actorgrid_idempotent_replays_total', help: 'Calls answered from a stored outcome (a retry with a known idempotency key), by actor type.', labelNames: ['type'], registers });
    this.gridSeconds = new Histogram({ name: 'actorgrid_grid_op_duration_seconds', help: 'Grid operations, by operation (map.get, map.replaceIfSame, stream.read…).', labelNames: ['op'], buckets: SECONDS, registers });
    this.gridErrors = new Counter({ name: 'actorgrid_grid_op_errors_total', help: 'Grid operations that failed, by operation.', labelNames: ['op'], registers });
    this.published = new Counter({ name: 'actorgrid_destination_publishes_total', help: 'Messages published by clients, by destination.', labelNames: ['destination'], registers });
    this.reminders = new Counter({ name: 'actorgrid_reminders_total', help: 'Due reminders this node took, by actor type and what became of them: fired, skipped (the record said not due: cancelled, moved, or fired by another node), failed (the method threw; tried again later), gaveUp (after reminders.maxTries), deferred (could not run now: the actor stayed locked, the grid failed).', labelNames: ['type', 'event'], registers });
    this.delivered = new Counter({ name: 'actorgrid_destination_deliveries_total', help: 'Destination messages written to subscribers on this node (one per subscriber), by destination.', labelNames: ['destination'], registers });
    this.gaps = new Counter({ name: 'actorgrid_destination_gaps_total', help: 'destination.gap notifications sent to subscribers on this node (skipped for backpressure, overwritten, or undeliverable), by destination.', labelNames: ['destination'], registers });
    this.wsBytes = new Counter({ name: 'actorgrid_websocket_bytes_total', help: 'WebSocket payload bytes, by direction (in, out).', labelNames: ['direction'], registers, collect: () => {
      if (this.bytesIn > 0) this.wsBytes.inc({ direction: 'in' }, this.bytesIn);
      if (this.bytesOut > 0) this.wsBytes.inc({ direction: 'out' }, this.bytesOut);
      this.bytesIn = this.bytesOut = 0;
    } });
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({ name, help, registers, collect() {
        this.set(read());
      } });
    };
    gauge('actorgrid_websocket_connections', 'Open WebSocket connections.', sources.wsConnections);
    gauge('actorgrid_sse_streams', 'Open Server-Sent Event streams.', sources.sseStreams);
    gauge('actorgrid_inflight_calls', 'Actor calls in progress on this node.', sources.inflight);
    new Gauge({ name: 'actorgrid_subscribers', help: 'Subscriptions and watches on this node, by kind.', labelNames: ['kind'], registers, collect() {
      const s = sources.subscribers();
      this.set({ kind: 'destination' }, s.destinations);
      this.set({ kind: 'sharedObject' }, s.sharedObjects);
      this.set({ kind: 'watch' }, s.watches);
    } });
    new Gauge({ name: 'actorgrid_destination_subscribers', help: 'Destination subscriptions on this node, by destination.', labelNames: ['destination'], registers, collect() {
      this.reset();
      for (const [destination, n] of sources.destinationSubscribers()) this.set({ destination }, n);
    } });
  }

  /** The text exposition format, and its content type. */
  async scrape(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  request(method: string, seconds: number, error?: unknown): void {
    this.requests.inc({ method, outcome: outcomeOf(error) });
    this.requestSeconds.observe({ method }, seconds);
  }

  call(type: string, method: string, error?: unknown): void {
    this.calls.inc({ type, method, outcome: outcomeOf(error) });
  }

  turn(type: string, seconds: number, batch: number): void {
    this.turnSeconds.observe({ type }, seconds);
    this.turnBatch.observe({ type }, batch);
  }

  lockWait(type: string, seconds: number): void {
    this.lockWaitSeconds.observe({ type }, seconds);
  }

  turnEvent(type: string, event: string): void {
    this.turnEvents.inc({ type, event });
  }

  replay(type: string): void {
    this.replays.inc({ type });
  }

  grid(op: string, seconds: number, failed: boolean): void {
    this.gridSeconds.observe({ op }, seconds);
    if (failed) this.gridErrors.inc({ op });
  }

  reminder(type: string, event: string): void {
    this.reminders.inc({ type, event });
  }

  /** Counts destination traffic, by destination name (see `DestinationObserver`). */
  readonly destinations = {
    published: (destination: string): void => void this.published.inc({ destination }),
    delivered: (destination: string, count: number): void => void this.delivered.inc({ destination }, count),
    gap: (destination: string): void => void this.gaps.inc({ destination }),
  };

  /** Counts WebSocket payload bytes: summed here, handed to the counter when scraped (a frame is too small a unit for a labelled `inc`). */
  bytes(direction: 'in' | 'out', n: number): void {
    if (direction === 'out') this.bytesOut += n;
    else this.bytesIn += n;
  }
}

function outcomeOf(error: unknown): string {
  if (error === undefined) return 'ok';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : 'INTERNAL';
}
