import { Packr } from 'msgpackr';
import type { OutboxItem } from '../actor';
import type { Grid } from '../grid';
import type { Logger } from './Logger';

/** An entry of a record's outbox: the stream, its capacity, and the item's bytes (id included). */
export type OutboxEntry = [stream: string, capacity: number, bytes: Buffer];

/** Where an appended item came from: the actor, the record version that wrote it, its index in that turn. */
export type ItemId = [actor: string, version: number, index: number];

/** How many of a stream's newest items a repair looks through for entries already appended. */
const MAX_SCAN = 1000;
const SCAN_CHUNK = 100;
/** How many actors' "appended up to" versions a node remembers. */
const MAX_REMEMBERED = 10_000;

/**
 * Appends what turns emit (published messages, shared-object changes) to their grid streams, and
 * repairs what a node that died between a turn's commit and its appends left behind
 * (DESIGN.md "Committed means replayable"). A turn writes its items into the actor's record (`o`) in
 * its fenced write; after the commit they are appended in order. The next turn on that actor, on any
 * node, first makes sure they are all in their streams: items carry their id (actor, record version,
 * index), so a repair looks through the streams' newest items and appends only what is missing.
 */
export class OutboxRelay {
  private readonly packr = new Packr({ useRecords: false, moreTypes: true });
  /** Actor key → the record version whose entries this node appended (so the next turn need not look). */
  private readonly appended = new Map<string, number>();

  constructor(
    private readonly grid: Grid,
    private readonly log: Logger,
    /** Test switches (`ACTORGRID_FAILPOINTS`): `outbox.beforeAppend` kills the process between a commit and its appends. */
    private readonly failpoints: ReadonlySet<string> = new Set(),
  ) {}

  /** The record entries of a turn's items, for the record written at `version`. */
  encode(actor: string, version: number, items: readonly OutboxItem[]): OutboxEntry[] {
    return items.map((item, index) => [item.stream, item.capacity, Buffer.from(this.packr.pack({ ...item.item, i: [actor, version, index] satisfies ItemId }))]);
  }

  /**
   * Appends a committed turn's entries in order. Never throws: a failure is logged and left to the
   * next turn's repair. Resolves true when everything was appended.
   */
  async append(actor: string, version: number, entries: readonly OutboxEntry[]): Promise<boolean> {
    if (this.failpoints.has('outbox.beforeAppend')) process.kill(process.pid, 'SIGKILL');
    try {
      await this.appendInOrder(entries);
      this.remember(actor, version);
      return true;
    } catch (err) {
      this.log.warn('appending what a committed turn emitted failed; the next turn on the actor appends it', { actor, version, err });
      return false;
    }
  }

  /** Appends items emitted outside a turn (a @Query's `publish()`): at most once, nothing records them. */
  async appendNow(actor: string, items: readonly OutboxItem[]): Promise<void> {
    await this.appendInOrder(this.encode(actor, -1, items));
  }

  /**
   * Makes sure the entries a record still holds (written at `version`) are in their streams,
   * appending those that are not. Throws when the grid fails: the turn must not go on then, or its
   * own items could overtake these.
   */
  async repair(actor: string, version: number, entries: readonly OutboxEntry[]): Promise<void> {
    if ((this.appended.get(actor) ?? -1) >= version) return;
    const byStream = new Map<string, number[]>();
    entries.forEach(([stream], index) => byStream.set(stream, [...(byStream.get(stream) ?? []), index]));
    const missing = new Set<number>();
    for (const [stream, indexes] of byStream) {
      const found = await this.appendedIndexes(stream, entries[indexes[0]][1], actor, version, indexes.length);
      for (const index of indexes) if (!found.has(index)) missing.add(index);
    }
    if (missing.size > 0) {
      this.log.info('appending what an earlier turn emitted but did not append (its node stopped after the commit?)', { actor, version, count: missing.size });
    }
    await this.appendInOrder([...missing].sort((a, b) => a - b).map((index) => entries[index]));
    this.remember(actor, version);
  }

  /** Appends entries in order: one round trip per run of entries bound for the same stream. */
  private async appendInOrder(entries: readonly OutboxEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; ) {
      const [stream, capacity] = entries[i];
      let j = i + 1;
      while (j < entries.length && entries[j][0] === stream) j++;
      const bytes = entries.slice(i, j).map(([, , b]) => b);
      const target = this.grid.stream(stream, { capacity });
      await (bytes.length === 1 ? target.append(bytes[0]) : target.appendAll(bytes));
      i = j;
    }
  }

  /**
   * Indexes of `actor`'s entries of `version` among the stream's newest items. It stops at an older
   * item of the same actor (its appends are in order) or after MAX_SCAN items; an entry appended
   * before that many others would be appended again (at least once, never lost).
   */
  private async appendedIndexes(streamName: string, capacity: number, actor: string, version: number, expected: number): Promise<Set<number>> {
    const stream = this.grid.stream(streamName, { capacity });
    const found = new Set<number>();
    let end = await stream.tail();
    let scanned = 0;
    // First only as many items as the record holds for this stream (where a stream only this actor
    // writes has them), then larger chunks. Reading before the head reports it as lost: stop there.
    let chunk = Math.max(1, expected);
    while (end >= 0 && scanned < MAX_SCAN) {
      const from = Math.max(0, end - chunk + 1);
      chunk = SCAN_CHUNK;
      const { items, lost } = await stream.read(from, end - from + 1);
      for (let k = items.length - 1; k >= 0; k--) {
        const id = this.idOf(items[k].value);
        if (!id || id[0] !== actor || id[1] < 0) continue; // ids below 0: a @Query's items, never in a record
        if (id[1] < version) return found;
        if (id[1] === version) found.add(id[2]);
      }
      if (found.size >= expected || lost) return found;
      scanned += end - from + 1;
      end = from - 1;
    }
    return found;
  }

  private idOf(bytes: Buffer): ItemId | undefined {
    try {
      const { i } = this.packr.unpack(bytes) as { i?: unknown };
      return Array.isArray(i) && i.length === 3 ? (i as ItemId) : undefined;
    } catch {
      return undefined;
    }
  }

  private remember(actor: string, version: number): void {
    this.appended.delete(actor);
    this.appended.set(actor, version);
    if (this.appended.size > MAX_REMEMBERED) this.appended.delete(this.appended.keys().next().value!);
  }
}
