import type { ActorType } from '../actor';
import type { ReminderRules, StoredReminder } from './Reminder';
import type { ReminderIndex } from './ReminderIndex';
import { ReminderTable } from './ReminderTable';

/** What a turn needs for reminders: the table of an actor's reminders, and the due-time index. */
export class TurnReminders {
  constructor(
    readonly index: ReminderIndex,
    private readonly rules: ReminderRules,
    /** The encoded size of a payload; throws for what cannot be encoded. */
    private readonly sizeOf: (value: unknown) => number,
  ) {}

  /** The reminders of an actor of `type` as its record holds them. */
  table(type: ActorType, stored: Record<string, StoredReminder> | undefined): ReminderTable {
    return new ReminderTable(stored, this.rules, (method) => type.methods.get(method)?.kind === 'reminder', this.sizeOf);
  }
}
