import type { ActorContext, ActorType, OutboxItem, StateCodec } from '../actor';
import type { ActorMethod } from '../actor/ActorType';
import { isThenable } from '../actor/ContextScope';
import type { ReminderScope } from '../reminders/Reminder';
import type { TurnReminders } from '../reminders/TurnReminders';
import type { ReminderTable } from '../reminders/ReminderTable';
import { applyState, readState } from '../actor';
import { actorKey } from '../actor/CallRequest';
import { ActorGridError, UnavailableError } from '../errors';
import { LockNotOwnedError } from '../grid';
import type { ActorRecord } from './ActorRecord';
import { emptyRecord, findOutcome, trimOutcomes } from './ActorRecord';
import type { Logger } from './Logger';
import type { OutboxRelay } from './OutboxRelay';
import type { RecordCache } from './RecordCache';
import type { RecordStore, StoredRecord } from './RecordStore';
import { lockTimeout, type PendingCall } from './PendingCall';
import { methodError } from './methodError';
import { checkCallSizes, type CallSizeLimits } from './callSizeLimits';

/** What a turn needs from its node. */
export interface TurnEnv {
  codec: StateCodec;
  log: Logger;
  createInstance(type: ActorType): object;
  /**
   * A call's context; `startBy` bounds when its nested calls must have started. `reminders` is the
   * turn's view of the actor's reminders for this call; `idempotencyKey` replaces the request's (for
   * the key a fired reminder's nested calls derive theirs from).
   */
  createContext(type: ActorType, id: string, call: PendingCall, startBy: number, extras?: { reminders?: ReminderScope; idempotencyKey?: string; optimistic?: boolean }): ActorContext;
  lockWaitMs: number;
  leaseMs: number;
  idempotency: { maxEntries: number; maxAgeMs: number };
  /** What one call may leave behind (state, a stored result). @default no limits */
  sizes?: CallSizeLimits;
  /** Appends what turns emit (`ctx.publish`, shared-object changes) and repairs what a dead node left. */
  outbox: OutboxRelay;
  /** The actors' reminders and their due-time index. */
  reminders: TurnReminders;
  /** Set when optimistic methods' calls run without the lock (config `turn.optimistic`): the records this node last wrote. */
  optimistic?: { cache: RecordCache };
  /** Hears of turns and replays (metrics). */
  observe?: { turn(type: string, seconds: number, batch: number): void; lockWait(type: string, seconds: number): void; replay(type: string): void; event?(type: string, event: TurnEvent): void };
}

/**
 * What the scheduler reports about how turns went (metrics `actorgrid_turn_events_total`): `backoff`,
 * a call rolled back because its nested call met a busy actor; `pin`, a lock taken for such a call;
 * `held`, a batch run under the lock the previous batch kept.
 */
export type TurnEvent = 'backoff' | 'pin' | 'held';

/** What became of a reminder a node fired: the result of its call. */
export type ReminderOutcome =
  | { reminder: 'fired'; result: unknown }
  | { reminder: 'skipped'; reason: string }
  | { reminder: 'retry' | 'gaveUp'; tries: number; error: ActorGridError };

/**
 * How one call of a batch ended. `retry`: put it back (a nested call met a locked actor);
 * `deferred`: not run at all (the turn ended early to release the lock), put back as it was.
 */
export interface CallOutcome {
  call: PendingCall;
  result?: unknown;
  error?: ActorGridError;
  retry?: boolean;
  deferred?: boolean;
  /** With `retry`: the actor the call's nested call waited on in vain. */
  busy?: { type: string; id: string };
}

/**
 * One turn for one actor (DESIGN.md "The turn"): tryLock with a lease → read the record → run the
 * batch in order, each call against the state the previous one left, a throwing call rolled back
 * alone → one fenced write (replaceIfSame on the bytes read, or putIfAbsent for a new actor) →
 * unlock. Nothing is acknowledged before the grid acknowledged the write. With `onUnlock`, the
 * outcomes are returned as soon as the turn is over and the unlock is under way (its promise goes to
 * `onUnlock`: the actor's next turn on this node waits for it), so callers get their replies one grid
 * round trip sooner; without it, only after the unlock. `ways` tunes how the lock is taken and kept
 * (TurnWays).
 */
export async function runTurn(env: TurnEnv, map: RecordStore, type: ActorType, id: string, batch: PendingCall[], ways: TurnWays = {}): Promise<CallOutcome[]> {
  const { onUnlock, hold } = ways;
  // A batch of calls from other turns (or holding pins) waits only until the first of them must start.
  const startBys = batch.filter((c) => c.startBy !== undefined).map((c) => c.startBy!);
  const waitUntil = startBys.length > 0 ? Math.min(...startBys) : Date.now() + env.lockWaitMs;
  const started = Date.now();
  const records = env.optimistic?.cache;
  if (records && startBys.length === 0 && batch.every(runsOptimistically)) {
    const outcomes = await optimisticTurn(env, records, map, type, id, batch);
    if (outcomes) {
      env.observe?.turn(type.name, (Date.now() - started) / 1000, batch.length);
      return outcomes;
    }
    // Another writer got there first, or a call publishes or sets reminders: run them again, locked.
  }
  const cache: TurnCache = {};
  let locked: boolean;
  try {
    // First try the lock without waiting and read the record in the same tick: the grid runs a key's
    // operations from one client in order, so when that lock was free the read came after it and is
    // the record to start from — one round trip for both. The actor's own calls always do; calls
    // from other turns when the scheduler says the actor has not been found locked lately.
    const tryFirst = ways.tryFirst ?? startBys.length === 0;
    locked = tryFirst && (await lockAndRead(map, id, env.leaseMs, cache));
    if (!locked && tryFirst) ways.onBusy?.();
    if (!locked) locked = await map.tryLock(id, Math.max(1, waitUntil - Date.now()), env.leaseMs);
  } catch (err) {
    return failAll(batch, asUnavailable(err));
  }
  const lockedAt = Date.now();
  env.observe?.lockWait(type.name, (lockedAt - started) / 1000);
  if (!locked) {
    // Calls of the actor's own that came along with calls that may wait only briefly (from other
    // turns, or holding pins) have not had their full lock wait: they go back to the queue.
    const shortWait = startBys.length > 0;
    return batch.map((call) => (shortWait && call.startBy === undefined ? { call, deferred: true } : { call, error: lockTimeout(type.name, id) }));
  }
  try {
    for (let calls = batch; ;) {
      let outcomes = await lockedTurn(env, map, type, id, calls, lockedAt, cache);
      if (outcomes.every((o) => o.error?.code === 'CONFLICT') && calls.every(runsOptimistically)) {
        // The record read with the lock was older than the grid's (the client re-sent one of the two,
        // e.g. during a migration, so they did not run in order). These bodies may run again: once
        // more, on a read made under the lock.
        outcomes = await lockedTurn(env, map, type, id, calls, lockedAt, cache);
      }
      if (!hold || !cache.stored) return outcomes;
      // Still holding the lock, with the record as this node last wrote it: the next batch needs no
      // lock and no read. `next` settles these outcomes itself, so none are returned after it.
      const more = hold.next(outcomes, lockedAt);
      if (!more) return [];
      calls = more;
    }
  } finally {
    if (records) keepRecord(records, type, id, batch, cache);
    const released = map
      .unlock(id)
      .catch((err: unknown) => {
        if (err instanceof LockNotOwnedError) env.log.warn('lease ran out during a turn', { actor: `${type.name}/${id}`, leaseMs: env.leaseMs });
        else env.log.warn('unlock failed', { actor: `${type.name}/${id}`, err });
      })
      .then(() => env.observe?.turn(type.name, (Date.now() - started) / 1000, batch.length));
    if (onUnlock) onUnlock(released);
    else await released;
  }
}

/** How `runTurn` takes and keeps its lock; every field is optional. */
export interface TurnWays {
  /** Gets the unlock under way: the outcomes are returned before it is done (see runTurn). */
  onUnlock?: (released: Promise<void>) => void;
  /** Keeps the lock for more batches while the queue stays busy. */
  hold?: TurnHold;
  /**
   * Try the lock without waiting, together with the read, before waiting for it. @default only for
   * a batch of the actor's own calls (calls from other turns wait briefly and go straight to the wait)
   */
  tryFirst?: boolean;
  /** Hears that the lock tried first was taken (another node holds the actor). */
  onBusy?: () => void;
}

/**
 * Keeps an actor's lock across consecutive batches while its queue stays busy (TurnScheduler): given
 * a batch's outcomes while the lock is still held, it settles them and returns the next batch to run
 * under the same lock, or undefined to unlock (runTurn then returns no outcomes: all are settled).
 */
export interface TurnHold {
  next(outcomes: CallOutcome[], lockedAt: number): PendingCall[] | undefined;
}

/**
 * The record as a turn left it, for the next batch under the same lock: set only when the turn
 * knows exactly what the grid holds (it read it, or its write and any later write succeeded).
 */
export interface TurnCache {
  stored?: StoredRecord;
  /** The actor was read under the lock and has no record yet (`stored` is then undefined). */
  absent?: boolean;
}

/**
 * `tryLock` without waiting and `read` sent together. True with the lock taken (and `cache` holding
 * the record read after it, when the read succeeded); false when the actor is locked (what was read
 * is dropped: it may be older than what the holder is about to write).
 */
async function lockAndRead(map: RecordStore, id: string, leaseMs: number, cache: TurnCache): Promise<boolean> {
  const [lock, read] = await Promise.allSettled([map.tryLock(id, 0, leaseMs), map.read(id)]);
  if (lock.status === 'rejected') throw lock.reason;
  if (!lock.value) return false;
  if (read.status === 'fulfilled') {
    if (read.value) cache.stored = read.value;
    else cache.absent = true;
  }
  return true;
}

/**
 * A turn keeps well within its lease, so that its write is never fenced out after calls it made to
 * other actors have committed: it starts calls only during the first third of the lease (the rest of
 * the batch waits for the next turn), and calls to other actors must start by half the lease.
 */
export async function lockedTurn(env: TurnEnv, map: RecordStore, type: ActorType, id: string, batch: PendingCall[], lockedAt: number, cache: TurnCache = {}): Promise<CallOutcome[]> {
  return (await callsTurn(env, map, type, id, batch, lockedAt, cache, 'locked')) as CallOutcome[]; // a locked turn always ends with outcomes
}

/**
 * Where a turn's record comes from and what guards it: `locked` — read (or known) under the lock;
 * `read` — read without the lock, for an optimistic batch; `cached` — the node's last known record,
 * not read at all. The last two end `undefined` instead of writing when their write loses or when
 * the batch needs the lock (it emits, sets reminders, or a record's items wait to be appended), and
 * `cached` also when the batch changed nothing (its results came from a record that may be stale).
 */
type TurnSource = 'locked' | 'read' | 'cached';

async function callsTurn(env: TurnEnv, map: RecordStore, type: ActorType, id: string, batch: PendingCall[], lockedAt: number, cache: TurnCache, source: TurnSource): Promise<CallOutcome[] | undefined> {
  const optimistic = source !== 'locked';
  const startCallsUntil = lockedAt + env.leaseMs / 3;
  const nestedStartBy = lockedAt + env.leaseMs / 2;
  const callsMustEndBy = lockedAt + (env.leaseMs * 2) / 3;
  let stored: StoredRecord | undefined = cache.stored;
  const absent = cache.absent === true;
  cache.stored = undefined; // known again only if this turn ends knowing what the grid holds
  cache.absent = undefined;
  try {
    if (!stored && !absent) stored = await map.read(id);
  } catch (err) {
    return failAll(batch, asUnavailable(err));
  }
  const raw = stored?.raw;
  const record = stored?.record ?? emptyRecord();
  const key = actorKey(type.name, id);
  if (optimistic && record.o && record.o.length > 0) return undefined; // appending them needs the lock
  if (record.o && record.o.length > 0) {
    // What the last turn emitted must be in its streams before this turn emits anything.
    try {
      await env.outbox.repair(key, record.v, record.o);
    } catch (err) {
      return failAll(batch, asUnavailable(err));
    }
  }
  const reminders = env.reminders.table(type, record.t);
  let instance = env.createInstance(type);
  if (record.s) applyState(instance, type, env.codec.decode(record.s) as Record<string, unknown>);
  const original = record.s ?? env.codec.encode(readState(instance, type));
  let current = original;
  let recorded = false;
  const outcomes: CallOutcome[] = [];

  let backingOff = false;
  const outbox: OutboxItem[] = [];
  for (const call of batch) {
    if (backingOff || Date.now() > startCallsUntil) {
      // Either another actor this turn called is busy, probably calling us (release our lock soon
      // rather than make every call of the batch wait for it too), or the turn has used its time.
      outcomes.push({ call, deferred: true });
      continue;
    }
    const reminderName = call.request.reminder;
    const fire = reminderName === undefined ? undefined : reminders.begin(reminderName, call.method.name, Date.now());
    if (fire && !fire.fire) {
      outcomes.push({ call, result: { reminder: 'skipped', reason: fire.reason } satisfies ReminderOutcome });
      continue;
    }
    // A fired reminder is applied once by its record (the reminder moves on in the same write), not by a stored outcome.
    const idemKey = fire ? undefined : call.request.idempotencyKey;
    const previous = idemKey === undefined ? undefined : findOutcome(record, idemKey);
    if (previous && previous.m !== undefined && previous.m !== call.method.name) {
      // A key names one call: reusing it for another method would return that method's outcome and do nothing.
      outcomes.push({ call, error: new ActorGridError('INVALID_ARGUMENTS', `idempotency key ${JSON.stringify(idemKey)} was already used for ${type.name}.${previous.m} on this actor; use a new key for ${call.method.name}`, { field: 'idempotencyKey', method: previous.m }) });
      continue;
    }
    if (previous) {
      env.observe?.replay(type.name);
      outcomes.push(previous.err ? { call, error: new ActorGridError(previous.err.code, previous.err.message, previous.err.data) } : { call, result: previous.ok });
      continue;
    }
    const scope = reminders.scope();
    const ctx = env.createContext(type, id, call, nestedStartBy, { reminders: scope, ...(fire ? { idempotencyKey: fire.key } : {}), ...(optimistic ? { optimistic } : {}) });
    try {
      const target = instance;
      const ran = withinTurn(ctx, call.method, () => call.method.invoke(target, fire ? fire.args : call.args), callsMustEndBy - Date.now(), `${type.name}.${call.method.name}`);
      const { value: returned, emitted } = ran instanceof Promise ? await ran : ran;
      // A copy, so that later calls of the batch cannot change a result already produced.
      const result = returned !== null && typeof returned === 'object' ? storable('returned a value', () => env.codec.decode(env.codec.encode(returned))) : returned;
      const change = map.hooks?.afterCall(instance, env.codec.decode(current) as Record<string, unknown>, type, id);
      if (change) emitted.push(change);
      const state = storable('left state', () => env.codec.encode(readState(instance, type)));
      checkCallSizes(env.sizes, `${type.name}/${id}`, current, state, idemKey === undefined ? undefined : { result }, env.codec);
      current = state;
      if (idemKey !== undefined) {
        record.r.push([idemKey, { at: Date.now(), m: call.method.name, ok: result }]);
        recorded = true;
      }
      outbox.push(...emitted);
      reminders.commit(scope.ops);
      if (fire && reminderName !== undefined) {
        reminders.fired(reminderName, Date.now());
        outcomes.push({ call, result: { reminder: 'fired', result } satisfies ReminderOutcome });
        continue;
      }
      outcomes.push({ call, result });
    } catch (thrown) {
      instance = env.createInstance(type);
      applyState(instance, type, env.codec.decode(current) as Record<string, unknown>);
      const error = methodError(thrown);
      if (thrown instanceof ActorGridError && thrown.data?.reason === 'turn-time') backingOff = true; // the batch's time is used up
      if (error.code === 'LOCK_TIMEOUT' || error.code === 'CONFLICT') {
        outcomes.push({ call, error, retry: true, ...(ctx.busyTarget ? { busy: ctx.busyTarget } : {}) });
        backingOff = true;
        continue;
      }
      if (fire && reminderName !== undefined) {
        const { gaveUp, tries } = reminders.failed(reminderName, Date.now());
        outcomes.push({ call, result: { reminder: gaveUp ? 'gaveUp' : 'retry', tries, error } satisfies ReminderOutcome });
        continue;
      }
      if (idemKey !== undefined && !error.retryable) {
        record.r.push([idemKey, { at: Date.now(), m: call.method.name, err: { code: error.code, message: error.message, ...(error.data ? { data: error.data } : {}) } }]);
        recorded = true;
      }
      outcomes.push({ call, error });
    }
  }

  if (optimistic && (outbox.length > 0 || reminders.changed)) return undefined; // appends and the reminder index need the lock
  if (!recorded && outbox.length === 0 && current.equals(original) && !reminders.changed) {
    if (source === 'cached') return undefined; // what it returned came from a record that may be stale
    // Nothing changed: no write — except to drop items of an earlier turn that the repair above made sure of.
    if (raw && record.o && record.o.length > 0) cache.stored = await dropOutbox(env, map, id, raw, record);
    else cache.stored = stored;
    await syncReminders(env, type.name, id, reminders);
    return outcomes;
  }
  trimOutcomes(record, Date.now(), env.idempotency.maxEntries, env.idempotency.maxAgeMs);
  const entries = env.outbox.encode(key, record.v + 1, outbox);
  const t = reminders.toRecord();
  const next: ActorRecord = { v: record.v + 1, s: current, r: record.r, ...(entries.length > 0 ? { o: entries } : {}), ...(t ? { t } : {}) };
  let written: unknown;
  try {
    // Reminders the turn creates or brings forward are findable before it commits (ReminderIndex).
    if (reminders.touched.size > 0) await env.reminders.index.beforeCommit(type.name, id, reminders);
    written = await map.write(id, raw, next);
  } catch (err) {
    // The write's outcome is unknown (the grid did not answer): retryable, and safe to retry with an idempotency key.
    return failAll(batch, asUnavailable(err), outcomes);
  }
  if (written === undefined) {
    if (optimistic) return undefined;
    return failAll(batch, new ActorGridError('CONFLICT', `actor ${type.name}/${id} was written by another turn (the lock lease ran out)`, { type: type.name, id }), outcomes);
  }
  // Still under the lock, so that an actor's items keep the order of its turns. The calls have
  // committed: a failed append is logged and left to the next turn's repair, never reported to them.
  cache.stored = { record: next, raw: written };
  if (entries.length > 0 && (await env.outbox.append(key, next.v, entries))) cache.stored = await dropOutbox(env, map, id, written, next);
  await syncReminders(env, type.name, id, reminders);
  return outcomes;
}

/**
 * An optimistic batch (docs/actors.md "The turn"): no lock — the calls run on the record this node
 * last wrote, if it has it, and one compare-and-set writes the result; when that write loses, they
 * run once more on the record read from the grid. Undefined when neither wrote: the calls then run
 * under the lock (their methods declared that running again is safe).
 */
async function optimisticTurn(env: TurnEnv, records: RecordCache, map: RecordStore, type: ActorType, id: string, batch: PendingCall[]): Promise<CallOutcome[] | undefined> {
  const key = actorKey(type.name, id);
  const known = records.take(key);
  for (const source of known ? (['cached', 'read'] as const) : (['read'] as const)) {
    const cache: TurnCache = source === 'cached' ? { stored: known } : {};
    const outcomes = await callsTurn(env, map, type, id, batch, Date.now(), cache, source);
    if (outcomes === undefined) continue;
    if (cache.stored) records.put(key, cache.stored);
    return outcomes;
  }
  return undefined;
}

/** A call that may run without the lock: an optimistic method's, from a client, not a fired reminder, holding no pins. */
function runsOptimistically(call: PendingCall): boolean {
  return call.method.optimistic && call.request.reminder === undefined && !call.pinned && call.wantPins.size === 0;
}

/**
 * After a locked turn: the record it left is what an optimistic call of the actor starts from next
 * (kept when the batch had one), or is forgotten — the node's copy is stale once the turn wrote.
 */
function keepRecord(records: RecordCache, type: ActorType, id: string, batch: PendingCall[], cache: TurnCache): void {
  const key = actorKey(type.name, id);
  if (cache.stored && batch.some((call) => call.method.optimistic)) records.put(key, cache.stored);
  else records.forget(key);
}

/**
 * Once a record's items are known to be in their streams, writes the record without them (fenced on
 * the bytes just written or read, still under the lock), so that no later turn on another node has
 * to look for them — which, for an actor quiet while its streams moved on, could be past the window
 * it looks through. Best effort: if it fails, the next turn looks them up as usual.
 */
async function dropOutbox(env: TurnEnv, map: RecordStore, id: string, current: unknown, record: ActorRecord): Promise<StoredRecord | undefined> {
  const { o: _appended, ...kept } = record;
  try {
    const raw = await map.write(id, current, kept);
    return raw === undefined ? undefined : { record: kept, raw };
  } catch (err) {
    env.log.debug('dropping a record\'s appended items failed; the next turn looks them up', { id, err });
    return undefined;
  }
}

/**
 * Runs one method in its context, but no longer than the turn allows (two thirds of the lease from
 * the lock): a method still running then fails with ACTOR_ERROR, its changes are discarded, and its
 * context is closed so that it cannot call actors or publish afterwards. The lock is released long
 * before the lease would run out, so a hung method cannot cause a CONFLICT. What it emits is checked
 * within the same time (`ctx.outbox`). A method that finished in its synchronous run, emitting
 * nothing, has nothing left to time: its result comes back as is, with no timer and no promise.
 */
function withinTurn(ctx: ActorContext, method: ActorMethod, fn: () => unknown, budgetMs: number, what: string): MethodRun | Promise<MethodRun> {
  const value = ctx.run(fn, method);
  if (!isThenable(value) && ctx.outbox.length === 0) return { value, emitted: [] };
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctx.close('it ran past its turn');
      reject(new ActorGridError('ACTOR_ERROR', `${what} ran longer than its turn allows (${Math.round(budgetMs)} ms left of the lock lease); its changes were discarded`, { reason: 'turn-time' }));
    }, Math.max(0, budgetMs));
  });
  const finished = async (): Promise<MethodRun> => ({ value: await value, emitted: await Promise.all(ctx.outbox) });
  return Promise.race([finished(), expired]).finally(() => clearTimeout(timer));
}

/** What a method returned and the items it emitted, checked. */
interface MethodRun {
  value: unknown;
  emitted: OutboxItem[];
}

/**
 * Brings the due-time index in line with what the record now holds for the names the turn touched.
 * Best effort, still under the lock: an entry left early is corrected by the node that finds it due.
 */
async function syncReminders(env: TurnEnv, type: string, id: string, table: ReminderTable): Promise<void> {
  if (table.touched.size === 0) return;
  try {
    await env.reminders.index.sync(type, id, table);
  } catch (err) {
    env.log.warn('could not update the reminder index; the node that finds an entry due corrects it', { actor: `${type}/${id}`, err });
  }
}

function asUnavailable(err: unknown): ActorGridError {
  if (err instanceof ActorGridError) return err;
  // The grid client's own words stay on the node (the cause); clients get ours.
  return new UnavailableError('grid call failed', { cause: err });
}

/**
 * Encodes what a method left behind (its result, its state). A failure is the method's doing (a
 * cycle, a symbol, a huge BigInt) and fails the call with ACTOR_ERROR, its changes discarded, told
 * in the runtime's words: the encoder's own message ("Maximum call stack size exceeded", "Unknown
 * type: symbol") stays on the error's cause.
 */
function storable<T>(what: string, encode: () => T): T {
  try {
    return encode();
  } catch (err) {
    throw new ActorGridError('ACTOR_ERROR', `the method ${what} that cannot be stored (a cycle, a symbol, a function or a BigInt past 64 bits?)`, { reason: 'unstorable' }, { cause: err });
  }
}

/** Fails every call of the batch with `error`, except calls already marked for a retry. */
function failAll(batch: PendingCall[], error: ActorGridError, outcomes?: CallOutcome[]): CallOutcome[] {
  return batch.map((call) => {
    const earlier = outcomes?.find((o) => o.call === call);
    return earlier?.retry || earlier?.deferred ? earlier : { call, error };
  });
}
