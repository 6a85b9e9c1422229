import type { Logger } from '../runtime/Logger';
import type { PushSubscription } from './PushSubscription';
import { StreamFeed, type FeedOptions, type FeedSource } from './StreamFeed';

/**
 * A node's feeds of one kind (destinations, shared objects…), keyed by stream name: the feed of a
 * stream is created by its first subscription and dropped when its last one closes, so a node reads
 * a stream only while someone on it listens.
 *
 * @example
 * const hub = new FeedHub<Delta>(log.child('shared-objects'));
 * const sub = new PushSubscription<Delta>({ sink, next: tail + 1, maxBufferedBytes });
 * hub.add(`so.${name}`, () => ({ stream, decode: decodeDelta }), sub, tail + 1);
 * // later: sub.close() — or hub.stop() at shutdown
 */
export class FeedHub<T> {
  private readonly feeds = new Map<string, StreamFeed<T>>();
  private stopped = false;

  constructor(
    private readonly log: Logger,
    private readonly options: FeedOptions = {},
  ) {}

  /**
   * Adds `subscription` to the feed of stream `name`. A new feed is built from `source()` and starts
   * reading at `start` (usually the stream's tail + 1 read just before); an existing feed keeps its
   * position, and a subscription behind it catches up on its own. After `stop()` the subscription
   * is closed at once; a closed subscription is ignored.
   */
  add(name: string, source: () => FeedSource<T>, subscription: PushSubscription<T>, start: number): void {
    if (this.stopped) subscription.close();
    if (subscription.closed) return;
    let feed = this.feeds.get(name);
    if (!feed) {
      feed = new StreamFeed<T>(name, source(), this.log, start, (idle) => {
        if (this.feeds.get(name) === idle) this.feeds.delete(name);
      }, this.options);
      this.feeds.set(name, feed);
    }
    feed.add(subscription);
  }

  /** Streams with a feed right now, and how many subscriptions each serves (for metrics and tests). */
  stats(): Map<string, number> {
    return new Map([...this.feeds].map(([name, feed]) => [name, feed.size]));
  }

  /** Stops every feed and closes their subscriptions (node shutdown). */
  stop(): void {
    this.stopped = true;
    for (const feed of this.feeds.values()) feed.stop();
    this.feeds.clear();
  }
}
