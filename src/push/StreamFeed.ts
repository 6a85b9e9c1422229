import type { GridStream } from '../grid';
import type { Logger } from '../runtime/Logger';
import type { OfferOutcome, PushSubscription } from './PushSubscription';

/** Turns one stream item into what subscriptions are offered; called once per item per node. May throw. */
export type ItemDecoder<T> = (bytes: Buffer, seq: number) => T;

/** What a feed reads: the stream and how to decode its items. */
export interface FeedSource<T> {
  stream: GridStream;
  decode: ItemDecoder<T>;
}

/** Tuning of a feed's reads. */
export interface FeedOptions {
  /** How long one blocking read waits for new items. @default 5000 */
  readWaitMs?: number;
  /** Most items read at once. @default 1000 */
  readMax?: number;
  /**
   * Told once per item how many subscriptions it was sent to (`count` > 0), with the stream's name
   * as the hub knows it: metrics count deliveries per item, not one call per delivery.
   */
  onSent?: (name: string, count: number) => void;
}

/**
 * A node's reader of one grid stream, running only while it has subscriptions. It reads each item
 * once, decodes it once (`source.decode`) and offers it, in order, to every live subscription. A
 * subscription that starts behind the feed first catches up from the stream on its own, then joins
 * the live set at the feed's position, so nothing is missed or repeated. Lost ranges (overwritten
 * before they were read) are reported to the subscriptions they concern.
 *
 * Failures stay where they happen: an item that cannot be decoded is reported as missed (logged
 * once) and the feed moves on; a subscription whose sink fails is closed alone. Only a failed read of
 * the stream is retried, from the same position, so a retry never repeats or reports anything twice.
 */
export class StreamFeed<T> {
  private readonly live = new Set<PushSubscription<T>>();
  private readonly catchingUp = new Set<PushSubscription<T>>();
  /** The next sequence the feed reads. */
  private position: number;
  private running = false;
  private stopped = false;
  private readonly readWaitMs: number;
  private readonly readMax: number;
  private readonly onSent: FeedOptions['onSent'];

  constructor(
    readonly name: string,
    private readonly source: FeedSource<T>,
    private readonly log: Logger,
    start: number,
    private readonly onIdle: (feed: StreamFeed<T>) => void,
    options: FeedOptions = {},
  ) {
    this.position = start;
    this.readWaitMs = options.readWaitMs ?? 5000;
    this.readMax = options.readMax ?? 1000;
    this.onSent = options.onSent;
  }

  /** Subscriptions served, catching up or live. */
  get size(): number {
    return this.live.size + this.catchingUp.size;
  }

  /** Adds a subscription whose cursor is `sub.next`: live at once, or after catching up. */
  add(sub: PushSubscription<T>): void {
    if (this.stopped || sub.closed) return;
    sub.onClose(() => this.remove(sub));
    if (sub.next >= this.position) this.live.add(sub);
    else {
      this.catchingUp.add(sub);
      this.catchUp(sub).catch((err: unknown) => {
        this.log.warn('subscription catch-up failed; it resumes live with a gap', { stream: this.name, err });
        this.catchingUp.delete(sub);
        if (!sub.closed) {
          sub.lost(sub.next, this.position - 1);
          this.live.add(sub);
        }
      });
    }
    if (!this.running) void this.run();
  }

  /** Forgets a subscription (its `close()` does this too). */
  remove(sub: PushSubscription<T>): void {
    this.live.delete(sub);
    this.catchingUp.delete(sub);
  }

  /** Stops reading and closes every subscription (node shutdown). */
  stop(): void {
    this.stopped = true;
    for (const sub of [...this.live, ...this.catchingUp]) sub.close();
  }

  private async catchUp(sub: PushSubscription<T>): Promise<void> {
    while (!sub.closed && sub.next < this.position) {
      const result = await this.source.stream.read(sub.next, Math.min(this.readMax, this.position - sub.next));
      if (result.lost) sub.lost(result.lost.from, result.lost.to);
      for (const item of result.items) this.deliver(item.seq, item.value, [sub]);
      if (result.items.length === 0 && !result.lost) break;
    }
    this.catchingUp.delete(sub);
    if (!sub.closed) this.live.add(sub);
  }

  private async run(): Promise<void> {
    this.running = true;
    let failures = 0;
    try {
      while (!this.stopped && this.size > 0) {
        let result;
        try {
          result = await this.source.stream.read(this.position, this.readMax, this.readWaitMs);
          failures = 0;
        } catch (err) {
          if (this.stopped) break; // the node is shutting down its grid client: not a failure
          failures += 1;
          if (failures === 1) this.log.warn('stream read failed; retrying', { stream: this.name, err });
          await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * failures)));
          continue;
        }
        // From here nothing throws: delivery isolates every failure, so the position always advances.
        if (result.lost) for (const sub of this.live) sub.lost(result.lost.from, result.lost.to);
        for (const item of result.items) this.deliver(item.seq, item.value, this.live);
        this.position = result.next;
      }
    } finally {
      this.running = false;
      if (this.size === 0 || this.stopped) this.onIdle(this);
      else void this.run();
    }
  }

  /** Decodes one item and offers it to `subs`; an undecodable item is missed by all of them. */
  private deliver(seq: number, bytes: Buffer, subs: Iterable<PushSubscription<T>>): void {
    let item: T;
    try {
      item = this.source.decode(bytes, seq);
    } catch (err) {
      this.log.warn('stream item cannot be decoded; subscribers get a gap', { stream: this.name, seq, err });
      for (const sub of subs) sub.lost(seq, seq);
      return;
    }
    let reported = false;
    let sent = 0;
    // Iterating a Set while a failing subscription deletes itself from it is safe.
    for (const sub of subs) {
      const outcome: OfferOutcome = sub.offer(seq, item);
      if (outcome === 'sent') sent += 1;
      if (typeof outcome === 'string') continue;
      if ('undeliverable' in outcome && !reported) {
        reported = true;
        this.log.warn('stream item cannot be sent; subscribers get a gap', { stream: this.name, seq, err: outcome.undeliverable });
      } else if ('closed' in outcome && outcome.closed !== undefined) {
        this.log.warn('subscriber failed; its subscription is closed', { stream: this.name, seq, subscription: sub.id, err: outcome.closed });
      }
    }
    if (sent > 0) this.onSent?.(this.name, sent);
  }
}
