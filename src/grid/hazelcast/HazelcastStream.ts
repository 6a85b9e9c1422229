import type { Ringbuffer, ReadResultSet } from 'hazelcast-client';
import type { GridStream, StreamReadResult } from '../Grid';
import { StreamSequenceError } from '../GridErrors';
import { call } from './hazelcastErrors';

/** Hazelcast refuses readMany batches larger than this. */
const MAX_BATCH = 1000;

/**
 * A GridStream over a Hazelcast Ringbuffer named `<name>.cap<tier>` (config/hazelcast.yaml gives each
 * tier its capacity). Blocking reads cannot be cancelled in the client, so a read that times out
 * leaves its blocking call pending and the next read from the same sequence joins it instead of
 * issuing another. A waiting read right after the last item read skips the checks of the start
 * and blocks at once.
 */
export class HazelcastStream implements GridStream {
  private readonly pending = new Map<number, Promise<ReadResultSet<Buffer>>>();
  /** The highest sequence a read of this stream returned: it exists, so the tail is at least this. */
  private readUpTo = -1;

  constructor(
    readonly name: string,
    readonly capacity: number,
    private readonly proxy: Promise<Ringbuffer<Buffer>>,
  ) {}

  async append(value: Buffer): Promise<number> {
    const rb = await this.proxy;
    return (await call(() => rb.add(value))).toNumber();
  }

  async appendAll(values: readonly Buffer[]): Promise<number> {
    if (values.length === 0) throw new RangeError('appendAll needs at least one item');
    const rb = await this.proxy;
    return (await call(() => rb.addAll([...values]))).toNumber();
  }

  async head(): Promise<number> {
    const rb = await this.proxy;
    return (await call(() => rb.headSequence())).toNumber();
  }

  async tail(): Promise<number> {
    const rb = await this.proxy;
    return (await call(() => rb.tailSequence())).toNumber();
  }

  async read(from: number, max: number, waitMs = 0): Promise<StreamReadResult> {
    if (!Number.isInteger(from) || from < 0) throw new RangeError(`invalid sequence ${from}`);
    const rb = await this.proxy;
    const count = Math.max(1, Math.min(max, MAX_BATCH));
    if (waitMs > 0 && from <= this.readUpTo + 1) {
      // A read returned `from - 1` or later, so `from` is at most tail + 1 (a tail only grows): block at
      // once. A caught-up reader (a feed) then costs one round trip per wake-up, not three
      // (readMany, tailSequence, blocking readMany).
      const waited = await this.waitFor(rb, from, count, waitMs);
      if (!waited) return { items: [], next: from };
      // Items only before `from`: the ringbuffer started over (the cluster lost it); the checked path below says so.
      if (waited.getSequence(waited.size() - 1).toNumber() >= from) return this.toResult(from, waited, count);
    }
    let set = await call(() => rb.readMany(from, 0, count));
    if (set.size() === 0) {
      // Hazelcast clamps a start past the tail to tail + 1; ours is an error, as in the memory grid.
      // An empty result's next sequence is only a hint (seen as 0 now and then): ask for the tail.
      if (from > set.getNextSequenceToReadFrom().toNumber()) {
        const tail = (await call(() => rb.tailSequence())).toNumber();
        if (from > tail + 1) throw new StreamSequenceError(this.name, from, tail);
      }
      if (waitMs > 0) {
        const waited = await this.waitFor(rb, from, count, waitMs);
        if (waited) set = waited;
      }
    }
    return this.toResult(from, set, count);
  }

  private async waitFor(rb: Ringbuffer<Buffer>, from: number, count: number, waitMs: number): Promise<ReadResultSet<Buffer> | undefined> {
    let blocking = this.pending.get(from);
    if (!blocking) {
      blocking = call(() => rb.readMany(from, 1, count));
      this.pending.set(from, blocking);
      const forget = (): void => void this.pending.delete(from);
      blocking.then(forget, forget);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)));
    try {
      return await Promise.race([blocking, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private toResult(from: number, set: ReadResultSet<Buffer>, max: number): StreamReadResult {
    const result: StreamReadResult = { items: [], next: from };
    const n = Math.min(set.size(), max);
    for (let i = 0; i < n; i++) {
      const seq = set.getSequence(i).toNumber();
      if (seq >= from) result.items.push({ seq, value: set.get(i) }); // never anything before the start
    }
    // Hazelcast starts a read from before the head at the head: what lay between was overwritten.
    const first = result.items.length > 0 ? result.items[0].seq : set.getNextSequenceToReadFrom().toNumber();
    if (first > from) result.lost = { from, to: first - 1 };
    result.next = result.items.length > 0 ? result.items[result.items.length - 1].seq + 1 : Math.max(from, first);
    if (result.items.length > 0) this.readUpTo = Math.max(this.readUpTo, result.next - 1);
    return result;
  }
}
