import { ActorGridError } from '../errors';
import type { Codec } from './Codec';

/** Keys whose presence means the document may try prototype poisoning; checked only when present. */
const SUSPICIOUS = /__proto__|constructor|\\u/;

/** The deepest nesting of arrays and objects decoded unless a codec is told otherwise (`limits.maxDepth`). */
export const DEFAULT_MAX_DEPTH = 64;

/**
 * JSON, UTF-8. Decoding rejects `__proto__` keys and `constructor.prototype` objects, as fastify's
 * own JSON parser does, because actor code may merge arguments into objects with `Object.assign`;
 * the msgpack codec refuses the same. The check costs a reviver pass only for documents that
 * contain one of those words or a `\u` escape. Documents nested deeper than `maxDepth` arrays and
 * objects are refused before parsing. Errors never repeat the input: V8's message quotes it, so
 * only the position is kept.
 */
export class JsonCodec implements Codec {
  readonly name = 'json' as const;
  readonly contentType = 'application/json; charset=utf-8';
  readonly binary = false;

  constructor(private readonly maxDepth = DEFAULT_MAX_DEPTH) {}

  decode(bytes: Uint8Array | string): unknown {
    const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    checkDepth(text, this.maxDepth);
    try {
      return SUSPICIOUS.test(text) ? JSON.parse(text, rejectPoison) : JSON.parse(text);
    } catch (err) {
      if (err instanceof ActorGridError) throw err;
      const position = /position (\d+)/.exec((err as Error).message)?.[1];
      throw new ActorGridError('PARSE_ERROR', position === undefined ? 'invalid JSON' : `invalid JSON at position ${position}`, undefined, { cause: err });
    }
  }

  /**
   * Encodes with JSON stand-ins for values JSON lacks (docs/protocol.md "Values in JSON"): Map → object
   * (or an array of `[key, value]` pairs when a key is not a string), Set → array, BigInt → number when
   * it is a safe integer, else a decimal string, Buffer → base64 string; Dates use their ISO string.
   */
  encode(value: unknown): string {
    const text = JSON.stringify(value, richValues);
    if (text === undefined) throw new TypeError(`cannot encode ${typeof value} as JSON`);
    return text;
  }
}

function richValues(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  // `typeof Buffer`: the browser client encodes with this codec too, and browsers have no Buffer.
  if (typeof Buffer === 'function' && Buffer.isBuffer(raw)) return raw.toString('base64');
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Map) {
    const entries = [...value.entries()];
    return entries.every(([k]) => typeof k === 'string') ? Object.fromEntries(entries) : entries;
  }
  if (value instanceof Set) return [...value];
  return value;
}

function rejectPoison(this: unknown, key: string, value: unknown): unknown {
  if (key === '__proto__') {
    throw new ActorGridError('PARSE_ERROR', 'invalid JSON: forbidden property "__proto__"');
  }
  if (key === 'constructor' && typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, 'prototype')) {
    throw new ActorGridError('PARSE_ERROR', 'invalid JSON: forbidden property "constructor.prototype"');
  }
  return value;
}

/** Refuses text nesting more than `maxDepth` arrays and objects (brackets inside strings do not count). */
function checkDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new ActorGridError('PARSE_ERROR', `invalid JSON: nested deeper than ${maxDepth} levels`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
