/**
 * One `%`-free piece of a LIKE pattern: a fixed number of items, each a character (one code point)
 * or `null` for `_` (any one character). It is found in a value with the Shift-And algorithm: bit j
 * of the state says "the first j + 1 items match ending here", one shift-or-and per character and
 * per 32 items, so a search is linear in the value whatever the pattern (no backtracking).
 */
export class LikeSegment {
  readonly length: number;
  /** The segment as a plain string when it has no `_` (searched with `indexOf`, linear in V8). */
  private readonly literal: string | undefined;
  private readonly words: number;
  /** Per character, the items it matches (its own positions and every `_`), as a bit set. */
  private readonly masks = new Map<string, Uint32Array>();
  /** What a character the segment does not contain matches: the `_` positions. */
  private readonly anyMask: Uint32Array;

  constructor(private readonly items: ReadonlyArray<string | null>) {
    this.length = items.length;
    this.literal = items.every((item) => item !== null) ? items.join('') : undefined;
    this.words = Math.ceil(items.length / 32);
    this.anyMask = new Uint32Array(this.words);
    items.forEach((item, j) => {
      if (item === null) setBit(this.anyMask, j);
    });
    items.forEach((item, j) => {
      if (item === null) return;
      let mask = this.masks.get(item);
      if (!mask) this.masks.set(item, (mask = Uint32Array.from(this.anyMask)));
      setBit(mask, j);
    });
  }

  /** Whether the segment matches `chars` starting at `at` (and fits). */
  matchesAt(chars: ArrayLike<string>, at: number): boolean {
    if (at < 0 || at + this.length > chars.length) return false;
    for (let j = 0; j < this.length; j++) {
      const item = this.items[j];
      if (item !== null && item !== chars[at + j]) return false;
    }
    return true;
  }

  /** The leftmost start in `[from, end - length]` where the segment matches, or -1. */
  find(chars: ArrayLike<string>, from: number, end: number): number {
    if (this.length === 0) return from;
    if (this.literal !== undefined && typeof chars === 'string') {
      const at = chars.indexOf(this.literal, from);
      return at >= 0 && at + this.length <= end ? at : -1;
    }
    const state = new Uint32Array(this.words);
    const top = this.words - 1;
    const topBit = 1 << ((this.length - 1) % 32);
    for (let i = from; i < end; i++) {
      const mask = this.masks.get(chars[i]) ?? this.anyMask;
      let carry = 1;
      for (let w = 0; w <= top; w++) {
        const word = state[w];
        state[w] = ((word << 1) | carry) & mask[w];
        carry = word >>> 31;
      }
      if (state[top] & topBit) return i - this.length + 1;
    }
    return -1;
  }
}

function setBit(words: Uint32Array, bit: number): void {
  words[bit >>> 5] |= 1 << (bit & 31);
}
