/**
 * The actor of the reminders section (bench/remindersSection.ts). The nodes load it beside the
 * example actors only when that section runs (see nodeActorsDir in dataSection.ts).
 */
import { Action, Actor, ActorContext, Query, Reminder, State, type ReminderInfo } from '../../src';

/** What the bench reads back from one alarm. */
export interface AlarmView {
  /** Calls of `ring` so far: the bench checks that each reminder fired exactly once. */
  fires: number;
  /** When `ring` last ran, epoch ms (the node's clock; the bench runs on the same machine). */
  firedAt: number;
  /** `firedAt` − the due time it ran for, ms. */
  lateMs: number;
}

const EPOCH_MS = { type: 'integer', minimum: 0 } as const;
const COUNT = { type: 'integer', minimum: 1, maximum: 100 } as const;

/** Sets reminders due at a given time and records, when one fires, when and how late it ran. */
@Actor('BenchAlarm')
export class BenchAlarm {
  @State() fires = 0;
  @State() firedAt = 0;
  @State() lateMs = 0;

  /** Sets `count` reminders (r0, r1, …; at most `reminders.maxPerActor`) due at `at`, epoch ms. */
  @Action({ params: [EPOCH_MS, COUNT] })
  set(at: number, count: number = 1): void {
    for (let i = 0; i < count; i++) ActorContext.current().remind(`r${i}`, { at, method: 'ring' });
  }

  @Reminder()
  ring(_payload: undefined, info: ReminderInfo): void {
    this.fires += 1;
    this.firedAt = Date.now();
    this.lateMs = this.firedAt - info.scheduledAt;
  }

  @Query()
  read(): AlarmView {
    return { fires: this.fires, firedAt: this.firedAt, lateMs: this.lateMs };
  }
}
