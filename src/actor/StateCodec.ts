import { Packr, Unpackr, type Options } from 'msgpackr';

/**
 * msgpackr options, chosen so that every type actor state commonly holds comes back as itself:
 *
 * - `useRecords: true` writes plain objects as msgpackr records (a structure definition, inline in
 *   the same buffer, then the values) and `Map`s as msgpack maps; with `mapsAsObjects: false`,
 *   records decode to plain objects and maps to `Map`s, so the two stay distinct. (With records
 *   off, msgpackr writes both as msgpack maps and one of them is lost on decode.) No structures are
 *   shared between buffers, so every buffer decodes on its own, on any node.
 * - `moreTypes: true` tags `Set`s (ext `s`), typed arrays and BigInts beyond 64 bits (ext `B`);
 *   BigInts within 64 bits are int64/uint64, decoded as BigInt (`int64AsType: 'bigint'`). Numbers
 *   stay numbers: msgpackr writes non-int32 numbers as float64, never as int64.
 * - `Date`s use the msgpack timestamp extension; `undefined` is ext 0 (kept inside objects and
 *   arrays); `Buffer`s are msgpack bin and decode as `Buffer`.
 * - `copyBuffers: true`: decoded Buffers are copies, so a method that mutates a Buffer in its state
 *   can never change the bytes of the record it was decoded from (which the fenced write compares).
 *
 * No msgpackr extension is registered: `addExtension` is process-global and would change how every
 * other msgpackr user in the process (e.g. the wire protocol) encodes.
 */
const OPTIONS: Options = {
  useRecords: true,
  mapsAsObjects: false,
  moreTypes: true,
  structuredClone: false,
  copyBuffers: true,
  bundleStrings: false,
  sequential: false,
  int64AsType: 'bigint',
};

/**
 * Encodes actor state (and stored call results) to msgpack and back. One instance per node; it is
 * stateless between calls, so sharing it is safe.
 *
 * Round-trips plain objects (as plain objects), arrays, `Map` (as `Map`, any key type), `Set`,
 * `Date` (millisecond precision), `BigInt` of any size, `Buffer` (as `Buffer`), other typed arrays,
 * strings, booleans, `null`, numbers including `NaN`/`±Infinity`, and `undefined` inside objects,
 * arrays and Maps. Not supported: cycles and shared references (encoding throws), functions
 * (written as `undefined`), symbols (encoding throws); class instances decode as plain objects and
 * `-0` decodes as `0`.
 *
 * Deterministic: the same value (same key insertion order) gives the same bytes, whatever was encoded
 * before — the runtime's fence compares encoded bytes. Key order is preserved, not sorted.
 *
 * @example
 * ```ts
 * const codec = new StateCodec();
 * const bytes = codec.encode({ seen: new Set(['a']), at: new Date() });
 * const state = codec.decode(bytes) as { seen: Set<string>; at: Date };
 * ```
 */
export class StateCodec {
  private readonly packr = new Packr(OPTIONS);
  private readonly unpackr = new Unpackr(OPTIONS);

  /**
   * Encodes a value. The returned Buffer owns its memory: msgpackr returns views into a slab it
   * keeps writing into, so the bytes are copied into a Buffer of exactly their size (which also
   * keeps a small record from pinning an 8 KiB slab while it sits in a map).
   * @throws Error when the value cannot be encoded (a cycle, a symbol, …), with the cause attached.
   */
  encode(value: unknown): Buffer {
    let view: Uint8Array;
    try {
      view = this.packr.pack(value);
    } catch (err) {
      throw new Error(`cannot encode actor state: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
    const out = Buffer.allocUnsafeSlow(view.length);
    out.set(view);
    return out;
  }

  /**
   * Decodes bytes written by `encode`.
   * @throws Error when the bytes are not valid msgpack, with the cause attached.
   */
  decode(bytes: Uint8Array): unknown {
    try {
      return this.unpackr.unpack(bytes);
    } catch (err) {
      throw new Error(`cannot decode actor state: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  }
}
