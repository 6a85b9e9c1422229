import { UndeliverableItemError } from '../push';
import type { Codecs } from './Codecs';
import type { NotificationFrame, PushEncoding } from './NotificationFrame';
import type { PushChannel } from './Session';

/**
 * What a push user's sink over a session's push channel shares (destinations' `ChannelSink`, shared
 * objects' `PushSyncChannel`): the encoding and the form (named or compact params) fixed at
 * subscribe time, the channel's backlog, and sending a pre-encoded frame. A class, not an object
 * literal with getters: the push core reads `bufferedBytes` per item per subscriber, and literals
 * with accessors get a hidden class each (megamorphic with many subscribers; see WsPushChannel).
 */
export abstract class FrameSink {
  protected readonly encoding: PushEncoding;

  constructor(
    protected readonly push: PushChannel,
    protected readonly codecs: Codecs,
    /** Positional params and a short id (docs/protocol.md "compact form"). */
    protected readonly compact: boolean,
  ) {
    this.encoding = push.encoding;
  }

  get bufferedBytes(): number {
    return this.push.bufferedBytes;
  }

  /**
   * Sends `frame` to subscription `id`. A frame the encoding cannot carry is the item's problem, not
   * the subscriber's: it throws UndeliverableItemError (`what` names the item), which the push core
   * turns into a miss for this subscriber only.
   */
  protected sendFrame(frame: NotificationFrame, id: string, what: string): void {
    let bytes: string | Buffer;
    try {
      bytes = frame.frame(this.encoding, id);
    } catch (err) {
      throw new UndeliverableItemError(`${what} cannot be encoded as ${this.encoding}`, { cause: err });
    }
    this.push.send(bytes, this.encoding === 'msgpack');
  }
}
