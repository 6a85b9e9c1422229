import { Action, Actor, ActorContext, Query, Reminder, State, type ReminderInfo, type ReminderView } from '../src';

const TTL = { type: 'integer', minimum: 1, maximum: 31 * 86_400_000 } as const;
const USER = { type: 'string', minLength: 1, maxLength: 256 } as const;

/**
 * A login session that expires itself: a durable reminder, not a timer on some node, so it expires
 * once, on whichever node is alive when it is due, even if every node restarted meanwhile.
 *
 * curl -X POST localhost:8080/actors/Session/s1/open -H 'content-type: application/json' -d '["ada", 5000]'
 * curl -X POST localhost:8080/actors/Session/s1/info        # user "ada" … five seconds later: user null
 */
@Actor('Session')
export class Session {
  @State() user: string | null = null;
  @State() expiresAt = 0;
  /** How many times this session expired (each reminder fires once). */
  @State() expirations = 0;

  /** Opens (or re-opens) the session for `user`; it expires `ttlMs` from now (default 30 minutes). */
  @Action({ params: [USER, TTL] })
  open(user: string, ttlMs: number = 30 * 60_000): number {
    this.user = user;
    return this.extend(ttlMs);
  }

  /** Keeps an open session alive for another `ttlMs`: the reminder of the same name is replaced. */
  @Action({ params: [TTL] })
  touch(ttlMs: number = 30 * 60_000): number {
    if (this.user === null) throw new Error('the session is not open');
    return this.extend(ttlMs);
  }

  /** Closes the session now; its reminder is cancelled with the same commit. */
  @Action()
  close(): void {
    this.user = null;
    ActorContext.current().cancelReminder('expire');
  }

  /** Called by the runtime when the session's time is up. */
  @Reminder()
  expire(_payload: undefined, info: ReminderInfo): void {
    this.user = null;
    this.expirations += 1;
    this.expiresAt = info.scheduledAt;
  }

  /** Who is logged in, until when, and the pending reminder. */
  @Query()
  info(): { user: string | null; expiresAt: number; expirations: number; reminders: ReminderView[] } {
    return { user: this.user, expiresAt: this.expiresAt, expirations: this.expirations, reminders: ActorContext.current().reminders() };
  }

  private extend(ttlMs: number): number {
    this.expiresAt = Date.now() + ttlMs;
    ActorContext.current().remind('expire', { at: this.expiresAt });
    return this.expiresAt;
  }
}
