import { C1, Packr } from 'msgpackr';
import { ActorGridError } from '../errors';
import type { Codec } from './Codec';

/**
 * msgpack, portable: plain maps and arrays only, so any msgpack library can talk to us.
 *
 * - `useRecords: false`: msgpackr's record extension is not standard msgpack.
 * - `mapsAsObjects: true`: maps decode to plain objects (non-string keys are a PARSE_ERROR);
 *   msgpackr renames a `__proto__` key to `__proto_`, so decoding cannot poison prototypes.
 * - `encodeUndefinedAsNil: true`: undefined goes out as nil, as JSON's null.
 * - `int64AsType: 'number'`: 64-bit integers decode to numbers (precision past 2^53 is lost, as in
 *   JSON) so a decoded value can always be re-encoded as JSON.
 *
 * Each codec holds its own Packr (msgpackr keeps encode buffers on it); nothing is module-global.
 */
export class MsgpackCodec implements Codec {
  readonly name = 'msgpack' as const;
  readonly contentType = 'application/msgpack';
  readonly binary = true;
  private readonly packr = new Packr({
    useRecords: false,
    mapsAsObjects: true,
    encodeUndefinedAsNil: true,
    int64AsType: 'number',
  });

  decode(bytes: Uint8Array | string): unknown {
    if (typeof bytes === 'string') bytes = new TextEncoder().encode(bytes); // no Buffer: the browser client shares this codec
    if (bytes.byteLength === 0) throw new ActorGridError('PARSE_ERROR', 'invalid msgpack: empty document');
    let value: unknown;
    try {
      // Throws on truncated data ("Unexpected end"), trailing bytes, unknown extensions, deep nesting.
      value = this.packr.unpack(bytes);
    } catch (err) {
      throw new ActorGridError('PARSE_ERROR', `invalid msgpack: ${(err as Error).message}`, undefined, { cause: err });
    }
    // 0xc1 is "never used" in msgpack; msgpackr decodes it to a marker object instead of failing.
    if (value === C1) throw new ActorGridError('PARSE_ERROR', 'invalid msgpack: reserved byte 0xc1');
    return value;
  }

  encode(value: unknown): Buffer {
    return this.packr.pack(value);
  }
}
