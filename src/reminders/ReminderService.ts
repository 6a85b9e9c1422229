import type { RemindersConfig } from '../config/remindersSchema';
import type { Logger } from '../runtime/Logger';
import type { ReminderOutcome } from '../runtime/Turn';
import type { DueEntry, ReminderIndex } from './ReminderIndex';

/** Settings of a node's reminder firing (config `reminders`). */
export type ReminderServiceOptions = Pick<RemindersConfig, 'pollMs' | 'claimMs' | 'maxConcurrent'>;

/** Runs the turn that fires one reminder (Invoker.fireReminder). */
export type FireReminder = (type: string, id: string, name: string, method: string) => Promise<ReminderOutcome>;

/** What became of a reminder this node took, for metrics. */
export type ReminderEvent = 'fired' | 'skipped' | 'failed' | 'gaveUp' | 'deferred';

/**
 * Every node's part in firing reminders: every `pollMs` it looks through the due-time index for due,
 * unclaimed entries (in random order, so nodes seldom race for the same ones), claims some with a
 * compare-and-set that lasts `claimMs`, and fires each as a turn of its actor. The turn decides from
 * the actor's record — fire, retry later, or nothing — so two nodes that fire the same entry (a claim
 * ran out) still apply it once. A node that dies holding claims delays those reminders by at most
 * `claimMs`. While a poll finds more than it can take, the next one starts as soon as a fire ends.
 */
export class ReminderService {
  private timer: NodeJS.Timeout | undefined;
  private running = 0;
  private polling = false;
  private backlog = false;
  private stopped = false;

  constructor(
    private readonly index: ReminderIndex,
    private readonly fire: FireReminder,
    private readonly log: Logger,
    private readonly options: ReminderServiceOptions,
    private readonly observe?: (type: string, event: ReminderEvent) => void,
  ) {}

  async start(): Promise<void> {
    await this.index.start();
    this.schedule(this.options.pollMs * Math.random());
  }

  /** Stops looking for due reminders; fires under way finish (their turns are the invoker's). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), delayMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const free = this.options.maxConcurrent - this.running;
      if (free <= 0) {
        this.backlog = true;
        return;
      }
      // A page a few times what this node can take, taken in random order: nodes polling at once
      // seldom race for the same entries.
      const page = free * 4;
      const due = await this.index.due(Date.now(), page);
      this.backlog = due.length > free;
      shuffle(due);
      const until = Date.now() + this.options.claimMs;
      const claims = await Promise.all(due.slice(0, free).map(async ([key, entry]) => [key, await this.index.claim(key, entry, until).catch(() => undefined)] as const));
      for (const [key, claimed] of claims) if (claimed) this.fireClaimed(key, claimed);
    } catch (err) {
      this.log.warn('looking for due reminders failed; trying again', { err });
    } finally {
      this.polling = false;
      this.schedule(this.options.pollMs);
    }
  }

  private fireClaimed(key: string, entry: DueEntry): void {
    this.running += 1;
    void this.fireOne(key, entry).finally(() => {
      this.running -= 1;
      if (this.backlog) {
        this.backlog = false;
        this.schedule(0);
      }
    });
  }

  private async fireOne(key: string, entry: DueEntry): Promise<void> {
    const actor = `${entry.t}/${entry.i}`;
    let outcome: ReminderOutcome;
    try {
      outcome = await this.fire(entry.t, entry.i, entry.n, entry.m);
    } catch (err) {
      this.observe?.(entry.t, 'deferred');
      const code = (err as { code?: unknown } | null)?.code;
      if (code === 'UNKNOWN_ACTOR_TYPE' || code === 'UNKNOWN_ACTOR_METHOD') {
        // Not served here (e.g. during a rolling deploy): the claim runs out and a node that serves it fires it.
        this.log.warn('a due reminder names an actor type or method this node does not serve; another node may fire it', { actor, reminder: entry.n, method: entry.m });
        return;
      }
      // Not run now (the actor stayed locked, the grid failed): let go of the claim for another try.
      this.log.debug('a due reminder could not run now; it is tried again', { actor, reminder: entry.n, err });
      await this.index.release(key, entry).catch(() => undefined);
      return;
    }
    switch (outcome.reminder) {
      case 'fired':
        this.observe?.(entry.t, 'fired');
        return;
      case 'skipped':
        this.observe?.(entry.t, 'skipped');
        return;
      case 'retry':
        this.observe?.(entry.t, 'failed');
        this.log.warn('a reminder\'s method threw; it is tried again later', { actor, reminder: entry.n, method: entry.m, tries: outcome.tries, err: outcome.error });
        return;
      case 'gaveUp':
        this.observe?.(entry.t, 'gaveUp');
        this.log.error('a reminder\'s method kept throwing; this occurrence is given up', { actor, reminder: entry.n, method: entry.m, tries: outcome.tries, err: outcome.error });
        return;
    }
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
