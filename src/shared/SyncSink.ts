import { UndeliverableItemError, type PushSink } from '../push';
import type { SharedObjectSnapshot } from './SharedObject';
import type { SharedObjectSubscription, SyncChannel } from './SharedObjectService';
import type { SyncDelivery } from './SyncItem';

/**
 * One shared-object subscription's sink: versions go out strictly one after the other (`last` + 1),
 * anything it cannot be given becomes one reset snapshot. A class, not an object literal with a
 * getter: the push core reads `bufferedBytes` per item per subscriber, and literals with accessors
 * get a hidden class each (megamorphic reads with many subscribers).
 */
export class SyncSink implements PushSink<SyncDelivery> {
  constructor(
    private readonly name: string,
    private readonly channel: SyncChannel,
    private readonly snapshot: (name: string) => Promise<SharedObjectSnapshot>,
    /** The version the subscriber has; the subscription's filter drops what it already covers. */
    public last: number,
  ) {}

  get bufferedBytes(): number {
    return this.channel.bufferedBytes;
  }

  send(delivery: SyncDelivery, subscription: SharedObjectSubscription): void {
    if (delivery.item.v !== this.last + 1) throw new UndeliverableItemError(`${this.name}: version ${delivery.item.v} follows ${this.last}`);
    this.channel.sendSync(delivery, subscription);
    this.last = delivery.item.v;
  }

  /**
   * Versions it cannot be given: one reset snapshot instead; what the feed offers meanwhile is held
   * and then filtered against the snapshot's version.
   */
  async missed(_from: number, _to: number, subscription: SharedObjectSubscription): Promise<void> {
    const now = await this.snapshot(this.name);
    if (now.version <= this.last) return;
    this.channel.sendReset(this.name, now.version, now.slots, subscription);
    this.last = now.version;
  }
}
