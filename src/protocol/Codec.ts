/** The two wire encodings. */
export type CodecName = 'json' | 'msgpack';

/**
 * Turns wire bytes into values and back. `decode` throws a coded PARSE_ERROR for anything that is
 * not one complete, valid document; `encode` may throw for values the encoding cannot represent
 * (cycles, huge BigInts), which callers turn into INTERNAL (see `encodeResponse`).
 */
export interface Codec {
  readonly name: CodecName;
  /** The `Content-Type` of encoded bodies, e.g. `application/msgpack`. */
  readonly contentType: string;
  /** True when encoded values are bytes (WebSocket binary frames), false for text. */
  readonly binary: boolean;
  /** Decodes one document. Throws ActorGridError PARSE_ERROR. */
  decode(bytes: Uint8Array | string): unknown;
  /** Encodes one value: a string for text encodings, a Buffer for binary ones. */
  encode(value: unknown): string | Buffer;
}

/** The media types (lowercase, no parameters) that name the JSON encoding. */
export const JSON_MEDIA_TYPES: readonly string[] = ['application/json'];

/** The media types that name msgpack; `application/x-msgpack` is accepted as a common alias. */
export const MSGPACK_MEDIA_TYPES: readonly string[] = ['application/msgpack', 'application/x-msgpack'];

/** The media type of a `Content-Type` value: lowercase, without parameters (`; charset=…`). */
export function mediaType(header: string): string {
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}
