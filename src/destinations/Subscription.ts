import { randomUUID } from 'node:crypto';
import type { HeaderValue } from './Destination';
import type { EncodedMessage } from './EncodedMessage';
import type { Selector } from './Selector';
import type { SubtopicPattern } from './SubtopicPattern';

/** Where a subscription's messages go: a WebSocket session or an SSE response. */
export interface SubscriberSink {
  /** Bytes waiting to be sent: the subscriber's backlog. */
  readonly bufferedBytes: number;
  /** Sends the message to subscription `id`. */
  message(id: string, message: EncodedMessage): void;
  /** Tells subscription `id` that messages `[from, to]` are gone for it. */
  gap(id: string, destination: string, from: number, to: number): void;
}

/**
 * One subscriber of one destination on this node: a cursor (`next`, the sequence it expects) and a
 * filter. Messages are offered in sequence order; a jump forward is reported as a gap, a repeat is
 * dropped, so delivery is in order and without duplicates. A subscriber whose connection's backlog
 * passes `maxBufferedBytes` skips messages until it drains, then gets one gap for what it skipped
 * (it can resubscribe with `after` to fetch them): a slow subscriber never slows the others or
 * grows the node's memory.
 */
export class Subscription {
  readonly id = randomUUID().replace(/-/g, '');
  closed = false;
  private lagging: { from: number; to: number } | undefined;

  constructor(
    readonly destination: string,
    private readonly sink: SubscriberSink,
    private readonly filter: { subtopic?: SubtopicPattern; selector?: Selector },
    private readonly maxBufferedBytes: number,
    /** The next sequence this subscriber expects. */
    public next: number,
  ) {}

  /** Offers the message with sequence `encoded.message.seq`. */
  offer(encoded: EncodedMessage): void {
    const { seq } = encoded.message;
    if (this.closed || seq < this.next) return;
    if (seq > this.next) this.skip(this.next, seq - 1, true);
    this.next = seq + 1;
    if (!this.wants(encoded.message.t, encoded.message.h)) return;
    if (this.sink.bufferedBytes > this.maxBufferedBytes) {
      this.skip(seq, seq, false);
      return;
    }
    this.flushGap();
    this.sink.message(this.id, encoded);
  }

  /** Reports `[from, to]` as lost (overwritten before it was read), after moving the cursor past it. */
  lost(from: number, to: number): void {
    if (this.closed || to < this.next) return;
    this.skip(Math.max(from, this.next), to, true);
    this.next = to + 1;
  }

  private wants(subtopic: string | undefined, headers: Record<string, HeaderValue>): boolean {
    if (this.filter.subtopic && !this.filter.subtopic.matches(subtopic)) return false;
    if (this.filter.selector && !this.filter.selector.matches(headers)) return false;
    return true;
  }

  /** Records a skipped range; sends it at once when the connection can take it. */
  private skip(from: number, to: number, sendNow: boolean): void {
    this.lagging = this.lagging ? { from: Math.min(this.lagging.from, from), to: Math.max(this.lagging.to, to) } : { from, to };
    if (sendNow && this.sink.bufferedBytes <= this.maxBufferedBytes) this.flushGap();
  }

  private flushGap(): void {
    if (!this.lagging) return;
    const { from, to } = this.lagging;
    this.lagging = undefined;
    this.sink.gap(this.id, this.destination, from, to);
  }
}
