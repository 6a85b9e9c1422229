import { Packr } from 'msgpackr';
import { ActorGridError } from '../errors';
import type { Codec } from './Codec';
import { DEFAULT_MAX_DEPTH } from './JsonCodec';
import { scanMsgpack } from './msgpackScan';

/**
 * msgpack, portable: plain maps and arrays only, so any msgpack library can talk to us.
 *
 * - `useRecords: false`: msgpackr's record extension is not standard msgpack.
 * - `mapsAsObjects: true`: maps decode to plain objects.
 * - `structuredClone: false`, `moreTypes: false`: no references, Sets, Errors or RegExps.
 * - `encodeUndefinedAsNil: true`: undefined goes out as nil, as JSON's null.
 * - `int64AsType: 'number'`: 64-bit integers decode to numbers (precision past 2^53 is lost, as in
 *   JSON) so a decoded value can always be re-encoded as JSON.
 *
 * Before msgpackr sees them, the bytes pass `scanMsgpack`: no extension but timestamps (Dates), declared
 * lengths within the frame (so a decode allocates in proportion to the frame), at most `maxDepth`
 * levels, string keys only, and the JSON codec's refusals of `__proto__` and `constructor.prototype`.
 * Errors never carry msgpackr's own messages.
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
    structuredClone: false,
    moreTypes: false,
  });

  constructor(private readonly maxDepth = DEFAULT_MAX_DEPTH) {}

  decode(bytes: Uint8Array | string): unknown {
    if (typeof bytes === 'string') bytes = new TextEncoder().encode(bytes); // no Buffer: the browser client shares this codec
    if (bytes.byteLength === 0) throw new ActorGridError('PARSE_ERROR', 'invalid msgpack: empty document');
    scanMsgpack(bytes, this.maxDepth);
    let value: unknown;
    try {
      value = this.packr.unpack(bytes);
    } catch (err) {
      throw new ActorGridError('PARSE_ERROR', 'invalid msgpack', undefined, { cause: err });
    }
    return value;
  }

  encode(value: unknown): Buffer {
    return this.packr.pack(value);
  }
}
