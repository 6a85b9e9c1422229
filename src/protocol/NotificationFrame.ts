import type { CodecName } from './Codec';
import type { Codecs } from './Codecs';
import { JSONRPC_VERSION } from './JsonRpc';

/** Subscription ids of the named form are this long (32 hex digits); compact ids are shorter. */
export const SUBSCRIPTION_ID_LENGTH = 32;
/** Stands where the subscription id goes while a frame is encoded once: it cannot occur in a method name. */
const PLACEHOLDER = 'x'.repeat(SUBSCRIPTION_ID_LENGTH);
/** A subscription id, as the two frame formats need it: ASCII letters, digits, `-` and `_`, at most 255. */
const SUBSCRIPTION_ID = /^[A-Za-z0-9_-]{1,255}$/;

/** Where a pushed frame goes: a JSON-RPC notification in either wire encoding, or a Server-Sent Event. */
export type PushEncoding = CodecName | 'sse';

/** The SSE side of a frame: the event's name and, when the stream is resumable, its id. */
export interface SseEventOptions {
  event: string;
  id?: string | number;
}

/** One encoded frame split around its subscription id; `ids` keeps the frames of short ids, shared by all their subscribers. */
interface Split {
  head: Buffer;
  tail: Buffer;
  ids: Map<string, Buffer>;
}

/**
 * One server → client notification, encoded at most once per format on this node however many
 * subscribers get it. `params` is either named — `{jsonrpc, method, params: {subscription, ...params}}`
 * — or positional (the compact form, docs/protocol.md) — `{…, params: [subscription, ...params]}`.
 * JSON and msgpack are encoded with a placeholder where the subscription id goes (the first value
 * of `params`, so the placeholder is the frame's first occurrence of it), split around it, and each
 * subscriber gets head + its id + tail as one Buffer (JSON goes out as a text frame of UTF-8 bytes).
 * Ids may differ in length. The frame of a short id (a compact subscription's per-connection id:
 * every connection's first subscription is `1`) is built once and the same Buffer goes to every
 * subscriber with that id: no copy per delivery. The same item as a Server-Sent Event (`params` as
 * `data`) is encoded once too. An encoding failure is kept, so every later subscriber fails fast
 * with the same error.
 *
 * @example
 * const frame = new NotificationFrame(codecs, 'sharedObject.sync', { name, version, set }, { event: 'sync', id: version });
 * channel.send(frame.frame(channel.encoding, subscription.id), channel.encoding === 'msgpack');
 */
export class NotificationFrame {
  private json?: Split | { failed: unknown };
  private msgpack?: Split | { failed: unknown };
  private sseEvent?: string | { failed: unknown };

  constructor(
    private readonly codecs: Codecs,
    readonly method: string,
    readonly params: Record<string, unknown> | readonly unknown[],
    private readonly sseOptions: SseEventOptions = { event: method },
  ) {}

  /**
   * The frame for subscription `id` in `encoding`: the SSE event as a string, a notification as a
   * Buffer (UTF-8 JSON, or msgpack). Throws when it cannot be encoded, or `id` is not an id.
   */
  frame(encoding: PushEncoding, id: string): string | Buffer {
    if (encoding === 'sse') return this.sse();
    const split = encoding === 'json' ? (this.json ??= attempt(() => this.splitJson())) : (this.msgpack ??= attempt(() => this.splitMsgpack()));
    if ('failed' in split) throw split.failed;
    const short = id.length < SUBSCRIPTION_ID_LENGTH;
    if (short) {
      const known = split.ids.get(id);
      if (known) return known;
    }
    if (!SUBSCRIPTION_ID.test(id)) throw new RangeError(`not a subscription id: ${JSON.stringify(id.slice(0, 40))}`);
    // The id as a JSON string, or a msgpack str (fixstr below 32 bytes, else str8): ASCII, so one byte a character.
    const prefix = encoding === 'json' ? 1 : id.length < 32 ? 1 : 2;
    const suffix = encoding === 'json' ? 1 : 0;
    const { head, tail } = split;
    const bytes = Buffer.allocUnsafe(head.length + prefix + id.length + suffix + tail.length);
    head.copy(bytes, 0);
    let at = head.length;
    if (encoding === 'json') bytes[at++] = 0x22;
    else if (prefix === 1) bytes[at++] = 0xa0 | id.length;
    else {
      bytes[at++] = 0xd9;
      bytes[at++] = id.length;
    }
    at += bytes.write(id, at, 'latin1');
    if (suffix) bytes[at++] = 0x22;
    tail.copy(bytes, at);
    if (short) split.ids.set(id, bytes);
    return bytes;
  }

  /** The Server-Sent Event, the same for every SSE subscriber. Throws when it cannot be encoded. */
  sse(): string {
    this.sseEvent ??= attempt(() => sseEvent(this.sseOptions.event, this.codecs.json.encode(this.params), this.sseOptions.id));
    if (typeof this.sseEvent !== 'string') throw this.sseEvent.failed;
    return this.sseEvent;
  }

  private notification(): object {
    const params = Array.isArray(this.params) ? [PLACEHOLDER, ...this.params] : { subscription: PLACEHOLDER, ...this.params };
    return { jsonrpc: JSONRPC_VERSION, method: this.method, params };
  }

  /** JSON split around `"<placeholder>"`, quotes included. */
  private splitJson(): Split {
    const bytes = Buffer.from(this.codecs.json.encode(this.notification()), 'utf8');
    const at = bytes.indexOf(`"${PLACEHOLDER}"`, 0, 'latin1');
    return { head: bytes.subarray(0, at), tail: bytes.subarray(at + PLACEHOLDER.length + 2), ids: new Map() };
  }

  /** msgpack split around the placeholder's str8 (0xd9, 32, bytes). */
  private splitMsgpack(): Split {
    const bytes = this.codecs.msgpack.encode(this.notification());
    const at = bytes.indexOf(PLACEHOLDER, 0, 'latin1');
    if (at < 2 || bytes[at - 2] !== 0xd9 || bytes[at - 1] !== SUBSCRIPTION_ID_LENGTH) throw new Error('the subscription placeholder is not a str8');
    return { head: bytes.subarray(0, at - 2), tail: bytes.subarray(at + PLACEHOLDER.length), ids: new Map() };
  }
}

/**
 * One Server-Sent Event: `id:` (when given), `event:` and `data:` lines and the blank line that ends
 * it. `data` must be one line (JSON text is).
 */
export function sseEvent(event: string, data: string, id?: string | number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`;
}

function attempt<R>(encode: () => R): R | { failed: unknown } {
  try {
    return encode();
  } catch (err) {
    return { failed: err };
  }
}
