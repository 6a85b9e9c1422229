import { JSON_MEDIA_TYPES, mediaType, MSGPACK_MEDIA_TYPES } from '../protocol/Codec';
import { JsonCodec } from '../protocol/JsonCodec';
import { MsgpackCodec } from '../protocol/MsgpackCodec';

/** The encodings a client can speak: JSON (text) or msgpack (binary). */
export type ClientEncoding = 'json' | 'msgpack';

/**
 * A client's encoding: requests go out in the chosen one; what comes back is read by what it is
 * (a text frame or a JSON body is JSON even for a msgpack client, e.g. an error from a proxy). The
 * node's own codecs are reused, so both sides agree on every value (Maps, Dates, BigInts…). Bytes
 * are `Uint8Array`s and text is decoded with `TextDecoder`: no Node `Buffer`, so it runs in browsers.
 */
export interface ClientCodec {
  readonly name: ClientEncoding;
  /** `Content-Type` and `Accept` of HTTP requests. */
  readonly contentType: string;
  /** A string (a text frame or body) for JSON, bytes for msgpack. */
  encode(value: unknown): string | Uint8Array;
  /** Decodes a WebSocket frame: a text frame is JSON, a binary one msgpack. Throws ActorGridError PARSE_ERROR. */
  decode(frame: string | Uint8Array): unknown;
  /** Decodes an HTTP body by its `Content-Type` (JSON when absent or unknown). Throws PARSE_ERROR. */
  decodeBody(bytes: Uint8Array, contentType: string | null): unknown;
}

/**
 * How deep a reply may nest. Far past the node's `limits.maxDepth` (64) on requests: a value stored
 * at that depth comes back wrapped in a few levels of reply (`{result: {records: [{value: …}]}}`).
 */
const REPLY_MAX_DEPTH = 1024;

/** A codec of its own for each client: the msgpack encoder keeps buffers, so it is never shared. */
export function createClientCodec(encoding: ClientEncoding): ClientCodec {
  if (encoding !== 'json' && encoding !== 'msgpack') throw new TypeError(`encoding must be "json" or "msgpack", got ${String(encoding)}`);
  const json = new JsonCodec(REPLY_MAX_DEPTH);
  const msgpack = new MsgpackCodec(REPLY_MAX_DEPTH);
  const chosen = encoding === 'json' ? json : msgpack;
  const text = new TextDecoder();
  return {
    name: encoding,
    contentType: encoding === 'json' ? JSON_MEDIA_TYPES[0] : MSGPACK_MEDIA_TYPES[0],
    encode: (value) => chosen.encode(value),
    decode: (frame) => (typeof frame === 'string' ? json.decode(frame) : msgpack.decode(frame)),
    decodeBody: (bytes, contentType) =>
      contentType !== null && MSGPACK_MEDIA_TYPES.includes(mediaType(contentType)) ? msgpack.decode(bytes) : json.decode(text.decode(bytes)),
  };
}

/** The UTF-8 size of a string, without encoding it (`Buffer.byteLength` without Buffer). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}
