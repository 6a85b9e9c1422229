import { Packr } from 'msgpackr';
import type { HeaderValue } from './Destination';

/** A message as the destination's stream holds it (msgpack): body, headers, subtopic, publish time. */
export interface StoredMessage {
  b: unknown;
  h: Record<string, HeaderValue>;
  t?: string;
  /** Published at, epoch ms. */
  at: number;
}

/** A message read back from the stream, with its sequence. */
export interface DeliveredMessage extends StoredMessage {
  seq: number;
}

/** Encodes and decodes stored messages; one per node. */
export class StoredMessageCodec {
  private readonly packr = new Packr({ useRecords: false, moreTypes: true });

  encode(message: StoredMessage): Buffer {
    return Buffer.from(this.packr.pack(message));
  }

  decode(bytes: Buffer, seq: number): DeliveredMessage {
    const m = this.packr.unpack(bytes) as StoredMessage;
    return { ...m, seq };
  }
}
