import type { GridStream } from '../grid';
import type { Logger } from '../runtime/Logger';
import type { Codecs } from '../protocol/Codecs';
import { EncodedMessage } from './EncodedMessage';
import type { StoredMessageCodec } from './StoredMessage';
import type { Subscription } from './Subscription';

/** How long one blocking read of the stream waits for new messages. */
const READ_WAIT_MS = 5000;
/** Most messages read at once. */
const READ_MAX = 1000;

/**
 * A node's reader of one destination's stream, running only while the node has subscribers to it.
 * It reads each message once, decodes and encodes it once, and offers it to every live subscription.
 * A subscription that starts behind (resuming with `after`) first catches up from the stream on
 * its own, then joins the live set at the feed's position, so nothing is missed or repeated.
 */
export class DestinationFeed {
  private readonly live = new Set<Subscription>();
  private readonly catchingUp = new Set<Subscription>();
  /** The next sequence the feed reads. */
  private position: number;
  private running = false;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly stream: GridStream,
    private readonly codec: StoredMessageCodec,
    private readonly codecs: Codecs,
    private readonly log: Logger,
    start: number,
    private readonly onIdle: (feed: DestinationFeed) => void,
  ) {
    this.position = start;
  }

  get size(): number {
    return this.live.size + this.catchingUp.size;
  }

  /** Adds a subscription whose cursor is `sub.next`: live at once, or after catching up. */
  add(sub: Subscription): void {
    if (sub.next >= this.position) this.live.add(sub);
    else {
      this.catchingUp.add(sub);
      this.catchUp(sub).catch((err: unknown) => {
        this.log.warn('subscription catch-up failed; it will resume live with a gap', { destination: this.name, err });
        this.catchingUp.delete(sub);
        if (!sub.closed) {
          sub.lost(sub.next, this.position - 1);
          this.live.add(sub);
        }
      });
    }
    if (!this.running) void this.run();
  }

  remove(sub: Subscription): void {
    sub.closed = true;
    this.live.delete(sub);
    this.catchingUp.delete(sub);
  }

  /** Stops reading (node shutdown). */
  stop(): void {
    this.stopped = true;
    for (const sub of [...this.live, ...this.catchingUp]) this.remove(sub);
  }

  private async catchUp(sub: Subscription): Promise<void> {
    while (!sub.closed && sub.next < this.position) {
      const result = await this.stream.read(sub.next, Math.min(READ_MAX, this.position - sub.next));
      if (result.lost) sub.lost(result.lost.from, result.lost.to);
      for (const item of result.items) sub.offer(new EncodedMessage(this.codecs, this.name, this.codec.decode(item.value, item.seq)));
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
        try {
          const result = await this.stream.read(this.position, READ_MAX, READ_WAIT_MS);
          failures = 0;
          if (result.lost) for (const sub of this.live) sub.lost(result.lost.from, result.lost.to);
          for (const item of result.items) {
            const encoded = new EncodedMessage(this.codecs, this.name, this.codec.decode(item.value, item.seq));
            for (const sub of this.live) sub.offer(encoded);
          }
          this.position = result.next;
        } catch (err) {
          failures += 1;
          if (failures === 1) this.log.warn('destination read failed; retrying', { destination: this.name, err });
          await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * failures)));
        }
      }
    } finally {
      this.running = false;
      if (this.size === 0) this.onIdle(this);
      else if (!this.stopped) void this.run();
    }
  }
}
