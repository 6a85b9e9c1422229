import type { FuzzRandom } from './FuzzRandom';

/** Sizes the generators aim at: around and past the node's limits. */
export interface FuzzLimits {
  /** The node's `limits.maxPayloadBytes`. */
  maxPayloadBytes: number;
  /** The node's `limits.maxBatch`. */
  maxBatch: number;
}

/**
 * Hostile values for any field: wrong types, extreme numbers, huge strings and arrays (up to and
 * past the payload limit), deep nesting, and objects carrying `__proto__` / `constructor.prototype`
 * as own keys (made with JSON.parse, so JSON.stringify and msgpack both send them).
 */
export class HostileValues {
  constructor(
    private readonly random: FuzzRandom,
    private readonly limits: FuzzLimits,
  ) {}

  /** Any value, hostile or ordinary. */
  any(): unknown {
    const r = this.random;
    switch (r.int(14)) {
      case 0:
        return r.pick([null, true, false, 0, -0, 1, -1, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 2 ** 64, 4294967296]);
      case 1:
        return r.pick(['', ' ', '0', '-1', 'NaN', 'Infinity', 'null', 'undefined', 'true', '[]', '{}', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'then']);
      case 2:
        return r.text(r.size(64));
      case 3:
        return this.hugeString();
      case 4:
        return Array.from({ length: r.size(2 * this.limits.maxBatch) }, () => r.int(10));
      case 5:
        return this.deep(r.size(400));
      case 6:
        return this.poisoned();
      case 7:
        return { [r.text(r.size(16))]: r.chance(0.5) ? this.any() : r.int(3) };
      case 8:
        return [this.any(), this.any()];
      case 9:
        return r.chance(0.5) ? -1 : r.pick([0.1, -5, 1e21, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);
      case 10:
        return Object.fromEntries(Array.from({ length: r.size(300) }, (_, i) => [`k${i}`, i]));
      case 11:
        return r.pick(["'", "a' OR '1'='1", '${7*7}', '../../etc/passwd', '%00', '\u0000', '\uD800', '<script>', 'a'.repeat(257)]);
      case 12:
        return r.pick([[], {}, [[]], [{}], { a: [] }]);
      default:
        return r.int(1000);
    }
  }

  /** A string around the payload limit (below it, at it, past it). */
  hugeString(): string {
    const limit = this.limits.maxPayloadBytes;
    const n = this.random.pick([limit - 200, limit - 20, limit, limit + 1, 2 * limit, 4 * limit + 7, 1000, 65_536]);
    return this.random.pick(['x', '😀', '"']).repeat(Math.max(0, Math.floor(n / 2)));
  }

  /** Arrays or objects nested `levels` deep. */
  deep(levels: number): unknown {
    let value: unknown = this.random.chance(0.5) ? 1 : 'leaf';
    const objects = this.random.chance(0.5);
    for (let i = 0; i < levels; i++) value = objects ? { a: value } : [value];
    return value;
  }

  /** An object whose own keys try prototype pollution, possibly nested. */
  poisoned(): unknown {
    const r = this.random;
    const text = r.pick([
      '{"__proto__":{"polluted":"yes"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '{"a":{"__proto__":{"polluted":"yes"}}}',
      '{"__proto__":{"toString":"x","polluted":"yes"}}',
      '[{"__proto__":{"polluted":"yes"}}]',
      '{"prototype":{"polluted":"yes"},"constructor":{"name":"x"}}',
      '{"\\u005f_proto__":{"polluted":"yes"}}',
    ]);
    return JSON.parse(text);
  }

  /** A selector or where clause: valid, garbage, or pathological (long LIKE, deep parentheses, many LIKEs, huge IN). */
  selector(): string {
    const r = this.random;
    switch (r.int(8)) {
      case 0:
        return `h LIKE '%${'a'.repeat(r.size(4000))}b'`;
      case 1:
        return `h LIKE '%${'a_'.repeat(r.size(2000))}b%'`;
      case 2:
        return `${'('.repeat(r.size(200))}a = 1${')'.repeat(r.size(200))}`;
      case 3:
        return Array.from({ length: r.size(40) + 1 }, (_, i) => `h LIKE '%${i}%'`).join(' OR ');
      case 4:
        return `a IN (${Array.from({ length: r.size(600) }, (_, i) => i).join(',')})`;
      case 5:
        return `${'NOT '.repeat(r.size(200))}a`;
      case 6:
        return r.text(r.size(2000));
      default:
        return r.pick(["status = 'open'", "title LIKE 'a%'", 'priority BETWEEN 1 AND 3', "lang = 'en' AND n > 2", 'x IS NULL', "a = 'it''s'"]);
    }
  }
}
