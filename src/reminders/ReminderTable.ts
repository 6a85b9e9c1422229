import { ActorGridError, clip } from '../errors';
import type { ReminderInfo, ReminderOptions, ReminderRules, ReminderScope, ReminderView, StoredReminder } from './Reminder';

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/** One change a call asked for; applied to the table only if the call returns. */
type ReminderOp = { name: string; set: StoredReminder } | { name: string; cancel: true };

/** What firing a reminder in a turn comes to. */
export type FireDecision =
  | { fire: true; args: [payload: unknown, info: ReminderInfo]; key: string }
  | { fire: false; reason: string };

/**
 * An actor's reminders during one turn: read from its record, changed by the calls of the turn that
 * return (`remind`, `cancel`, a fired reminder moving on), written back with the turn's state. Knows
 * which names the turn touched, so the node can bring the due-time index in line after the commit,
 * and which index entries must exist before the commit (a reminder the index must not miss).
 */
export class ReminderTable {
  private readonly entries: Map<string, StoredReminder>;
  /** Names whose index entry may differ from the table after this turn. */
  readonly touched = new Set<string>();
  /** Index entries this turn wrote before its commit, by name (`method@due`). */
  private readonly indexed = new Map<string, string>();
  private dirty = false;

  constructor(
    /** The reminders as the turn found them (never changed: the table works on its own copy). */
    private readonly stored: Record<string, StoredReminder> | undefined,
    private readonly rules: ReminderRules,
    /** Whether the type has a @Reminder method of that name. */
    private readonly isReminder: (method: string) => boolean,
    /** The encoded size of a payload (throws for what cannot be encoded). */
    private readonly sizeOf: (value: unknown) => number,
  ) {
    this.entries = new Map(Object.entries(stored ?? {}));
  }

  /** Whether the record's reminders changed in this turn. */
  get changed(): boolean {
    return this.dirty;
  }

  /** The record's `t`, or undefined when there are none. */
  toRecord(): Record<string, StoredReminder> | undefined {
    return this.entries.size === 0 ? undefined : Object.fromEntries(this.entries);
  }

  /** The reminder of that name, as stored now. */
  get(name: string): StoredReminder | undefined {
    return this.entries.get(name);
  }

  /**
   * For the index entries written before the commit: the earliest of the due time the turn found and
   * the one it leaves, for names whose reminder got earlier or new. (Whichever way the write goes, the
   * index then never names a time later than the record's.)
   */
  earlier(): Array<{ name: string; due: number; method: string }> {
    const out: Array<{ name: string; due: number; method: string }> = [];
    for (const name of this.touched) {
      const now = this.entries.get(name);
      if (!now) continue;
      const was = this.stored?.[name]?.due;
      if (was === undefined || now.due < was) out.push({ name, due: now.due, method: now.m });
    }
    return out;
  }

  /** Notes an index entry written before the commit. */
  markIndexed(name: string, method: string, due: number): void {
    this.indexed.set(name, `${method}@${due}`);
  }

  /**
   * The touched names whose index entry is not already what the table holds: an entry written
   * before the commit with the final due time is left alone (rewriting it would drop a node's claim
   * on it, and another node would fire it again only to find it done).
   */
  unsynced(): string[] {
    return [...this.touched].filter((name) => {
      const r = this.entries.get(name);
      return !r || this.indexed.get(name) !== `${r.m}@${r.due}`;
    });
  }

  /** A per-call view for `ActorContext`: its changes are kept apart until `commit`. */
  scope(now: () => number = Date.now): ReminderScope & { readonly ops: ReminderOp[] } {
    const ops: ReminderOp[] = [];
    const effective = (): Map<string, StoredReminder> => {
      const view = new Map(this.entries);
      for (const op of ops) if ('set' in op) view.set(op.name, op.set); else view.delete(op.name);
      return view;
    };
    return {
      ops,
      remind: (name, options) => {
        const set = this.check(name, options, now());
        const view = effective();
        if (!view.has(name) && view.size >= this.rules.maxPerActor) {
          throw refused(`an actor may have at most ${this.rules.maxPerActor} reminders (reminders.maxPerActor); cancel one first`);
        }
        ops.push({ name, set });
      },
      cancel: (name) => {
        const had = effective().has(name);
        if (had) ops.push({ name, cancel: true });
        return had;
      },
      list: () => [...effective()].map(([name, r]) => view(name, r)),
    };
  }

  /** Applies the changes of a call that returned. */
  commit(ops: readonly ReminderOp[]): void {
    for (const op of ops) {
      if ('set' in op) this.entries.set(op.name, op.set);
      else this.entries.delete(op.name);
      this.touched.add(op.name);
      this.dirty = true;
    }
  }

  /**
   * Whether the reminder a node found due in the index is due by the record: if so, the arguments of
   * its method and the key its nested calls derive theirs from (same for every try of one occurrence
   * and attempt, so a node dying mid-fire makes the next node's nested calls apply once).
   */
  begin(name: string, method: string, now: number): FireDecision {
    this.touched.add(name); // the index entry is brought in line after the turn, fired or not
    const r = this.entries.get(name);
    if (!r) return { fire: false, reason: 'no such reminder (cancelled, fired, or set by a turn that failed)' };
    if (r.m !== method) return { fire: false, reason: 'the reminder now calls another method' };
    if (r.due > now) return { fire: false, reason: 'not due yet' };
    const missed = r.e ? Math.floor((now - r.at) / r.e) : 0;
    const scheduledAt = r.at + missed * (r.e ?? 0);
    const attempt = (r.f ?? 0) + 1;
    const info: ReminderInfo = { name, scheduledAt, missed, attempt, ...(r.e ? { every: r.e } : {}) };
    return { fire: true, args: [r.p, info], key: `reminder:${name}:${r.at}:${attempt}` };
  }

  /** The reminder's method returned: a one-shot reminder is done, a periodic one moves to its next period after now. */
  fired(name: string, now: number): void {
    const r = this.entries.get(name);
    if (!r) return;
    this.dirty = true;
    if (!r.e) {
      this.entries.delete(name);
      return;
    }
    const next = r.at + (Math.floor((now - r.at) / r.e) + 1) * r.e;
    const { f: _f, ...rest } = r;
    this.entries.set(name, { ...rest, at: next, due: next });
  }

  /**
   * The method threw: try again after a backoff that doubles per try, or give up after `maxTries`
   * (a periodic reminder then moves on to its next period, a one-shot one is dropped).
   */
  failed(name: string, now: number): { gaveUp: boolean; tries: number } {
    const r = this.entries.get(name);
    if (!r) return { gaveUp: true, tries: 0 };
    this.dirty = true;
    const tries = (r.f ?? 0) + 1;
    if (tries >= this.rules.maxTries) {
      this.fired(name, now);
      return { gaveUp: true, tries };
    }
    const delay = Math.min(this.rules.maxBackoffMs, this.rules.backoffMs * 2 ** (tries - 1));
    this.entries.set(name, { ...r, f: tries, due: now + delay });
    return { gaveUp: false, tries };
  }

  private check(name: string, options: ReminderOptions, now: number): StoredReminder {
    if (typeof name !== 'string' || !NAME.test(name)) throw refused(`a reminder name must match ${NAME}; got ${JSON.stringify(clip(String(name)))}`);
    if (options === null || typeof options !== 'object') throw refused('remind(name, options) needs options {at | after, every?, payload?, method?}');
    const { at, after, every, payload, method = name } = options;
    if ((at === undefined) === (after === undefined)) throw refused(`reminder ${name}: give exactly one of "at" and "after"`);
    const due = at !== undefined ? (at instanceof Date ? at.getTime() : at) : now + (after as number);
    if (typeof due !== 'number' || !Number.isFinite(due) || (after !== undefined && (typeof after !== 'number' || after < 0))) {
      throw refused(`reminder ${name}: "at" must be a Date or epoch milliseconds and "after" milliseconds ≥ 0`);
    }
    if (every !== undefined && (typeof every !== 'number' || !Number.isInteger(every) || every < this.rules.minPeriodMs)) {
      throw refused(`reminder ${name}: "every" must be whole milliseconds ≥ ${this.rules.minPeriodMs} (reminders.minPeriodMs)`);
    }
    if (!this.isReminder(method)) {
      throw refused(`reminder ${name}: this actor has no @Reminder() method ${JSON.stringify(clip(String(method)))}`);
    }
    if (payload !== undefined) {
      let size: number;
      try {
        size = this.sizeOf(payload);
      } catch {
        throw refused(`reminder ${name}: the payload cannot be encoded (JSON or msgpack values only)`);
      }
      if (size > this.rules.maxPayloadBytes) throw refused(`reminder ${name}: a payload of ${size} bytes; at most ${this.rules.maxPayloadBytes} (reminders.maxPayloadBytes)`);
    }
    const rounded = Math.round(due);
    return { m: method, at: rounded, due: rounded, ...(every !== undefined ? { e: every } : {}), ...(payload !== undefined ? { p: payload } : {}) };
  }
}

function view(name: string, r: StoredReminder): ReminderView {
  return { name, method: r.m, due: r.due, ...(r.e ? { every: r.e } : {}), ...(r.p !== undefined ? { payload: r.p } : {}), failures: r.f ?? 0 };
}

/** Misuse by actor code: the call fails with ACTOR_ERROR and this message. */
function refused(message: string): ActorGridError {
  return new ActorGridError('ACTOR_ERROR', message, { reason: 'reminder' });
}

/** The views of a record's reminders (`reminder.list`, queries). */
export function listReminders(stored: Record<string, StoredReminder> | undefined): ReminderView[] {
  return Object.entries(stored ?? {}).map(([name, r]) => view(name, r));
}
