import type { ServerResponse } from 'node:http';
import type { PushChannel } from '../../protocol/Session';

/**
 * A Server-Sent Events stream's push channel (`session.push`). A class, like WsPushChannel: every
 * subscription's backlog check reads `bufferedBytes` through it, once per item per subscriber, and
 * object literals with accessors get a hidden class each. A reader more than `maxBufferedBytes`
 * behind is not reading: the channel has the stream dropped (`cutOff`, on the next macrotask, once for a burst of writes).
 */
export class SsePushChannel implements PushChannel {
  readonly encoding = 'sse';
  /** Set once the stream is open: drops the connection. */
  cutOff: () => void = () => undefined;
  private cutting = false;
  private subscriptionIds = 0;

  constructor(
    private readonly raw: ServerResponse,
    private readonly maxBufferedBytes: number,
  ) {}

  get bufferedBytes(): number {
    return this.raw.writableLength;
  }

  send(frame: string | Buffer): boolean {
    const flushed = this.raw.write(frame);
    this.checkBacklog();
    return flushed;
  }

  newSubscriptionId(): string {
    return (++this.subscriptionIds).toString(36);
  }

  /** Drops the stream (once) when the reader is too far behind. */
  checkBacklog(): void {
    if (this.cutting || this.raw.writableLength <= this.maxBufferedBytes) return;
    this.cutting = true;
    setImmediate(() => {
      this.cutting = false;
      this.cutOff();
    });
  }
}
