import { randomUUID } from 'node:crypto';
import type { DependencyContainer } from 'tsyringe';
import type { ActorMethod, ActorRegistry, ActorType, PublishChecker, StateCodec } from '../actor';
import { ActorContext, applyState } from '../actor';
import { actorKey, type CallInvoker, type CallRequest } from '../actor/CallRequest';
import { ActorGridError, UnavailableError } from '../errors';
import type { Grid } from '../grid';
import type { ActorRecord } from './ActorRecord';
import type { Logger } from './Logger';
import { OutboxRelay } from './OutboxRelay';
import { PendingCall } from './PendingCall';
import { BinaryRecordStore, type RecordStore } from './RecordStore';
import { methodError } from './methodError';
import { RecordCache } from './RecordCache';
import type { ReminderOutcome, TurnEnv, TurnEvent } from './Turn';
import type { ReminderRules, ReminderScope, ReminderView } from '../reminders/Reminder';
import { listReminders } from '../reminders/ReminderTable';
import { ReminderIndex } from '../reminders/ReminderIndex';
import { TurnReminders } from '../reminders/TurnReminders';
import { TurnScheduler } from './TurnScheduler';

/** Invoker settings (config `turn` and `idempotency`). */
export interface InvokerOptions {
  /** How long a turn waits for an actor's lock. @default 5000 */
  lockWaitMs: number;
  /** The lock lease: the grid releases a lock held longer. @default 15000 */
  leaseMs: number;
  /** Most calls one turn runs. @default 64 */
  maxBatch: number;
  /** How long a call made from inside another actor's turn may wait to start. @default 200 */
  nestedLockWaitMs: number;
  /** How often a call is put back after its nested call met a locked actor. @default 50 */
  maxNestedRetries: number;
  /** How long a caller waits for a call by default. @default 30000 */
  callTimeoutMs: number;
  /** How long a turn may keep an actor's lock for the next batch while its queue stays busy. @default 0 (unlock after every batch) */
  holdMs?: number;
  idempotency: { maxEntries: number; maxAgeMs: number; maxResultBytes?: number };
  /** The largest state a call may grow an actor to, encoded (config `turn.maxStateBytes`). @default no limit */
  maxStateBytes?: number;
  /** Run optimistic methods' calls without the lock (config `turn.optimistic`). @default false */
  optimistic?: boolean;
  /** Records kept of the actors this node last wrote, for optimistic turns (config `turn.cacheEntries`). @default 0 */
  cacheEntries?: number;
  /** Test switches (config `testing.failpoints`, docs/testing.md). @default none */
  failpoints?: ReadonlySet<string>;
  /**
   * Checks a call an actor makes against the principal of the request that started it (auth on);
   * calls from clients were checked by the dispatcher already. @default none
   */
  authorizeNested?: (request: CallRequest) => void;
  /** Hears of calls, turns and replays (metrics). @default none */
  observe?: InvokerObserver;
  /** Reminder settings (config `reminders`). */
  reminders: ReminderRules;
}

/** What the invoker reports for metrics. */
export interface InvokerObserver {
  /** A call to actor (`type`, `id`) ended after `seconds` (from a client or another actor); `error` when it failed. */
  call(type: string, method: string, error: unknown, seconds: number, id: string): void;
  /** A turn ran `batch` calls in `seconds` (its lock wait included). */
  turn(type: string, seconds: number, batch: number): void;
  /** A turn waited `seconds` for an actor's lock (got it or not). */
  lockWait(type: string, seconds: number): void;
  /** A call was answered from its stored outcome (same idempotency key). */
  replay(type: string): void;
  /** How a turn went (TurnEvent). @default not reported */
  event?(type: string, event: TurnEvent): void;
}

/**
 * Runs actor calls on this node: checks them, runs @Query calls on the last committed state without a
 * lock, and hands the others to the TurnScheduler (one queue per actor key, one turn per key at a
 * time). Calls made from inside a turn (actor → actor) that go down the key order may wait only
 * briefly for their target: if it is locked, the outer call is rolled back and retried holding the
 * target's lock first, so two actors calling each other never deadlock and neither side starves
 * (docs/actors.md "Calls between actors").
 */
export class Invoker implements CallInvoker {
  private readonly env: TurnEnv;
  private readonly scheduler: TurnScheduler;
  private inflight = 0;
  private draining = false;
  private idle: Array<() => void> = [];
  private readonly stores = new Map<string, RecordStore>();

  /** The due-time index of reminders (the node's ReminderService looks through it). */
  readonly reminderIndex: ReminderIndex;

  constructor(
    private readonly grid: Grid,
    private readonly registry: ActorRegistry,
    private readonly codec: StateCodec,
    private readonly container: DependencyContainer,
    private readonly log: Logger,
    private readonly options: InvokerOptions,
    private readonly publisher?: PublishChecker,
    /** Where a type's records live when not in its binary map `actor.<Type>` (collections). */
    private readonly storeOf?: (type: ActorType) => RecordStore | undefined,
  ) {
    this.reminderIndex = new ReminderIndex(grid);
    this.env = {
      outbox: new OutboxRelay(grid, log, options.failpoints),
      reminders: new TurnReminders(this.reminderIndex, options.reminders, (value) => codec.encode(value).length),
      codec,
      log,
      createInstance: (type) => this.container.resolve(type.ctor as never) as object,
      createContext: (type, id, call, startBy, extras) => this.context(type, id, call.request, startBy, extras),
      lockWaitMs: options.lockWaitMs,
      leaseMs: options.leaseMs,
      idempotency: options.idempotency,
      sizes: { maxStateBytes: options.maxStateBytes, maxResultBytes: options.idempotency.maxResultBytes },
      ...(options.observe ? { observe: options.observe } : {}),
      ...(options.optimistic ? { optimistic: { cache: new RecordCache(options.cacheEntries ?? 0) } } : {}),
    };
    this.scheduler = new TurnScheduler({
      turn: this.env,
      log,
      actorMap: (type) => this.actorMap(type),
      typeOf: (name) => this.registry.type(name),
      options,
      draining: () => this.draining,
    });
  }

  /** Calls in progress on this node. */
  get load(): number {
    return this.inflight;
  }

  async invoke(request: CallRequest): Promise<unknown> {
    const type = this.registry.type(request.type);
    const method = type.method(request.method);
    // From here on the call names a known type and method: its outcome is observed, refusals included.
    const started = performance.now();
    let error: unknown;
    try {
      return await this.run(type, method, request);
    } catch (err) {
      error = err;
      throw err;
    } finally {
      this.options.observe?.call(type.name, method.name, error, (performance.now() - started) / 1000, request.id);
    }
  }

  private async run(type: ActorType, method: ActorMethod, request: CallRequest): Promise<unknown> {
    if (method.kind === 'reminder') {
      throw new ActorGridError('UNKNOWN_ACTOR_METHOD', `${type.name}.${method.name} is a @Reminder method: only the runtime calls it, when the reminder is due`, { type: type.name, method: method.name });
    }
    const args = method.checkArgs(request.args ?? []);
    const nested = (request.chain?.length ?? 0) > 0;
    if (this.draining && !nested) throw new UnavailableError('the node is draining');
    if (nested) this.options.authorizeNested?.(request);
    const key = actorKey(type.name, request.id);
    if (request.chain?.includes(key)) {
      throw new ActorGridError('REENTRANCY', `call cycle: ${[...request.chain, key].join(' -> ')}`, { chain: [...request.chain, key] });
    }
    this.inflight += 1;
    try {
      return await (method.kind === 'query' ? this.query(type, request, method, args) : this.enqueue(type, key, request, method, args, nested));
    } finally {
      this.inflight -= 1;
      if (this.inflight === 0) this.idle.splice(0).forEach((wake) => wake());
    }
  }


  /**
   * Stops taking calls from clients (they get UNAVAILABLE) and waits up to `timeoutMs` for the calls
   * in progress, whose turns then release their locks.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    const finished = this.inflight === 0 ? true : await this.callsDone(timeoutMs);
    await this.scheduler.unlocked(); // replies go out before their actor's unlock
    return finished;
  }

  private callsDone(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The store of a type's records (cached: one per type). */
  private actorMap(type: ActorType): RecordStore {
    let store = this.stores.get(type.name);
    if (!store) this.stores.set(type.name, (store = this.storeOf?.(type) ?? new BinaryRecordStore(this.grid.map(`actor.${type.name}`), this.codec)));
    return store;
  }

  /**
   * Fires reminder `name` of actor (`type`, `id`) — found due in the index by this node — as a turn
   * that calls `method` if the actor's record says the reminder is due (ReminderService).
   */
  fireReminder(typeName: string, id: string, name: string, methodName: string): Promise<ReminderOutcome> {
    const type = this.registry.type(typeName);
    const method = type.method(methodName);
    if (method.kind !== 'reminder') throw new ActorGridError('UNKNOWN_ACTOR_METHOD', `${type.name}.${method.name} is not a @Reminder method`, { type: type.name, method: method.name });
    const request: CallRequest = { type: type.name, id, method: method.name, args: [], reminder: name, caller: 'reminder', requestId: randomUUID() };
    const call = new PendingCall(request, method, []);
    this.scheduler.submit(type, id, call);
    return call.promise as Promise<ReminderOutcome>;
  }

  /** The reminders of actor (`type`, `id`) as its last committed record holds them (`reminder.list`). */
  async listReminders(typeName: string, id: string): Promise<ReminderView[]> {
    return listReminders((await this.lastCommitted(this.registry.type(typeName), id))?.t);
  }

  /** An actor's last committed record, read without a lock (queries, listings). */
  private async lastCommitted(type: ActorType, id: string): Promise<ActorRecord | undefined> {
    try {
      return (await this.actorMap(type).read(id))?.record;
    } catch (err) {
      throw err instanceof ActorGridError ? err : new UnavailableError('grid read failed', { cause: err });
    }
  }

  private context(type: ActorType, id: string, request: CallRequest, startBy?: number, extras: { reminders?: ReminderScope; idempotencyKey?: string; optimistic?: boolean } = {}): ActorContext {
    const key = actorKey(type.name, id);
    return new ActorContext({
      actorType: type.name,
      actorId: id,
      requestId: request.requestId ?? randomUUID(),
      caller: request.caller,
      chain: [...(request.chain ?? []), key],
      deadline: request.deadline ?? Date.now() + this.options.callTimeoutMs,
      idempotencyKey: extras.idempotencyKey ?? request.idempotencyKey,
      ...(extras.reminders ? { reminders: extras.reminders } : {}),
      ...(extras.optimistic ? { optimistic: true } : {}),
      ...(request.principal === undefined ? {} : { principal: request.principal }),
      ...(startBy === undefined ? {} : { startBy }),
      invoker: this,
      registry: this.registry,
      ...(this.publisher ? { publishChecker: this.publisher } : {}),
    });
  }

  private async query(type: ActorType, request: CallRequest, method: ActorMethod, args: unknown[]): Promise<unknown> {
    const record = await this.lastCommitted(type, request.id);
    const instance = this.env.createInstance(type);
    if (record?.s) applyState(instance, type, this.codec.decode(record.s) as Record<string, unknown>);
    const ctx = this.context(type, request.id, request, undefined, { reminders: readOnly(record?.t) });
    let result: unknown;
    try {
      result = await ctx.run(() => method.invoke(instance, args), method);
    } catch (thrown) {
      throw methodError(thrown);
    }
    if (ctx.outbox.length > 0) await this.env.outbox.appendNow(ctx.key, await Promise.all(ctx.outbox));
    return result;
  }

  private enqueue(type: ActorType, key: string, request: CallRequest, method: ActorMethod, args: unknown[], nested: boolean): Promise<unknown> {
    const call = new PendingCall(request, method, args, nested ? Date.now() + this.nestedWait(request, key) : undefined);
    this.scheduler.submit(type, request.id, call);
    return call.promise;
  }

  /**
   * How long a call made from inside a turn may wait to start. Calls that go "up" the key order
   * (caller key < target key) may wait the full lock wait; calls that go "down" wait only briefly
   * before their caller backs off. Every cycle of turns waiting on each other has a step down, so
   * every such cycle breaks within `nestedLockWaitMs`, and the side that backs off is always the
   * same for a given pair: two accounts transferring to each other do not both give up.
   */
  private nestedWait(request: CallRequest, key: string): number {
    const caller = request.chain![request.chain!.length - 1];
    const wait = caller < key ? this.options.lockWaitMs : this.options.nestedLockWaitMs * (0.5 + Math.random());
    return request.startBy === undefined ? wait : Math.max(0, Math.min(wait, request.startBy - Date.now()));
  }

}

/** A @Query sees the actor's reminders but cannot change them (it runs without a turn). */
function readOnly(stored: ActorRecord['t']): ReminderScope {
  const refuse = (): never => {
    throw new Error('reminders are set and cancelled in @Action and @Reminder methods (turns), not in a @Query');
  };
  return { remind: refuse, cancel: refuse, list: () => listReminders(stored) };
}
