/**
 * A seeded pseudo-random generator (mulberry32) with the helpers the fuzz generators use. The same
 * seed gives the same sequence, so a failing run can be replayed (`ACTORGRID_FUZZ_SEED`).
 *
 * @example
 * const random = new FuzzRandom(42);
 * random.pick(['a', 'b']); random.int(10); random.chance(0.1);
 */
export class FuzzRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed | 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [0, max], small ones far more often (sizes: mostly small, sometimes huge). */
  size(max: number): number {
    return Math.floor(max * this.next() ** 4);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** A string of `n` characters: printable ASCII, controls, quotes, or code points from anywhere (lone surrogates too). */
  text(n: number): string {
    const kind = this.int(4);
    let out = '';
    for (let i = 0; i < n; i++) {
      if (kind === 0) out += String.fromCharCode(32 + this.int(95));
      else if (kind === 1) out += this.pick(['a', 'b', '%', '_', "'", '"', '\\', '\u0000', '\n', '\r', '😀', '\uD800', '\u2028', '{', '[']);
      else if (kind === 2) out += String.fromCharCode(this.int(0x10000));
      else out += 'x';
    }
    return out;
  }
}
