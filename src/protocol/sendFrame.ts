import { UndeliverableItemError } from '../push';
import type { NotificationFrame, PushEncoding } from './NotificationFrame';
import type { PushChannel } from './Session';

/**
 * Sends a pushed item's frame to one subscription over its channel, in `encoding` (fixed when it subscribed). A frame
 * that encoding cannot carry is the item's problem, not the subscriber's: it throws
 * UndeliverableItemError, which the push core turns into a miss for this subscriber only.
 */
export function sendFrame(push: PushChannel, encoding: PushEncoding, frame: NotificationFrame, subscriptionId: string, what: string): void {
  let bytes: string | Buffer;
  try {
    bytes = frame.frame(encoding, subscriptionId);
  } catch (err) {
    throw new UndeliverableItemError(`${what} cannot be encoded as ${encoding}`, { cause: err });
  }
  push.send(bytes, encoding === 'msgpack');
}
