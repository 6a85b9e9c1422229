import type { GridStream, StreamReadResult } from '../Grid';
import type { MemoryGrid } from './MemoryGrid';
import type { MemoryStreamStore } from './MemoryStreamStore';

/** A MemoryGrid client's view of one stream. */
export class MemoryStream implements GridStream {
  readonly name: string;
  readonly capacity: number;

  constructor(
    private readonly grid: MemoryGrid,
    private readonly store: MemoryStreamStore,
  ) {
    this.name = store.name;
    this.capacity = store.capacity;
  }

  async append(value: Buffer): Promise<number> {
    this.grid.check();
    return this.store.append(value);
  }

  async appendAll(values: readonly Buffer[]): Promise<number> {
    this.grid.check();
    if (values.length === 0) throw new RangeError('appendAll needs at least one item');
    let last = -1;
    for (const value of values) last = this.store.append(value);
    return last;
  }

  async read(from: number, max: number, waitMs = 0): Promise<StreamReadResult> {
    this.grid.check();
    return this.store.read(from, max, waitMs);
  }

  async head(): Promise<number> {
    this.grid.check();
    return this.store.head();
  }

  async tail(): Promise<number> {
    this.grid.check();
    return this.store.tail();
  }
}
