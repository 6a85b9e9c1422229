import type { StreamReadResult } from '../Grid';
import { StreamSequenceError } from '../GridErrors';

/** One stream's ring of items, shared by every MemoryGrid client of a MemoryGridStore. */
export class MemoryStreamStore {
  private readonly ring: Buffer[];
  private headSeq = 0;
  private tailSeq = -1;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {
    this.ring = new Array<Buffer>(capacity);
  }

  append(value: Buffer): number {
    this.tailSeq += 1;
    this.ring[this.tailSeq % this.capacity] = Buffer.from(value);
    if (this.tailSeq - this.headSeq + 1 > this.capacity) this.headSeq = this.tailSeq - this.capacity + 1;
    const waiting = [...this.waiters];
    this.waiters.clear();
    waiting.forEach((wake) => wake());
    return this.tailSeq;
  }

  head(): number {
    return this.headSeq;
  }

  tail(): number {
    return this.tailSeq;
  }

  async read(from: number, max: number, waitMs: number): Promise<StreamReadResult> {
    if (!Number.isInteger(from) || from < 0) throw new RangeError(`invalid sequence ${from}`);
    if (from > this.tailSeq + 1) throw new StreamSequenceError(this.name, from, this.tailSeq);
    if (from === this.tailSeq + 1 && waitMs > 0) await this.appended(waitMs);
    const result: StreamReadResult = { items: [], next: from };
    let seq = from;
    if (seq < this.headSeq) {
      result.lost = { from: seq, to: this.headSeq - 1 };
      seq = this.headSeq;
    }
    for (; seq <= this.tailSeq && result.items.length < max; seq++) {
      result.items.push({ seq, value: Buffer.from(this.ring[seq % this.capacity]) });
    }
    result.next = seq;
    return result;
  }

  private appended(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiters.add(wake);
    });
  }
}
