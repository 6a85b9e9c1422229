import type { ActorContext, ActorType, OutboxItem, StateCodec } from '../actor';
import { applyState, readState } from '../actor';
import { actorKey } from '../actor/CallRequest';
import { ActorGridError, UnavailableError } from '../errors';
import { LockNotOwnedError } from '../grid';
import type { ActorRecord } from './ActorRecord';
import { emptyRecord, findOutcome, trimOutcomes } from './ActorRecord';
import type { Logger } from './Logger';
import type { OutboxRelay } from './OutboxRelay';
import type { RecordStore } from './RecordStore';
import { lockTimeout, type PendingCall } from './PendingCall';
import { methodError } from './methodError';
import { checkCallSizes, type CallSizeLimits } from './callSizeLimits';

/** What a turn needs from its node. */
export interface TurnEnv {
  codec: StateCodec;
  log: Logger;
  createInstance(type: ActorType): object;
  /** A call's context; `startBy` bounds when its nested calls must have started. */
  createContext(type: ActorType, id: string, call: PendingCall, startBy: number): ActorContext;
  lockWaitMs: number;
  leaseMs: number;
  idempotency: { maxEntries: number; maxAgeMs: number };
  /** What one call may leave behind (state, a stored result). @default no limits */
  sizes?: CallSizeLimits;
  /** Appends what turns emit (`ctx.publish`, shared-object changes) and repairs what a dead node left. */
  outbox: OutboxRelay;
  /** Hears of turns and replays (metrics). */
  observe?: { turn(type: string, seconds: number, batch: number): void; lockWait(type: string, seconds: number): void; replay(type: string): void };
}

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
 * unlock. Outcomes are returned only after the unlock; the caller replies with them. Nothing is
 * acknowledged before the grid acknowledged the write.
 */
export async function runTurn(env: TurnEnv, map: RecordStore, type: ActorType, id: string, batch: PendingCall[]): Promise<CallOutcome[]> {
  // A batch of calls from other turns (or holding pins) waits only until the first of them must start.
  const startBys = batch.filter((c) => c.startBy !== undefined).map((c) => c.startBy! - Date.now());
  const waitMs = startBys.length > 0 ? Math.max(1, Math.min(...startBys)) : env.lockWaitMs;
  const started = Date.now();
  let locked: boolean;
  try {
    locked = await map.tryLock(id, waitMs, env.leaseMs);
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
    return await lockedTurn(env, map, type, id, batch, lockedAt);
  } finally {
    await map.unlock(id).catch((err: unknown) => {
      if (err instanceof LockNotOwnedError) env.log.warn('lease ran out during a turn', { actor: `${type.name}/${id}`, leaseMs: env.leaseMs });
      else env.log.warn('unlock failed', { actor: `${type.name}/${id}`, err });
    });
    env.observe?.turn(type.name, (Date.now() - started) / 1000, batch.length);
  }
}

/**
 * A turn keeps well within its lease, so that its write is never fenced out after calls it made to
 * other actors have committed: it starts calls only during the first third of the lease (the rest of
 * the batch waits for the next turn), and calls to other actors must start by half the lease.
 */
export async function lockedTurn(env: TurnEnv, map: RecordStore, type: ActorType, id: string, batch: PendingCall[], lockedAt: number): Promise<CallOutcome[]> {
  const startCallsUntil = lockedAt + env.leaseMs / 3;
  const nestedStartBy = lockedAt + env.leaseMs / 2;
  const callsMustEndBy = lockedAt + (env.leaseMs * 2) / 3;
  let stored;
  try {
    stored = await map.read(id);
  } catch (err) {
    return failAll(batch, asUnavailable(err));
  }
  const raw = stored?.raw;
  const record = stored?.record ?? emptyRecord();
  const key = actorKey(type.name, id);
  if (record.o && record.o.length > 0) {
    // What the last turn emitted must be in its streams before this turn emits anything.
    try {
      await env.outbox.repair(key, record.v, record.o);
    } catch (err) {
      return failAll(batch, asUnavailable(err));
    }
  }
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
    const idemKey = call.request.idempotencyKey;
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
    const ctx = env.createContext(type, id, call, nestedStartBy);
    let emitted: OutboxItem[] = [];
    try {
      const target = instance;
      const returned = await withinTurn(
        ctx,
        async () => {
          const value = await call.method.invoke(target, call.args);
          emitted = await Promise.all(ctx.outbox); // checks of what it emits, inside the turn
          return value;
        },
        callsMustEndBy - Date.now(),
        `${type.name}.${call.method.name}`,
      );
      // A copy, so that later calls of the batch cannot change a result already produced.
      const result = returned !== null && typeof returned === 'object' ? env.codec.decode(env.codec.encode(returned)) : returned;
      const change = map.hooks?.afterCall(instance, env.codec.decode(current) as Record<string, unknown>, type, id);
      if (change) emitted.push(change);
      const state = env.codec.encode(readState(instance, type));
      checkCallSizes(env.sizes, `${type.name}/${id}`, current, state, idemKey === undefined ? undefined : { result }, env.codec);
      current = state;
      if (idemKey !== undefined) {
        record.r.push([idemKey, { at: Date.now(), m: call.method.name, ok: result }]);
        recorded = true;
      }
      outbox.push(...emitted);
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
      if (idemKey !== undefined && !error.retryable) {
        record.r.push([idemKey, { at: Date.now(), m: call.method.name, err: { code: error.code, message: error.message, ...(error.data ? { data: error.data } : {}) } }]);
        recorded = true;
      }
      outcomes.push({ call, error });
    }
  }

  if (!recorded && outbox.length === 0 && current.equals(original)) {
    // Nothing changed: no write — except to drop items of an earlier turn that the repair above made sure of.
    if (raw && record.o && record.o.length > 0) await dropOutbox(env, map, id, raw, { v: record.v, s: record.s, r: record.r });
    return outcomes;
  }
  trimOutcomes(record, Date.now(), env.idempotency.maxEntries, env.idempotency.maxAgeMs);
  const entries = env.outbox.encode(key, record.v + 1, outbox);
  const next: ActorRecord = { v: record.v + 1, s: current, r: record.r, ...(entries.length > 0 ? { o: entries } : {}) };
  let written: unknown;
  try {
    written = await map.write(id, raw, next);
  } catch (err) {
    // The write's outcome is unknown (the grid did not answer): retryable, and safe to retry with an idempotency key.
    return failAll(batch, asUnavailable(err), outcomes);
  }
  if (written === undefined) {
    return failAll(batch, new ActorGridError('CONFLICT', `actor ${type.name}/${id} was written by another turn (the lock lease ran out)`, { type: type.name, id }), outcomes);
  }
  // Still under the lock, so that an actor's items keep the order of its turns. The calls have
  // committed: a failed append is logged and left to the next turn's repair, never reported to them.
  if (entries.length > 0 && (await env.outbox.append(key, next.v, entries))) {
    await dropOutbox(env, map, id, written, { v: next.v, s: next.s, r: next.r });
  }
  return outcomes;
}

/**
 * Once a record's items are known to be in their streams, writes the record without them (fenced on
 * the bytes just written or read, still under the lock), so that no later turn on another node has
 * to look for them — which, for an actor quiet while its streams moved on, could be past the window
 * it looks through. Best effort: if it fails, the next turn looks them up as usual.
 */
async function dropOutbox(env: TurnEnv, map: RecordStore, id: string, current: unknown, record: ActorRecord): Promise<void> {
  try {
    await map.write(id, current, record);
  } catch (err) {
    env.log.debug('dropping a record\'s appended items failed; the next turn looks them up', { id, err });
  }
}

/**
 * Runs one method in its context, but no longer than the turn allows (two thirds of the lease from
 * the lock): a method still running then fails with ACTOR_ERROR, its changes are discarded, and its
 * context is closed so that it cannot call actors or publish afterwards. The lock is released long
 * before the lease would run out, so a hung method cannot cause a CONFLICT.
 */
async function withinTurn(ctx: ActorContext, fn: () => unknown, budgetMs: number, what: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctx.close('it ran past its turn');
      reject(new ActorGridError('ACTOR_ERROR', `${what} ran longer than its turn allows (${Math.round(budgetMs)} ms left of the lock lease); its changes were discarded`, { reason: 'turn-time' }));
    }, Math.max(0, budgetMs));
  });
  try {
    return await Promise.race([ctx.run(fn), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function asUnavailable(err: unknown): ActorGridError {
  if (err instanceof ActorGridError) return err;
  return new UnavailableError(`grid call failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Fails every call of the batch with `error`, except calls already marked for a retry. */
function failAll(batch: PendingCall[], error: ActorGridError, outcomes?: CallOutcome[]): CallOutcome[] {
  return batch.map((call) => {
    const earlier = outcomes?.find((o) => o.call === call);
    return earlier?.retry || earlier?.deferred ? earlier : { call, error };
  });
}
