import type { ErrorCode } from '../errors';
import type { StoredReminder } from '../reminders/Reminder';
import type { OutboxEntry } from './OutboxRelay';

/** The stored outcome of a call made with an idempotency key. */
export interface IdempotentOutcome {
  /** When it was recorded, epoch ms. */
  at: number;
  /** The method the key was used for (a retry must name the same one). Absent in outcomes recorded before it was kept. */
  m?: string;
  /** The result, when the call returned. */
  ok?: unknown;
  /** The coded error, when it failed with a non-retryable error. */
  err?: { code: ErrorCode; message: string; data?: Record<string, unknown> };
}

/**
 * What the grid holds for one actor (IMap `actor.<Type>`, key = id), msgpack-encoded:
 * `v` the version (bumped on every committed turn that changed something), `s` the encoded @State fields,
 * `r` the outcomes of recent idempotent calls, oldest first, `o` what the turn emitted. Keeping `r` in the same record as the
 * state is what makes "applied once" hold: a call's effect and its recorded outcome commit together
 * in one fenced write.
 */
export interface ActorRecord {
  v: number;
  /** The encoded @State fields (kept as bytes so a turn encodes the state once per call, not twice). */
  s: Buffer | undefined;
  r: Array<[key: string, outcome: IdempotentOutcome]>;
  /**
   * What the turn that wrote this version emitted (messages, shared-object changes), appended to
   * their streams after the commit; the next turn makes sure they were (OutboxRelay).
   */
  o?: OutboxEntry[];
  /** The actor's reminders by name (docs/actors.md "Reminders"); absent when it has none. */
  t?: Record<string, StoredReminder>;
}

/** An actor that has never been written. */
export function emptyRecord(): ActorRecord {
  return { v: 0, s: undefined, r: [] };
}

/** The recorded outcome for `key`, if any. */
export function findOutcome(record: ActorRecord, key: string): IdempotentOutcome | undefined {
  for (const [k, outcome] of record.r) if (k === key) return outcome;
  return undefined;
}

/**
 * Drops outcomes older than `maxAgeMs` and then the oldest past `maxEntries`. A retry that comes after
 * its outcome was dropped is applied again: the bounds are the promise's limits (docs/actors.md).
 */
export function trimOutcomes(record: ActorRecord, now: number, maxEntries: number, maxAgeMs: number): void {
  let r = record.r.filter(([, o]) => now - o.at <= maxAgeMs);
  if (r.length > maxEntries) r = r.slice(r.length - maxEntries);
  record.r = r;
}
