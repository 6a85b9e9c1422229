import { ActorGridError } from '../errors';

/** One open array or map while scanning. */
interface Frame {
  /** Items still to come (a map's keys and values both count). */
  left: number;
  map: boolean;
  /** For a map: the next item is a key. */
  key: boolean;
  /** A map that is the value of a `constructor` key: a `prototype` key in it is refused. */
  constructorValue: boolean;
}

const TIMESTAMP_EXT = 0xff; // -1: the only extension type the protocol carries (Dates)
const PROTO = bytesOf('__proto__');
const CONSTRUCTOR = bytesOf('constructor');
const PROTOTYPE = bytesOf('prototype');

/**
 * Checks msgpack bytes before msgpackr builds anything from them, in one pass without allocating:
 *
 * - one complete document and nothing after it; the reserved byte 0xc1 refused;
 * - no extension type but the timestamp (-1): no structured-clone references, records, bundled
 *   strings, Sets, Errors, RegExps or typed arrays, which msgpackr would otherwise construct;
 * - every declared length fits in the bytes that follow (a string or binary its bytes, an array one
 *   byte per item, a map two per entry), so a decode allocates at most in proportion to the frame
 *   size — a 400-byte frame cannot announce 2^32 items;
 * - nesting no deeper than `maxDepth` arrays and maps;
 * - map keys are strings, none `__proto__`, and no `constructor` key holds a map with a
 *   `prototype` key — the same refusals as the JSON codec's.
 *
 * Throws PARSE_ERROR with a short reason of its own (never the input).
 */
export function scanMsgpack(bytes: Uint8Array, maxDepth: number): void {
  const end = bytes.byteLength;
  let pos = 0;
  const frames: Frame[] = [];
  let constructorValue = false; // the next item is the value of a `constructor` key

  const fail = (reason: string): ActorGridError => new ActorGridError('PARSE_ERROR', `invalid msgpack: ${reason}`);
  const need = (n: number): void => {
    if (n > end - pos) throw fail('truncated document');
  };
  const uint = (size: 1 | 2 | 4): number => {
    need(size);
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + bytes[pos + i];
    pos += size;
    return n;
  };
  const ext = (length: number): void => {
    need(1 + length);
    if (bytes[pos] !== TIMESTAMP_EXT) throw fail('extension types are not accepted');
    pos += 1 + length;
  };
  let valueOfConstructor = false;
  const open = (count: number, map: boolean): boolean => {
    if (frames.length >= maxDepth) throw fail(`nested deeper than ${maxDepth} levels`);
    const items = map ? count * 2 : count;
    need(items); // every item takes at least one byte
    if (items === 0) return false;
    frames.push({ left: items, map, key: map, constructorValue: map && valueOfConstructor });
    return true;
  };

  for (;;) {
    const frame = frames.length === 0 ? undefined : frames[frames.length - 1];
    const isKey = frame !== undefined && frame.map && frame.key;
    valueOfConstructor = constructorValue;
    constructorValue = false;
    need(1);
    const b = bytes[pos++];
    if (isKey && !((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb))) throw fail('map keys must be strings');
    let str = -1; // a string's length, when the item is one
    let opened = false;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      // fixint, nil, false, true
    } else if (b <= 0x8f) opened = open(b & 0x0f, true);
    else if (b <= 0x9f) opened = open(b & 0x0f, false);
    else if (b <= 0xbf) str = b & 0x1f;
    else {
      switch (b) {
        case 0xc1: throw fail('reserved byte 0xc1');
        case 0xc4: case 0xc5: case 0xc6: {
          const n = uint(b === 0xc4 ? 1 : b === 0xc5 ? 2 : 4);
          need(n);
          pos += n;
          break;
        }
        case 0xc7: ext(uint(1)); break;
        case 0xc8: ext(uint(2)); break;
        case 0xc9: ext(uint(4)); break;
        case 0xca: case 0xce: case 0xd2: need(4); pos += 4; break;
        case 0xcb: case 0xcf: case 0xd3: need(8); pos += 8; break;
        case 0xcc: case 0xd0: need(1); pos += 1; break;
        case 0xcd: case 0xd1: need(2); pos += 2; break;
        case 0xd4: ext(1); break;
        case 0xd5: ext(2); break;
        case 0xd6: ext(4); break;
        case 0xd7: ext(8); break;
        case 0xd8: ext(16); break;
        case 0xd9: str = uint(1); break;
        case 0xda: str = uint(2); break;
        case 0xdb: str = uint(4); break;
        case 0xdc: opened = open(uint(2), false); break;
        case 0xdd: opened = open(uint(4), false); break;
        case 0xde: opened = open(uint(2), true); break;
        default: opened = open(uint(4), true); break; // 0xdf
      }
    }
    if (str >= 0) {
      need(str);
      if (isKey) {
        if (equals(bytes, pos, str, PROTO)) throw fail('forbidden property "__proto__"');
        if (frame!.constructorValue && equals(bytes, pos, str, PROTOTYPE)) throw fail('forbidden property "constructor.prototype"');
        constructorValue = equals(bytes, pos, str, CONSTRUCTOR);
      }
      pos += str;
    }
    if (opened) continue;
    // The item is complete: count it off its container, and close every container it completes.
    for (;;) {
      const top = frames.length === 0 ? undefined : frames[frames.length - 1];
      if (top === undefined) {
        if (pos !== end) throw fail('bytes after the end of the document');
        return;
      }
      top.left -= 1;
      if (top.map) top.key = !top.key;
      if (top.left > 0) break;
      frames.pop();
    }
  }
}

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function equals(bytes: Uint8Array, at: number, length: number, word: Uint8Array): boolean {
  if (length !== word.length) return false;
  for (let i = 0; i < length; i++) if (bytes[at + i] !== word[i]) return false;
  return true;
}
