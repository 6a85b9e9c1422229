import type { ChangeItem } from './ChangeItem';
import type { RecordValue } from './DataRecord';
import type { Where } from './Where';
import { compareRecords, type OrderBy } from './orderBy';

/** A record as a client sees it. */
export interface DataRecordView {
  id: string;
  version: number;
  value: RecordValue;
}

/** What a watch sends (`data.change`). */
export interface DataChange {
  watch: string;
  collection: string;
  id: string;
  kind: 'added' | 'changed' | 'removed';
  version: number;
  value?: RecordValue;
  cursor: string;
}

/** Where a watch's notifications go: a WebSocket or an SSE response. */
export interface WatchChannel {
  readonly bufferedBytes: number;
  /** Sends `data.change`. */
  sendChange(change: DataChange): void;
  /** Sends `data.reset`: the watch missed changes; `records` is its whole current set. */
  sendReset(watch: string, collection: string, records: DataRecordView[], cursor: string): void;
}

/** What a watch watches: one record (`data.get`), or the records a query selects. */
export type WatchTarget = { kind: 'record'; id: string } | { kind: 'query'; where: Where; orderBy: OrderBy; limit?: number };

/** What a watch needs from its node: the current result, read anew (a reset, a window refill). */
export interface WatchSource {
  /** The stream's tail (-1 when empty), read before `load`. */
  tail(): Promise<number>;
  /** The watch's current set, ordered (for a record watch: the record, if it exists). */
  load(target: WatchTarget): Promise<DataRecordView[]>;
  /** Reads `[from, …)` of the stream directly (catch-up); `lost` when `from` was overwritten. */
  read(from: number, max: number): Promise<{ items: Array<{ seq: number; change: ChangeItem }>; lost?: boolean }>;
}

/** How many record versions a watch remembers to drop repeats (a stream item appended twice, an item older than the result it started from). */
const MAX_VERSIONS = 10_000;

/**
 * One client's watch on one node. It is offered, in stream order, only the changes its node's index
 * found could concern it (the record's value before or after shares its equality term), decides
 * exactly (the WebORB rule: the record is in its set before the change, after it, or both) and sends
 * `added`, `changed` or `removed`. A limited watch keeps its window (orderBy + limit) full: when a
 * record leaves a full window, the next one enters. A watch that cannot be given a change (its
 * connection's buffer is full, or the stream lost it) gets one `data.reset` with its whole set.
 *
 * While it reads the stream itself (catching up after a resume, refilling its window, resetting),
 * what the feed offers is held and processed afterwards, so order is kept.
 */
export class Watch {
  /** The next stream sequence to process. */
  next: number;
  private busy = 0;
  private held: Array<[number, ChangeItem]> = [];
  private readonly versions = new Map<string, number>();
  private window: DataRecordView[] | undefined;
  private stale = false;
  private isClosed = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    readonly id: string,
    readonly collection: string,
    readonly target: WatchTarget,
    private readonly channel: WatchChannel,
    private readonly source: WatchSource,
    private readonly maxBufferedBytes: number,
    private readonly onError: (err: unknown) => void,
    start: { next: number; records?: DataRecordView[] },
  ) {
    this.next = start.next;
    if (start.records) this.know(start.records);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The client's set as this watch knows it, for a limited query (its window). */
  private get limited(): boolean {
    return this.target.kind === 'query' && this.target.limit !== undefined;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  onClose(listener: () => void): void {
    if (this.isClosed) listener();
    else this.closeListeners.push(listener);
  }

  /** Offers a change at stream sequence `seq` (the node's feed calls this in order). */
  offer(seq: number, change: ChangeItem): void {
    if (this.isClosed) return;
    if (this.busy > 0) this.held.push([seq, change]);
    else this.process(seq, change);
  }

  /** The feed lost `[from, to]` before it could be read: a reset if it concerned this watch. */
  lost(from: number, to: number): void {
    if (this.isClosed || to < this.next) return;
    this.next = to + 1;
    void this.reset();
  }

  /** Reads the stream from `next` up to `until` itself (the feed is already past it). */
  catchUp(until: number): void {
    if (this.next >= until) return;
    void this.whileBusy(async () => {
      while (!this.isClosed && this.next < until) {
        const { items, lost } = await this.source.read(this.next, Math.min(1000, until - this.next));
        if (lost) {
          await this.resetNow();
          return;
        }
        if (items.length === 0) break;
        for (const { seq, change } of items) this.process(seq, change);
      }
    });
  }

  private process(seq: number, change: ChangeItem): void {
    if (this.isClosed || seq < this.next) return;
    this.next = seq + 1;
    // The index offers a record watch only its record, but a catch-up reads every change of the collection.
    if (this.target.kind === 'record' && change.id !== this.target.id) return;
    if ((this.versions.get(change.id) ?? 0) >= change.v) return; // already in what the client has
    const before = this.inSetBefore(change);
    const after = this.matches(change.n);
    if (!before && !after) return;
    if (this.stale) return;
    if (this.channel.bufferedBytes > this.maxBufferedBytes) {
      // It cannot take this change now: once its buffer drains it gets its whole set instead.
      this.stale = true;
      const drained = setInterval(() => {
        if (this.isClosed || this.channel.bufferedBytes <= this.maxBufferedBytes) {
          clearInterval(drained);
          if (!this.isClosed) void this.reset();
        }
      }, 100);
      drained.unref();
      return;
    }
    this.remember(change.id, change.v);
    if (this.limited) this.processWindowed(seq, change, before, after);
    else this.send(seq, change, before && after ? 'changed' : after ? 'added' : 'removed', change.n);
  }

  private inSetBefore(change: ChangeItem): boolean {
    if (this.window) return this.window.some((r) => r.id === change.id);
    return this.matches(change.p);
  }

  private matches(value: RecordValue | null): boolean {
    if (value === null) return false;
    return this.target.kind === 'record' ? true : this.target.where.matches(value);
  }

  /** A limited watch: the window changes; a record leaving a full window lets the next one in. */
  private processWindowed(seq: number, change: ChangeItem, before: boolean, after: boolean): void {
    const target = this.target as Extract<WatchTarget, { kind: 'query' }>;
    const window = this.window!;
    const limit = target.limit!;
    const wasFull = window.length >= limit;
    const at = window.findIndex((r) => r.id === change.id);
    const view: DataRecordView | undefined = change.n ? { id: change.id, version: change.v, value: change.n } : undefined;
    if (before && (!after || !view)) {
      window.splice(at, 1);
      this.send(seq, change, 'removed', null);
      if (wasFull) this.refill(seq);
      return;
    }
    if (before && view) {
      window[at] = view;
      window.sort((a, b) => compareRecords(target.orderBy, a, b));
      this.send(seq, change, 'changed', change.n);
      // It is last in a full window now: a record outside may come before it.
      if (wasFull && window[window.length - 1].id === change.id) this.refill(seq);
      return;
    }
    if (!view) return;
    if (wasFull && compareRecords(target.orderBy, view, window[window.length - 1]) > 0) return; // outside the window
    window.push(view);
    window.sort((a, b) => compareRecords(target.orderBy, a, b));
    this.send(seq, change, 'added', change.n);
    if (window.length > limit) {
      const out = window.pop()!;
      this.channel.sendChange({ watch: this.id, collection: this.collection, id: out.id, kind: 'removed', version: out.version, cursor: String(seq) });
    }
  }

  /** Loads the window anew and sends the difference (what entered, what left). */
  private refill(seq: number): void {
    void this.whileBusy(async () => {
      const fresh = await this.source.load(this.target);
      const window = this.window!;
      const kept = new Map(window.map((r) => [r.id, r]));
      const cursor = String(seq);
      for (const r of window) if (!fresh.some((f) => f.id === r.id)) this.channel.sendChange({ watch: this.id, collection: this.collection, id: r.id, kind: 'removed', version: r.version, cursor });
      for (const r of fresh) {
        const had = kept.get(r.id);
        if (!had) this.channel.sendChange({ watch: this.id, collection: this.collection, id: r.id, kind: 'added', version: r.version, value: r.value, cursor });
        else if (had.version < r.version) this.channel.sendChange({ watch: this.id, collection: this.collection, id: r.id, kind: 'changed', version: r.version, value: r.value, cursor });
        this.remember(r.id, r.version);
      }
      this.window = fresh;
    });
  }

  private send(seq: number, change: ChangeItem, kind: DataChange['kind'], value: RecordValue | null): void {
    this.channel.sendChange({
      watch: this.id,
      collection: this.collection,
      id: change.id,
      kind,
      version: change.v,
      ...(kind !== 'removed' && value ? { value } : {}),
      cursor: String(seq),
    });
  }

  /** Sends the whole current set (`data.reset`) and goes on from the stream's tail. */
  private reset(): Promise<void> {
    return this.whileBusy(() => this.resetNow());
  }

  private async resetNow(): Promise<void> {
    const tail = await this.source.tail();
    const records = await this.source.load(this.target);
    this.stale = false;
    this.versions.clear();
    this.know(records);
    this.next = Math.max(this.next, tail + 1);
    this.channel.sendReset(this.id, this.collection, records, String(tail));
  }

  private know(records: DataRecordView[]): void {
    for (const r of records) this.remember(r.id, r.version);
    if (this.limited) this.window = [...records];
  }

  private remember(id: string, version: number): void {
    this.versions.delete(id);
    this.versions.set(id, version);
    if (this.versions.size > MAX_VERSIONS) this.versions.delete(this.versions.keys().next().value!);
  }

  /** Runs `work` with live changes held, then processes what was held, in order. */
  private async whileBusy(work: () => Promise<void>): Promise<void> {
    this.busy += 1;
    try {
      await work();
    } catch (err) {
      this.onError(err);
      this.close();
    } finally {
      this.busy -= 1;
      if (this.busy === 0 && !this.isClosed) {
        const held = this.held;
        this.held = [];
        for (const [seq, change] of held) {
          if (this.busy > 0) this.held.push([seq, change]);
          else this.process(seq, change);
        }
      }
    }
  }
}
