import { JSON_MEDIA_TYPES, mediaType, MSGPACK_MEDIA_TYPES } from '../protocol/Codec';
import { JsonCodec } from '../protocol/JsonCodec';
import { MsgpackCodec } from '../protocol/MsgpackCodec';

/** The encodings a client can speak: JSON (text) or msgpack (binary). */
export type ClientEncoding = 'json' | 'msgpack';

/**
 * A client's encoding: requests go out in the chosen one; what comes back is read by what it is
 * (a text frame or a JSON body is JSON even for a msgpack client, e.g. an error from a proxy). The
 * node's own codecs are reused, so both sides agree on every value (Maps, Dates, BigInts…).
 */
export interface ClientCodec {
  readonly name: ClientEncoding;
  /** `Content-Type` and `Accept` of HTTP requests. */
  readonly contentType: string;
  /** Whether WebSocket frames are binary. */
  readonly binary: boolean;
  encode(value: unknown): string | Buffer;
  /** Decodes a WebSocket frame. Throws ActorGridError PARSE_ERROR. */
  decode(bytes: Buffer, isBinary: boolean): unknown;
  /** Decodes an HTTP body by its `Content-Type` (JSON when absent or unknown). Throws PARSE_ERROR. */
  decodeBody(bytes: Buffer, contentType: string | null): unknown;
}

/** A codec of its own for each client: the msgpack encoder keeps buffers, so it is never shared. */
export function createClientCodec(encoding: ClientEncoding): ClientCodec {
  if (encoding !== 'json' && encoding !== 'msgpack') throw new TypeError(`encoding must be "json" or "msgpack", got ${String(encoding)}`);
  const json = new JsonCodec();
  const msgpack = new MsgpackCodec();
  const chosen = encoding === 'json' ? json : msgpack;
  return {
    name: encoding,
    contentType: encoding === 'json' ? JSON_MEDIA_TYPES[0] : MSGPACK_MEDIA_TYPES[0],
    binary: chosen.binary,
    encode: (value) => chosen.encode(value),
    decode: (bytes, isBinary) => (isBinary ? msgpack : json).decode(bytes),
    decodeBody: (bytes, contentType) => (contentType !== null && MSGPACK_MEDIA_TYPES.includes(mediaType(contentType)) ? msgpack : json).decode(bytes),
  };
}
