import type { Grid, GridMap, JsonValue } from '../grid';
import { P } from '../grid';
import type { ReminderTable } from './ReminderTable';

/** The grid map of due times every node looks through. */
export const REMINDER_INDEX_MAP = 'reminders';

/** One entry of the due-time index: which reminder of which actor is due when, and who claimed it. */
export interface DueEntry {
  /** Actor type. */
  t: string;
  /** Actor id. */
  i: string;
  /** Reminder name. */
  n: string;
  /** Method. */
  m: string;
  /** Due, epoch ms: never later than the record's (it may be earlier: a node then finds nothing due and corrects it). */
  due: number;
  /** Claimed by a node until then, epoch ms (0: free). */
  claim: number;
}

/**
 * The due-time index of all reminders (IMap `reminders`, JSON, sorted index on `due`), so finding
 * due ones costs what is due, not what is pending. The actors' records are the truth; the index is
 * what finds them, kept never later than the truth:
 * - before a turn commits, a reminder it creates or brings forward is written with the earlier of
 *   its old and new due time (so a commit followed by a crash still leaves it findable);
 * - after the turn (committed or not), the entries of the names it touched are set to what the
 *   record says, or deleted;
 * - a node that finds an entry due runs a turn on the actor, which fires only what the record says
 *   is due, and corrects the entry either way.
 */
export class ReminderIndex {
  private readonly map: GridMap<JsonValue>;

  constructor(grid: Grid) {
    this.map = grid.map<JsonValue>(REMINDER_INDEX_MAP, 'json');
  }

  /** Creates the sorted index on `due` (idempotent). */
  async start(): Promise<void> {
    await this.map.addIndex('due', 'sorted');
  }

  /** Before the commit: entries for reminders the turn created or brought forward. */
  async beforeCommit(type: string, id: string, table: ReminderTable): Promise<void> {
    await Promise.all(
      table.earlier().map(async (r) => {
        await this.map.set(entryKey(type, id, r.name), entry(type, id, r.name, r.method, r.due));
        table.markIndexed(r.name, r.method, r.due);
      }),
    );
  }

  /** After the turn: the touched names' entries as the record now says (written or not, the table is what is stored). */
  async sync(type: string, id: string, table: ReminderTable): Promise<void> {
    await Promise.all(
      table.unsynced().map((name) => {
        const r = table.get(name);
        const key = entryKey(type, id, name);
        return r ? this.map.set(key, entry(type, id, name, r.m, r.due)) : this.map.delete(key);
      }),
    );
  }

  /**
   * At most `limit` entries due by `now` and not claimed, through the index on `due` (a page: a
   * backlog of due reminders is not read whole on every poll).
   */
  async due(now: number, limit: number): Promise<Array<[string, DueEntry]>> {
    const found = await this.map.entries(P.and(P.lte('due', now), P.lte('claim', now)), limit);
    return found as unknown as Array<[string, DueEntry]>;
  }

  /** Claims an entry as found, until `until`; false if it changed meanwhile (another node claimed it, or a turn moved it). */
  async claim(key: string, found: DueEntry, until: number): Promise<DueEntry | undefined> {
    const claimed: DueEntry = { ...found, claim: until };
    return (await this.map.replaceIfSame(key, found as unknown as JsonValue, claimed as unknown as JsonValue)) ? claimed : undefined;
  }

  /** Lets go of a claim the turn did not settle (e.g. the actor stayed locked), if the entry is still as claimed. */
  async release(key: string, claimed: DueEntry): Promise<void> {
    await this.map.replaceIfSame(key, claimed as unknown as JsonValue, { ...claimed, claim: 0 } as unknown as JsonValue);
  }

  /** The index entry of one reminder, if any (tests, ops). */
  async entry(type: string, id: string, name: string): Promise<DueEntry | undefined> {
    return (await this.map.get(entryKey(type, id, name))) as unknown as DueEntry | undefined;
  }
}

function entryKey(type: string, id: string, name: string): string {
  return JSON.stringify([type, id, name]);
}

function entry(t: string, i: string, n: string, m: string, due: number): JsonValue {
  return { t, i, n, m, due, claim: 0 } satisfies DueEntry as unknown as JsonValue;
}
