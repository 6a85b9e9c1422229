import { randomUUID } from 'node:crypto';
import type { Grid, GridStream } from '../grid';
import { FeedHub, PushSubscription, type FeedSource } from '../push';
import type { Logger } from '../runtime/Logger';
import { ChangeItemCodec, changeStream, type ChangeItem } from './ChangeItem';
import type { CollectionSpec } from './CollectionRegistry';
import { Watch, type DataRecordView, type WatchChannel, type WatchTarget } from './Watch';
import { WatchIndex } from './WatchIndex';

/** A change as the node's feed offers it: decoded once, with its stream sequence. */
interface FedChange {
  seq: number;
  change: ChangeItem;
}

/** How a watch starts. */
export interface WatchStart {
  /** The first stream sequence it processes. */
  next: number;
  /** What the client was given (so that changes it already has are not sent again). */
  records?: DataRecordView[];
}

/**
 * The watches of one node. Each collection with watches here has one subscription to its change
 * stream (`data.<collection>`) through the push core: every change is read and decoded once per
 * node, then offered only to the watches the collection's WatchIndex finds for it. A watch that
 * starts behind the feed (a resume with `after`) reads the stream itself up to the feed, then
 * follows it. When a collection's last watch here ends, its subscription ends too.
 */
export class DataWatches {
  private readonly hub: FeedHub<FedChange>;
  private readonly codec = new ChangeItemCodec();
  private readonly feeds = new Map<string, { index: WatchIndex; sub: PushSubscription<FedChange> }>();

  constructor(
    private readonly grid: Grid,
    private readonly log: Logger,
    private readonly maxBufferedBytes: number,
    private readonly load: (spec: CollectionSpec, target: WatchTarget) => Promise<DataRecordView[]>,
  ) {
    this.hub = new FeedHub(log);
  }

  /** The change stream of a collection. */
  stream(spec: CollectionSpec): GridStream {
    return this.grid.stream(changeStream(spec.name), { capacity: spec.retention });
  }

  /**
   * A new watch, not yet receiving anything: `activate` (once the reply that announces it is on its
   * way) files it and starts delivery from `start.next`.
   */
  create(spec: CollectionSpec, target: WatchTarget, channel: WatchChannel, start: WatchStart): { watch: Watch; activate: () => void } {
    const stream = this.stream(spec);
    const watch = new Watch(
      randomUUID().replace(/-/g, ''),
      spec.name,
      target,
      channel,
      {
        tail: () => stream.tail(),
        load: (t) => this.load(spec, t),
        read: async (from, max) => {
          const result = await stream.read(from, max);
          if (result.lost) return { items: [], lost: true };
          return { items: result.items.map((item) => ({ seq: item.seq, change: this.codec.decode(item.value) })) };
        },
      },
      this.maxBufferedBytes,
      (err) => this.log.warn('a data watch failed and was closed', { collection: spec.name, err }),
      start,
    );
    return { watch, activate: () => this.activate(spec, stream, watch) };
  }

  /** Watches on this node per collection (metrics, tests). */
  stats(): Map<string, number> {
    return new Map([...this.feeds].map(([name, feed]) => [name, feed.index.size]));
  }

  stop(): void {
    this.hub.stop();
    for (const { index } of this.feeds.values()) index.all().forEach((w) => w.close());
    this.feeds.clear();
  }

  private activate(spec: CollectionSpec, stream: GridStream, watch: Watch): void {
    if (watch.closed) return;
    let feed = this.feeds.get(spec.name);
    if (!feed || feed.sub.closed) {
      const index = new WatchIndex();
      const sub = new PushSubscription<FedChange>({
        next: watch.next,
        maxBufferedBytes: Number.MAX_SAFE_INTEGER,
        sink: {
          bufferedBytes: 0,
          send: ({ seq, change }) => {
            for (const w of index.candidates(change)) w.offer(seq, change);
          },
          missed: (from, to) => {
            this.log.warn('changes were lost before this node read them; its watches get a reset', { collection: spec.name, from, to });
            for (const w of index.all()) w.lost(from, to);
          },
        },
      });
      feed = { index, sub };
      this.feeds.set(spec.name, feed);
      const source = (): FeedSource<FedChange> => ({ stream, decode: (bytes, seq) => ({ seq, change: this.codec.decode(bytes) }) });
      this.hub.add(changeStream(spec.name), source, sub, watch.next);
    }
    const { index, sub } = feed;
    index.add(watch);
    watch.onClose(() => {
      index.remove(watch);
      if (index.size === 0 && this.feeds.get(spec.name)?.index === index) {
        this.feeds.delete(spec.name);
        sub.close();
      }
    });
    // The feed may be past where the watch starts: it reads that part itself.
    watch.catchUp(sub.next);
  }
}
