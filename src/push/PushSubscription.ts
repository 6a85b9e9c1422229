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
   * one `reset` snapshot. Throwing (or a rejected promise) closes the subscription.
   *
   * It may return a promise (a snapshot being read): until it resolves, items offered are held, not
   * sent; then they are replayed in order through the filter — which can drop what the snapshot
   * already covers — so nothing reaches the client between a reset's start and the reset itself.
   */
  missed(from: number, to: number, subscription: PushSubscription<T>): void | PromiseLike<void>;
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
  /**
   * Items held while an asynchronous `missed` (a reset) runs; beyond it they become one more missed
   * range, reported when the reset is done. @default 1000
   */
  maxHeldItems?: number;
  /** Hears of each missed range just before the sink is told (metrics). @default none */
  onMissed?: () => void;
}

/** Thrown by `PushSink.send` for an item that cannot reach any subscriber: it is reported as missed. */
export class UndeliverableItemError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UndeliverableItemError';
  }
}

/** What happened when an item was offered; the feed logs failures once per item or subscriber. */
export type OfferOutcome = 'sent' | 'skipped' | 'held' | { undeliverable: unknown } | { closed: unknown };

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
  /** What comes while an asynchronous `missed` runs, replayed when it resolves. */
  private held: Held<T> | undefined;
  private readonly maxHeldItems: number;
  private readonly closeListeners: Array<(err?: unknown) => void> = [];
  private readonly sink: PushSink<T>;
  private readonly filter: ((item: T) => boolean) | undefined;
  private readonly maxBufferedBytes: number;
  private readonly onMissed: (() => void) | undefined;

  constructor(options: PushSubscriptionOptions<T>) {
    this.id = options.id ?? randomUUID().replace(/-/g, '');
    this.next = options.next;
    this.sink = options.sink;
    this.filter = options.filter;
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.maxHeldItems = options.maxHeldItems ?? 1000;
    this.onMissed = options.onMissed;
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
    if (this.held) return this.hold(seq, { seq, item });
    if (seq > this.next) this.record(this.next, seq - 1);
    this.next = seq + 1;
    try {
      if (this.filter && !this.filter(item)) {
        this.flushIfDrained(seq + 1);
        return this.isClosed ? { closed: this.failure } : 'skipped';
      }
    } catch (err) {
      this.close(err);
      return { closed: err };
    }
    if (this.sink.bufferedBytes > this.maxBufferedBytes) {
      this.record(seq, seq);
      return 'skipped';
    }
    this.flushMissed(seq);
    if (this.isClosed) return { closed: this.failure };
    if (this.held) return this.hold(seq, { seq, item });
    try {
      this.sink.send(item, this);
      return 'sent';
    } catch (err) {
      if (err instanceof UndeliverableItemError) {
        this.record(seq, seq);
        this.flushIfDrained(seq + 1);
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
    const start = Math.max(from, this.next);
    if (this.held) {
      this.hold(to, { from: start, to });
      return;
    }
    this.record(start, to);
    this.next = to + 1;
    this.flushIfDrained(this.next);
  }

  /** Adds `[from, to]` to the range not yet reported. */
  private record(from: number, to: number): void {
    this.lagging = this.lagging ? { from: Math.min(this.lagging.from, from), to: Math.max(this.lagging.to, to) } : { from, to };
  }

  private flushIfDrained(resumeAt: number): void {
    if (this.lagging && this.sink.bufferedBytes <= this.maxBufferedBytes) this.flushMissed(resumeAt);
  }

  /**
   * Reports the range not yet reported. When the sink answers with a promise (a reset being read),
   * whatever comes meanwhile is held and replayed from `resumeAt` once it resolves.
   */
  private flushMissed(resumeAt: number): void {
    if (!this.lagging || this.isClosed) return;
    const { from, to } = this.lagging;
    this.lagging = undefined;
    let pending: void | PromiseLike<void>;
    try {
      this.onMissed?.();
      pending = this.sink.missed(from, to, this);
    } catch (err) {
      this.close(err);
      return;
    }
    if (pending && typeof pending.then === 'function') {
      const held: Held<T> = { entries: [], resumeAt };
      this.held = held;
      pending.then(
        () => this.release(held),
        (err: unknown) => this.close(err),
      );
    }
  }

  /** Keeps an item or a lost range while a reset is pending; past `maxHeldItems` it all becomes one lost range. */
  private hold(last: number, entry: HeldEntry<T>): OfferOutcome {
    const held = this.held!;
    this.next = last + 1;
    if (held.entries.length < this.maxHeldItems) held.entries.push(entry);
    else {
      const first = held.entries[0];
      held.entries = [{ from: 'seq' in first ? first.seq : first.from, to: last }];
    }
    return 'held';
  }

  /** Replays what was held, in order, through the normal path (filter, backpressure, gaps). */
  private release(held: Held<T>): void {
    if (this.held !== held || this.isClosed) return;
    this.held = undefined;
    this.next = held.resumeAt;
    // If a replayed entry starts another reset, `offer`/`lost` hold the rest again, in order.
    for (const entry of held.entries) {
      if ('seq' in entry) this.offer(entry.seq, entry.item);
      else this.lost(entry.from, entry.to);
    }
  }
}

type HeldEntry<T> = { seq: number; item: T } | { from: number; to: number };

interface Held<T> {
  entries: HeldEntry<T>[];
  /** The sequence the cursor goes back to for the replay. */
  resumeAt: number;
}
