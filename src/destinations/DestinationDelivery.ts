import type { Codecs } from '../protocol/Codecs';
import { NotificationFrame } from '../protocol/NotificationFrame';
import type { PushSink, PushSubscription } from '../push';
import type { DeliveredMessage } from './StoredMessage';

/** The JSON-RPC method of a pushed destination message. */
export const MESSAGE_METHOD = 'destination.message';
/** The JSON-RPC method of a gap notification (messages a subscriber will never get). */
export const GAP_METHOD = 'destination.gap';

/**
 * One destination message as the push core carries it on this node: decoded once, with its frames
 * (named params, and the compact form's positional ones), each encoded at most once per format for
 * all subscribers, and only when a subscriber needs it.
 */
export interface DestinationDelivery {
  readonly message: DeliveredMessage;
  readonly frame: NotificationFrame;
  readonly compactFrame: NotificationFrame;
}

/** A subscription to a destination. */
export type DestinationSubscription = PushSubscription<DestinationDelivery>;

/** Where a destination subscription's messages and gaps go. */
export type DestinationSink = PushSink<DestinationDelivery>;

/** The message as clients see it (`destination.message` params, SSE data), without the subscription id. */
export function publicMessage(destination: string, m: DeliveredMessage): Record<string, unknown> {
  return { destination, seq: m.seq, ...(m.t === undefined ? {} : { subtopic: m.t }), headers: m.h, body: m.b, publishedAt: m.at };
}

/**
 * The compact form's positional params after the subscription id (docs/protocol.md): `[seq,
 * publishedAt, body, headers?, subtopic?]`; headers only when there are some or a subtopic follows.
 */
export function compactMessage(m: DeliveredMessage): unknown[] {
  const params: unknown[] = [m.seq, m.at, m.b];
  if (m.t !== undefined) params.push(m.h, m.t);
  else if (Object.keys(m.h).length > 0) params.push(m.h);
  return params;
}

/** Wraps a message read from the stream; nothing is encoded until a subscriber needs a format. */
export function destinationDelivery(codecs: Codecs, destination: string, message: DeliveredMessage): DestinationDelivery {
  return {
    message,
    frame: new NotificationFrame(codecs, MESSAGE_METHOD, publicMessage(destination, message), { event: 'message', id: message.seq }),
    compactFrame: new NotificationFrame(codecs, MESSAGE_METHOD, compactMessage(message)),
  };
}

/** The gap notification for `[from, to]` (`event: gap` over SSE); compact: `[subscription, from, to]`. */
export function gapFrame(codecs: Codecs, destination: string, from: number, to: number, compact = false): NotificationFrame {
  return compact ? new NotificationFrame(codecs, GAP_METHOD, [from, to]) : new NotificationFrame(codecs, GAP_METHOD, { destination, from, to }, { event: 'gap' });
}
