import type { Codecs } from '../protocol/Codecs';
import { NotificationFrame } from '../protocol/NotificationFrame';
import type { PushSink, PushSubscription } from '../push';
import type { DeliveredMessage } from './StoredMessage';

/** The JSON-RPC method of a pushed destination message. */
export const MESSAGE_METHOD = 'destination.message';
/** The JSON-RPC method of a gap notification (messages a subscriber will never get). */
export const GAP_METHOD = 'destination.gap';

/**
 * One destination message as the push core carries it on this node: decoded once, with its frame,
 * which is encoded at most once per format for all subscribers.
 */
export interface DestinationDelivery {
  readonly message: DeliveredMessage;
  readonly frame: NotificationFrame;
}

/** A subscription to a destination. */
export type DestinationSubscription = PushSubscription<DestinationDelivery>;

/** Where a destination subscription's messages and gaps go. */
export type DestinationSink = PushSink<DestinationDelivery>;

/** The message as clients see it (`destination.message` params, SSE data), without the subscription id. */
export function publicMessage(destination: string, m: DeliveredMessage): Record<string, unknown> {
  return { destination, seq: m.seq, ...(m.t === undefined ? {} : { subtopic: m.t }), headers: m.h, body: m.b, publishedAt: m.at };
}

/** Wraps a message read from the stream; nothing is encoded until a subscriber needs a format. */
export function destinationDelivery(codecs: Codecs, destination: string, message: DeliveredMessage): DestinationDelivery {
  return { message, frame: new NotificationFrame(codecs, MESSAGE_METHOD, publicMessage(destination, message), { event: 'message', id: message.seq }) };
}

/** The gap notification for `[from, to]` (`event: gap` over SSE). */
export function gapFrame(codecs: Codecs, destination: string, from: number, to: number): NotificationFrame {
  return new NotificationFrame(codecs, GAP_METHOD, { destination, from, to }, { event: 'gap' });
}
