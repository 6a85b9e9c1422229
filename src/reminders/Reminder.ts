/**
 * Reminders: future calls an actor schedules for itself (docs/actors.md "Reminders"). The record of
 * an actor holds its reminders (`t`), so that they are created, moved and cancelled only when the
 * turn that asked for it commits; a grid map indexed by due time lets every node find due ones.
 */
import type { RemindersConfig } from '../config/remindersSchema';

/** When and how a reminder fires: `ActorContext.remind(name, options)`. Exactly one of `at` and `after`. */
export interface ReminderOptions {
  /** When it is due: epoch milliseconds or a Date. */
  at?: number | Date;
  /** When it is due: this many milliseconds after the turn runs. */
  after?: number;
  /**
   * Fire again every this many milliseconds, counted from the due time (not from when it ran). Missed
   * periods (the cluster was down, the method kept failing) are not replayed one by one: the next call
   * is one catch-up call whose `info.missed` says how many periods it stands for.
   */
  every?: number;
  /** Given to the method as its first argument (JSON or msgpack value, at most `reminders.maxPayloadBytes`). */
  payload?: unknown;
  /** The @Reminder method of this actor to call. @default the reminder's name */
  method?: string;
}

/** The second argument of a @Reminder method. */
export interface ReminderInfo {
  /** The reminder's name. */
  name: string;
  /** The due time this call is for, epoch ms (for a catch-up call, the latest period it stands for). */
  scheduledAt: number;
  /** Periods of a periodic reminder that passed without a call of their own and this call stands for. */
  missed: number;
  /** 1 for the first try; more when earlier tries of this occurrence threw. */
  attempt: number;
  /** The period, for periodic reminders. */
  every?: number;
}

/** A reminder as actor code and `reminder.list` see it. */
export interface ReminderView {
  name: string;
  method: string;
  /** When it next fires, epoch ms (a retry's time after a failed try). */
  due: number;
  every?: number;
  payload?: unknown;
  /** Failed tries of the current occurrence. */
  failures: number;
}

/** One reminder in an actor's record (msgpack, field `t` of the record, by name). */
export interface StoredReminder {
  /** The method. */
  m: string;
  /** The occurrence it stands for (the due time set, or reached by periods). */
  at: number;
  /** When to try next: `at`, or later after failed tries. */
  due: number;
  /** Period, ms. */
  e?: number;
  /** Payload. */
  p?: unknown;
  /** Failed tries of this occurrence. */
  f?: number;
}

/** What a turn lets actor code do with its reminders (`ActorContext.remind` and friends). */
export interface ReminderScope {
  remind(name: string, options: ReminderOptions): void;
  cancel(name: string): boolean;
  list(): ReminderView[];
}

/** What a turn enforces of reminders (config `reminders`). */
export type ReminderRules = Pick<RemindersConfig, 'maxPerActor' | 'maxPayloadBytes' | 'minPeriodMs' | 'maxTries' | 'backoffMs' | 'maxBackoffMs'>;
