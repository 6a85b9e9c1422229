import type { CodecName } from './Codec';
import type { Codecs } from './Codecs';
import { JSONRPC_VERSION } from './JsonRpc';

/** Subscription ids are this long (32 hex digits), so one encoded frame can be patched per subscriber. */
export const SUBSCRIPTION_ID_LENGTH = 32;
const PLACEHOLDER = 'x'.repeat(SUBSCRIPTION_ID_LENGTH);

/** Where a pushed frame goes: a JSON-RPC notification in either wire encoding, or a Server-Sent Event. */
export type PushEncoding = CodecName | 'sse';

/** The SSE side of a frame: the event's name and, when the stream is resumable, its id. */
export interface SseEventOptions {
  event: string;
  id?: string | number;
}

/**
 * One server → client notification `{jsonrpc, method, params: {subscription, ...params}}`, encoded at
 * most once per format on this node however many subscribers get it: JSON and msgpack are encoded
 * with a placeholder where the subscription id goes (first in `params`, so the placeholder is the
 * frame's first occurrence of it) and each subscriber gets a copy with its id written in. The same
 * item as a Server-Sent Event (`params` as `data`) is encoded once too. An encoding failure is kept,
 * so every later subscriber fails fast with the same error.
 *
 * @example
 * const frame = new NotificationFrame(codecs, 'sharedObject.sync', { name, version, set }, { event: 'sync', id: version });
 * channel.send(frame.frame(channel.encoding, subscription.id));
 */
export class NotificationFrame {
  private json?: { head: string; tail: string } | { failed: unknown };
  private msgpack?: { bytes: Buffer; offset: number } | { failed: unknown };
  private sseEvent?: string | { failed: unknown };

  constructor(
    private readonly codecs: Codecs,
    readonly method: string,
    readonly params: Record<string, unknown>,
    private readonly sseOptions: SseEventOptions = { event: method },
  ) {}

  /** The frame for subscription `id` (exactly `SUBSCRIPTION_ID_LENGTH` characters), in `encoding`. Throws when it cannot be encoded. */
  frame(encoding: PushEncoding, id: string): string | Buffer {
    if (encoding === 'sse') return this.sse();
    if (id.length !== SUBSCRIPTION_ID_LENGTH) throw new RangeError(`subscription ids are ${SUBSCRIPTION_ID_LENGTH} characters, got ${id.length}`);
    if (encoding === 'json') {
      this.json ??= attempt(() => {
        const text = this.codecs.json.encode(this.notification());
        const at = text.indexOf(PLACEHOLDER);
        return { head: text.slice(0, at), tail: text.slice(at + PLACEHOLDER.length) };
      });
      if ('failed' in this.json) throw this.json.failed;
      return this.json.head + id + this.json.tail;
    }
    this.msgpack ??= attempt(() => {
      const bytes = this.codecs.msgpack.encode(this.notification());
      return { bytes, offset: bytes.indexOf(PLACEHOLDER, 0, 'latin1') };
    });
    if ('failed' in this.msgpack) throw this.msgpack.failed;
    const copy = Buffer.allocUnsafe(this.msgpack.bytes.length);
    this.msgpack.bytes.copy(copy);
    copy.write(id, this.msgpack.offset, 'latin1');
    return copy;
  }

  /** The Server-Sent Event, the same for every SSE subscriber. Throws when it cannot be encoded. */
  sse(): string {
    this.sseEvent ??= attempt(() => sseEvent(this.sseOptions.event, this.codecs.json.encode(this.params), this.sseOptions.id));
    if (typeof this.sseEvent !== 'string') throw this.sseEvent.failed;
    return this.sseEvent;
  }

  private notification(): object {
    return { jsonrpc: JSONRPC_VERSION, method: this.method, params: { subscription: PLACEHOLDER, ...this.params } };
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
