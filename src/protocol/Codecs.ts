import { JSON_MEDIA_TYPES, mediaType, MSGPACK_MEDIA_TYPES, type Codec } from './Codec';
import { JsonCodec } from './JsonCodec';
import { MsgpackCodec } from './MsgpackCodec';

/**
 * One node's codecs: a JSON and a msgpack codec, and the content negotiation between them. Create
 * one per node (or let each transport create its own); they hold encoder state, so never share one
 * through a module-level variable.
 */
export class Codecs {
  readonly json: JsonCodec;
  readonly msgpack: MsgpackCodec;

  /** @param limits.maxDepth the deepest nesting either codec decodes (`limits.maxDepth`) @default 64 */
  constructor(limits: { readonly maxDepth?: number } = {}) {
    this.json = new JsonCodec(limits.maxDepth);
    this.msgpack = new MsgpackCodec(limits.maxDepth);
  }

  /** The codec for a request's `Content-Type`, or undefined when it names neither encoding. */
  forContentType(header: string | undefined): Codec | undefined {
    if (header === undefined) return undefined;
    const type = mediaType(header);
    if (JSON_MEDIA_TYPES.includes(type)) return this.json;
    if (MSGPACK_MEDIA_TYPES.includes(type)) return this.msgpack;
    return undefined;
  }

  /**
   * The codec for a response, from the request's `Accept` header: msgpack when the client lists a
   * msgpack media type with a quality at least as high as `application/json`'s, else `fallback`
   * (JSON by default). Wildcards (`*\/*`, `application/*`) never select msgpack.
   *
   * @example
   * codecs.forAccept('application/msgpack') // msgpack
   * codecs.forAccept('application/json, application/msgpack;q=0.5') // json
   */
  forAccept(header: string | undefined, fallback: Codec = this.json): Codec {
    if (header === undefined || header === '') return fallback;
    let msgpackQ = 0;
    let jsonQ = 0;
    for (const range of header.split(',')) {
      const [typePart, ...paramParts] = range.split(';');
      const type = typePart.trim().toLowerCase();
      const q = quality(paramParts);
      if (MSGPACK_MEDIA_TYPES.includes(type)) msgpackQ = Math.max(msgpackQ, q);
      else if (JSON_MEDIA_TYPES.includes(type)) jsonQ = Math.max(jsonQ, q);
    }
    if (msgpackQ > 0 && msgpackQ >= jsonQ) return this.msgpack;
    if (jsonQ > 0) return this.json;
    return fallback;
  }
}

/** The `q` parameter of a media range (1 when absent or malformed). */
function quality(params: string[]): number {
  for (const param of params) {
    const [name, value] = param.split('=');
    if (name.trim().toLowerCase() !== 'q' || value === undefined) continue;
    const q = Number(value.trim());
    return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 1;
  }
  return 1;
}
