import { randomUUID } from 'node:crypto';

/**
 * Where one subscription's items go, built by the push user (destinations, shared objects) over a
 * transport's channel (a WebSocket, an SSE response).
 */
export interface PushSink<T> {
  /** Bytes queued on the connection and not yet sent: the subscriber's backlog. */
  readonly bufferedBytes: number;
  /**
   * Sends one item. Throw `UndeliverableItemError` when the item itself cannot be sent (it cannot be
   * encoded): it is reported as missed and the subscription goes on. Any other throw means this
   * subscriber is broken: its subscription is closed, alone.
   */
  send(item: T, subscription: PushSubscription<T>): void;
  /**
   * Items `[from, to]` will never reach this subscriber: overwritten before they were read, skipped
   * while its backlog was over the limit, or undeliverable. Called at most once per range, in order,
   * when the connection can take a frame. Destinations send a gap notification; shared objects send
   * one `reset` snapshot. Throwing closes the subscription.
   */
  missed(from: number, to: number, subscription: PushSubscription<T>): void;
}

/** Options of a `PushSubscription`. */
export interface PushSubscriptionOptions<T> {
  sink: PushSink<T>;
  /** The first stream sequence the subscriber expects. */
  next: number;
  /** Backlog (`sink.bufferedBytes`) past which items are skipped, then reported as one missed range. */
  maxBufferedBytes: number;
  /** Only items it returns true for are sent; the others still move the cursor. @default all items */
  filter?: (item: T) => boolean;
  /** The subscription's id. @default 32 random hex digits (`SUBSCRIPTION_ID_LENGTH`) */
  id?: string;
}

/** Thrown by `PushSink.send` for an item that cannot reach any subscriber: it is reported as missed. */
export class UndeliverableItemError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UndeliverableItemError';
  }
}

/** What happened when an item was offered; the feed logs failures once per item or subscriber. */
export type OfferOutcome = 'sent' | 'skipped' | { undeliverable: unknown } | { closed: unknown };

/**
 * One subscriber of one stream on this node: a cursor (`next`, the sequence it expects), a filter
 * and a sink. Items are offered in sequence order; a jump forward is reported as missed, a repeat is
 * dropped, so delivery is in order and without duplicates. A subscriber whose backlog passes
 * `maxBufferedBytes` skips items until it drains, then gets one missed range for what it skipped: a
 * slow subscriber never slows the others or grows the node's memory. Nothing here throws: a failing
 * sink closes its own subscription.
 *
 * @example
 * const sub = new PushSubscription({ sink, next: tail + 1, maxBufferedBytes: 1 << 20, filter: (d) => d.name === 'cart' });
 * hub.add('so.carts', source, sub, tail + 1);
 */
export class PushSubscription<T> {
  readonly id: string;
  /** The next sequence this subscriber expects. */
  next: number;
  private isClosed = false;
  /** What made the sink fail, when it did. */
  private failure: unknown;
  private lagging: { from: number; to: number } | undefined;
  private readonly closeListeners: Array<(err?: unknown) => void> = [];
  private readonly sink: PushSink<T>;
  private readonly filter: ((item: T) => boolean) | undefined;
  private readonly maxBufferedBytes: number;

  constructor(options: PushSubscriptionOptions<T>) {
    this.id = options.id ?? randomUUID().replace(/-/g, '');
    this.next = options.next;
    this.sink = options.sink;
    this.filter = options.filter;
    this.maxBufferedBytes = options.maxBufferedBytes;
  }

  /** True once closed: by `close()`, or because its sink failed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Ends the subscription (idempotent); close listeners run once, with the sink's error if it failed. */
  close(err?: unknown): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.failure = err;
    for (const listener of this.closeListeners.splice(0)) {
      try {
        listener(err);
      } catch {
        // A listener's bug must not stop the others (the feed's removal among them).
      }
    }
  }

  /** Runs `listener` when the subscription closes (at once if it already has). */
  onClose(listener: (err?: unknown) => void): void {
    if (this.isClosed) listener();
    else this.closeListeners.push(listener);
  }

  /** Offers the item with sequence `seq`. */
  offer(seq: number, item: T): OfferOutcome {
    if (this.isClosed || seq < this.next) return 'skipped';
    if (seq > this.next) this.skip(this.next, seq - 1, true);
    this.next = seq + 1;
    try {
      if (this.filter && !this.filter(item)) return 'skipped';
    } catch (err) {
      this.close(err);
      return { closed: err };
    }
    if (this.sink.bufferedBytes > this.maxBufferedBytes) {
      this.skip(seq, seq, false);
      return 'skipped';
    }
    this.flushMissed();
    if (this.isClosed) return { closed: this.failure };
    try {
      this.sink.send(item, this);
      return 'sent';
    } catch (err) {
      if (err instanceof UndeliverableItemError) {
        this.skip(seq, seq, true);
        return { undeliverable: err };
      }
      this.close(err);
      return { closed: err };
    }
  }

  /**
   * Reports `[from, to]` as missed (overwritten before it was read, or undecodable), after moving the
   * cursor past it. Ranges already behind the cursor are ignored.
   */
  lost(from: number, to: number): void {
    if (this.isClosed || to < this.next) return;
    this.skip(Math.max(from, this.next), to, true);
    this.next = to + 1;
  }

  /** Records a missed range; reports it at once when the connection can take it. */
  private skip(from: number, to: number, sendNow: boolean): void {
    this.lagging = this.lagging ? { from: Math.min(this.lagging.from, from), to: Math.max(this.lagging.to, to) } : { from, to };
    if (sendNow && this.sink.bufferedBytes <= this.maxBufferedBytes) this.flushMissed();
  }

  private flushMissed(): void {
    if (!this.lagging || this.isClosed) return;
    const { from, to } = this.lagging;
    this.lagging = undefined;
    try {
      this.sink.missed(from, to, this);
    } catch (err) {
      this.close(err);
    }
  }
}
