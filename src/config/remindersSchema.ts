import { integer, ms, section } from './schemaParts';

/** Config section `reminders` (docs/actors.md "Reminders"). */
export const remindersSection = section('Durable reminders: future calls actors schedule for themselves.', {
  pollMs: ms(500, 'how often a node looks for due reminders in the due-time index'),
  claimMs: ms(30000, 'how long a node that took a due reminder has it to itself before another node may fire it (the firing node died); longer than turn.leaseMs'),
  maxConcurrent: integer(64, 1, 'reminders one node fires at the same time'),
  maxTries: integer(5, 1, 'tries of one occurrence whose method throws before it is given up (a periodic reminder then moves on to its next period)'),
  backoffMs: ms(1000, 'the wait before the second try of a reminder whose method threw; doubles per try'),
  maxBackoffMs: ms(60000, 'the longest wait between tries'),
  maxPerActor: integer(100, 1, 'reminders one actor may have'),
  maxPayloadBytes: integer(65536, 0, 'the largest payload of a reminder, encoded'),
  minPeriodMs: ms(1000, 'the shortest period of a periodic reminder'),
});

/** Durable reminders (docs/actors.md "Reminders"). */
export interface RemindersConfig {
  /** How often, in ms, a node looks for due reminders. @default 500 */
  readonly pollMs: number;
  /** How long, in ms, a node that took a due reminder has it to itself (then another node may fire it). @default 30000 */
  readonly claimMs: number;
  /** Reminders one node fires at the same time. @default 64 */
  readonly maxConcurrent: number;
  /** Tries of one occurrence whose method throws before it is given up. @default 5 */
  readonly maxTries: number;
  /** Wait in ms before the second try; doubles per try. @default 1000 */
  readonly backoffMs: number;
  /** Longest wait in ms between tries. @default 60000 */
  readonly maxBackoffMs: number;
  /** Reminders one actor may have. @default 100 */
  readonly maxPerActor: number;
  /** Largest payload, encoded, in bytes. @default 65536 */
  readonly maxPayloadBytes: number;
  /** Shortest period of a periodic reminder, ms. @default 1000 */
  readonly minPeriodMs: number;
}
