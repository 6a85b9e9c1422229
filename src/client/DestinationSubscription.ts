import type { ActorGridClient } from './ActorGridClient';
import { isRecord } from './clientErrors';
import { ResumableSubscription } from './ResumableSubscription';

/** A message of a destination, as `destination.message` carries it (docs/destinations.md). */
export interface DestinationMessage<B = unknown> {
  destination: string;
  seq: number;
  subtopic?: string;
  headers: Record<string, unknown>;
  body: B;
  publishedAt: number;
}

/** Messages `[from, to]` of a destination this subscription will never get (retention passed, backpressure). */
export interface DestinationGap {
  destination: string;
  from: number;
  to: number;
}

/** Options of {@link Destination.subscribe}. */
export interface DestinationSubscribeOptions {
  /** Only this subtopic or pattern (`rooms.*`). */
  subtopic?: string;
  /** Only messages whose headers match (`lang = 'en'`). */
  selector?: string;
  /** Start right after this sequence number. @default the next message published */
  after?: number;
  /** Ranges the subscription will never get. */
  onGap?: (gap: DestinationGap) => void;
  /**
   * A resubscribe after a reconnect that the node refused (e.g. FORBIDDEN); the subscription then
   * stays inactive. @default emits a process warning
   */
  onError?: (err: Error) => void;
}

/** A destination of the cluster, as `client.destination(name)` gives it. */
export class Destination {
  constructor(
    private readonly client: ActorGridClient,
    /** The destination's name, e.g. `chat`. */
    readonly name: string,
  ) {}

  /**
   * Subscribes `handler` to the destination's messages and resolves once the node confirmed it.
   * The subscription survives failover: after the client reconnected (to any node) it subscribes
   * again with `after` = the last sequence seen, so the handler gets every message once, in order,
   * without gaps unless reported to `onGap`.
   *
   * @example
   * const sub = await client.destination('chat').subscribe((m) => console.log(m.seq, m.body), { subtopic: 'rooms.*' });
   * await sub.unsubscribe();
   */
  async subscribe<B = unknown>(handler: (message: DestinationMessage<B>) => void, options: DestinationSubscribeOptions = {}): Promise<DestinationSubscription<B>> {
    const subscription = new DestinationSubscription<B>(this.client, this.name, handler, options);
    await subscription.start();
    return subscription;
  }
}

/**
 * One subscription of a destination, kept across reconnects. `lastSeq` is the last sequence
 * delivered (or skipped by a gap); a message at or before it is dropped as a duplicate.
 *
 * It subscribes in the compact form (`ResumableSubscription.subscribeRpc`) and hands the handler
 * the same `DestinationMessage` in either form.
 */
export class DestinationSubscription<B = unknown> extends ResumableSubscription {
  private seq = -1;

  /** @internal use `client.destination(name).subscribe()` */
  constructor(
    client: ActorGridClient,
    readonly destination: string,
    private readonly handler: (message: DestinationMessage<B>) => void,
    private readonly options: DestinationSubscribeOptions,
  ) {
    super(client, options.onError);
  }

  /** The last sequence delivered or skipped; -1 before the first. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Stops delivery and tells the node (when connected). */
  unsubscribe(): Promise<void> {
    return this.end('destination.unsubscribe', 'subscription');
  }

  protected async open(first: boolean): Promise<void> {
    const after = first ? this.options.after : this.seq;
    const params: Record<string, unknown> = { destination: this.destination };
    if (this.options.subtopic !== undefined) params.subtopic = this.options.subtopic;
    if (this.options.selector !== undefined) params.selector = this.options.selector;
    if (after !== undefined) params.after = after;
    const reply = await this.subscribeRpc<{ subscription: string; seq: number }>('destination.subscribe', params);
    if (!this.active) return;
    this.id = reply.subscription;
    // Without `after`, delivery starts after the destination's last sequence at subscribe time.
    if (after === undefined) this.seq = Math.max(this.seq, reply.seq);
    else this.seq = Math.max(this.seq, after);
  }

  protected onNotification(method: string, params: unknown): void {
    if (this.id === undefined) return;
    if (Array.isArray(params)) {
      if (params[0] === this.id) this.onCompact(method, params);
      return;
    }
    if (!isRecord(params) || params.subscription !== this.id) return;
    if (method === 'destination.message' && typeof params.seq === 'number') {
      const { subscription: _, ...message } = params;
      this.deliver(message as unknown as DestinationMessage<B>);
    } else if (method === 'destination.gap' && typeof params.to === 'number') {
      this.gap(params.from as number, params.to);
    }
  }

  /** A compact notification: `destination.message [id, seq, publishedAt, body, headers?, subtopic?]`, `destination.gap [id, from, to]`. */
  private onCompact(method: string, p: unknown[]): void {
    if (method === 'destination.message' && typeof p[1] === 'number') {
      const message: DestinationMessage<B> = { destination: this.destination, seq: p[1], headers: (p[4] ?? {}) as Record<string, unknown>, body: p[3] as B, publishedAt: p[2] as number };
      if (typeof p[5] === 'string') message.subtopic = p[5];
      this.deliver(message);
    } else if (method === 'destination.gap' && typeof p[2] === 'number') {
      this.gap(p[1] as number, p[2]);
    }
  }

  private deliver(message: DestinationMessage<B>): void {
    if (message.seq <= this.seq) return;
    this.seq = message.seq;
    this.handler(message);
  }

  private gap(from: number, to: number): void {
    this.seq = Math.max(this.seq, to);
    this.options.onGap?.({ destination: this.destination, from, to });
  }
}
