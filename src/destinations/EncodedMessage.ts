import type { Codecs } from '../protocol/Codecs';
import type { DeliveredMessage } from './StoredMessage';

/** Subscription ids are this long (32 hex digits), so that one encoded frame can be patched per subscriber. */
export const SUBSCRIPTION_ID_LENGTH = 32;
const PLACEHOLDER = 'x'.repeat(SUBSCRIPTION_ID_LENGTH);

/** The message as clients see it (`destination.message` params, SSE data), without the subscription id. */
export function publicMessage(destination: string, m: DeliveredMessage): Record<string, unknown> {
  return { destination, seq: m.seq, ...(m.t === undefined ? {} : { subtopic: m.t }), headers: m.h, body: m.b, publishedAt: m.at };
}

/**
 * One published message, encoded at most once per format on this node however many subscribers
 * get it: a `destination.message` notification in JSON and msgpack with a placeholder where the
 * subscription id goes (the id is first in `params`, so the placeholder is the frame's first
 * occurrence of it), and an SSE event. Each subscriber's frame is a copy with its id written in.
 */
export class EncodedMessage {
  private json?: { head: string; tail: string };
  private msgpack?: { bytes: Buffer; offset: number };
  private sseEvent?: string;

  constructor(
    private readonly codecs: Codecs,
    readonly destination: string,
    readonly message: DeliveredMessage,
  ) {}

  private notification(): object {
    return {
      jsonrpc: '2.0',
      method: 'destination.message',
      params: { subscription: PLACEHOLDER, ...publicMessage(this.destination, this.message) },
    };
  }

  /** The notification for subscription `id`, in `encoding`. */
  frame(encoding: 'json' | 'msgpack', id: string): string | Buffer {
    if (encoding === 'json') {
      if (!this.json) {
        const text = this.codecs.json.encode(this.notification()) as string;
        const at = text.indexOf(PLACEHOLDER);
        this.json = { head: text.slice(0, at), tail: text.slice(at + PLACEHOLDER.length) };
      }
      return this.json.head + id + this.json.tail;
    }
    if (!this.msgpack) {
      const bytes = this.codecs.msgpack.encode(this.notification()) as Buffer;
      this.msgpack = { bytes, offset: bytes.indexOf(PLACEHOLDER, 0, 'latin1') };
    }
    const copy = Buffer.allocUnsafe(this.msgpack.bytes.length);
    this.msgpack.bytes.copy(copy);
    copy.write(id, this.msgpack.offset, 'latin1');
    return copy;
  }

  /** The Server-Sent Event (`id` = sequence), the same for every SSE subscriber. */
  sse(): string {
    this.sseEvent ??= `id: ${this.message.seq}\nevent: message\ndata: ${this.codecs.json.encode(publicMessage(this.destination, this.message)) as string}\n\n`;
    return this.sseEvent;
  }
}
