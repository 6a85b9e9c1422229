import { ActorGridError, clip } from '../errors';
import type { PushChannel, Session } from './Session';

/** What a session's subscription must offer: an id, a close, and word of its closing. */
interface Closable {
  readonly id: string;
  close(): void;
  onClose(listener: () => void): void;
}

/**
 * The subscriptions of each session, for one kind of subscription (destinations, shared objects):
 * they end when the session's signal aborts (the connection closed), and `unsubscribe` finds them
 * by id on the session that made them only.
 */
export class SessionSubscriptions<S extends Closable> {
  private readonly bySession = new WeakMap<Session, Map<string, S>>();

  /** @param max the most subscriptions one session may hold (config `limits.maxSubscriptionsPerConnection`) */
  constructor(private readonly max = Number.POSITIVE_INFINITY) {}

  /** Checks that `session` may take one more subscription. @throws INVALID_REQUEST at the limit */
  checkRoom(session: Session): void {
    if ((this.bySession.get(session)?.size ?? 0) >= this.max) {
      throw new ActorGridError('INVALID_REQUEST', `at most ${this.max} subscriptions of this kind per connection (limits.maxSubscriptionsPerConnection)`, { limit: this.max });
    }
  }

  /** The push channel of a session that can take subscriptions. @throws INVALID_REQUEST otherwise. */
  static channel(session: Session, alternative: string): PushChannel {
    if (!session.push) throw new ActorGridError('INVALID_REQUEST', `subscriptions need a WebSocket connection (or ${alternative})`, {});
    return session.push;
  }

  /** Remembers a new subscription of `session`; closes it at once if the session already ended (or is at the limit: then it throws). */
  add(session: Session, subscription: S): void {
    try {
      this.checkRoom(session);
    } catch (err) {
      subscription.close();
      throw err;
    }
    let subs = this.bySession.get(session);
    if (!subs) {
      this.bySession.set(session, (subs = new Map()));
      const all = subs;
      session.signal?.addEventListener('abort', () => all.forEach((s) => s.close()), { once: true });
    }
    const mine = subs;
    mine.set(subscription.id, subscription);
    subscription.onClose(() => mine.delete(subscription.id));
    if (session.signal?.aborted) subscription.close();
  }

  /** Ends subscription `id` of `session`. @throws INVALID_ARGUMENTS (naming `field`) when the session has none by that id. */
  remove(session: Session, id: string, field = 'subscription'): void {
    const subscription = this.bySession.get(session)?.get(id);
    if (!subscription) throw new ActorGridError('INVALID_ARGUMENTS', `no ${field} ${clip(id)} on this connection`, { field });
    subscription.close();
  }
}
