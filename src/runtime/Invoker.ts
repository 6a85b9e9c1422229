import { randomUUID } from 'node:crypto';
import type { DependencyContainer } from 'tsyringe';
import type { ActorMethod, ActorRegistry, ActorType, PendingPublish, PublishChecker, StateCodec } from '../actor';
import { ActorContext, applyState } from '../actor';
import { actorKey, type CallInvoker, type CallRequest } from '../actor/CallRequest';
import { ActorGridError, UnavailableError } from '../errors';
import type { Grid, GridMap } from '../grid';
import type { ActorRecord } from './ActorRecord';
import type { Logger } from './Logger';
import { PendingCall } from './PendingCall';
import { methodError } from './methodError';
import { runTurn, type CallOutcome, type TurnEnv } from './Turn';

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
  idempotency: { maxEntries: number; maxAgeMs: number };
}

/** Where `ctx.publish()` messages go: the node's destinations. */
export interface ActorPublisher extends PublishChecker {
  send(messages: PendingPublish[], caller: string): Promise<void>;
}

interface KeyQueue {
  type: ActorType;
  id: string;
  /** Replaced, not only mutated, when a batch is taken: start timers look calls up in the current array. */
  calls: PendingCall[];
  running: boolean;
  /** After a turn backed off from a busy actor: its own calls wait until then (nested calls do not). */
  resumeAt: number;
  resumeTimer?: NodeJS.Timeout;
}

/**
 * Runs actor calls on this node. One queue per actor key; one turn per key at a time; calls that
 * arrive during a turn join the next one (up to `maxBatch`). @Query calls read the last committed
 * state without a lock. Calls made from inside a turn (actor → actor) may wait only briefly for their
 * target: if it is locked, the outer call is rolled back and put back after a random pause, so two
 * actors calling each other never deadlock (docs/actors.md "Calls between actors").
 */
export class Invoker implements CallInvoker {
  private readonly queues = new Map<string, KeyQueue>();
  private readonly env: TurnEnv;
  private inflight = 0;
  private draining = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly grid: Grid,
    private readonly registry: ActorRegistry,
    private readonly codec: StateCodec,
    private readonly container: DependencyContainer,
    private readonly log: Logger,
    private readonly options: InvokerOptions,
    private readonly publisher?: ActorPublisher,
  ) {
    this.env = {
      publish: async (messages, caller) => {
        if (this.publisher) await this.publisher.send(messages, caller);
      },
      codec,
      log,
      createInstance: (type) => this.container.resolve(type.ctor as never) as object,
      createContext: (type, id, call, startBy) => this.context(type, id, call.request, startBy),
      lockWaitMs: options.lockWaitMs,
      leaseMs: options.leaseMs,
      idempotency: options.idempotency,
    };
  }

  /** Calls in progress on this node. */
  get load(): number {
    return this.inflight;
  }

  async invoke(request: CallRequest): Promise<unknown> {
    const type = this.registry.type(request.type);
    const method = type.method(request.method);
    const args = method.checkArgs(request.args ?? []);
    const nested = (request.chain?.length ?? 0) > 0;
    if (this.draining && !nested) throw new UnavailableError('the node is draining');
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
    if (this.inflight === 0) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private actorMap(type: ActorType): GridMap<Buffer> {
    return this.grid.map(`actor.${type.name}`);
  }

  private context(type: ActorType, id: string, request: CallRequest, startBy?: number): ActorContext {
    const key = actorKey(type.name, id);
    return new ActorContext({
      actorType: type.name,
      actorId: id,
      requestId: request.requestId ?? randomUUID(),
      caller: request.caller,
      chain: [...(request.chain ?? []), key],
      deadline: request.deadline ?? Date.now() + this.options.callTimeoutMs,
      idempotencyKey: request.idempotencyKey,
      ...(startBy === undefined ? {} : { startBy }),
      invoker: this,
      registry: this.registry,
      ...(this.publisher ? { publishChecker: this.publisher } : {}),
    });
  }

  private async query(type: ActorType, request: CallRequest, method: ActorMethod, args: unknown[]): Promise<unknown> {
    let raw: Buffer | undefined;
    try {
      raw = await this.actorMap(type).get(request.id);
    } catch (err) {
      throw err instanceof ActorGridError ? err : new UnavailableError('grid read failed', { cause: err });
    }
    const instance = this.env.createInstance(type);
    if (raw) {
      const record = this.codec.decode(raw) as ActorRecord;
      if (record.s) applyState(instance, type, this.codec.decode(record.s) as Record<string, unknown>);
    }
    const ctx = this.context(type, request.id, request);
    let result: unknown;
    try {
      result = await ctx.run(() => method.invoke(instance, args));
    } catch (thrown) {
      throw methodError(thrown);
    }
    if (ctx.outbox.length > 0) await this.env.publish(ctx.outbox, ctx.key);
    return result;
  }

  private enqueue(type: ActorType, key: string, request: CallRequest, method: ActorMethod, args: unknown[], nested: boolean): Promise<unknown> {
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { type, id: request.id, calls: [], running: false, resumeAt: 0 }));
    const call = new PendingCall(request, method, args, nested ? Date.now() + this.nestedWait(request, key) : undefined);
    this.enqueueCalls(key, queue, [call]);
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

  /**
   * Queues calls: new and retried ones at the back; `atFront` for the unrun rest of a turn that ended
   * early, which keeps its place ahead of calls that arrived meanwhile.
   */
  private enqueueCalls(key: string, queue: KeyQueue, calls: PendingCall[], atFront = false): void {
    for (const c of calls) {
      c.state = 'queued';
      c.armStartTimer((expired) => {
        const at = queue.calls.indexOf(expired);
        if (at >= 0) queue.calls.splice(at, 1);
      });
    }
    if (atFront) queue.calls.unshift(...calls);
    else queue.calls.push(...calls);
    this.schedule(key, queue);
  }

  private schedule(key: string, queue: KeyQueue): void {
    if (queue.running || queue.calls.length === 0) return;
    const wait = queue.resumeAt - Date.now();
    if (wait > 0 && !queue.calls.some((call) => call.nested)) {
      queue.resumeTimer ??= setTimeout(() => {
        queue.resumeTimer = undefined;
        this.schedule(key, queue);
      }, wait);
      return;
    }
    queue.running = true;
    const batch = this.takeBatch(queue);
    runTurn(this.env, this.actorMap(queue.type), queue.type, queue.id, batch)
      .then((outcomes) => this.settle(key, queue, outcomes))
      .catch((err: unknown) => {
        this.log.error('turn failed unexpectedly', { actor: key, err });
        const error = ActorGridError.from(err);
        batch.forEach((call) => call.reject(error));
      })
      .finally(() => {
        queue.running = false;
        if (queue.calls.length > 0) this.schedule(key, queue);
        else if (this.queues.get(key) === queue && !queue.resumeTimer) this.queues.delete(key);
      });
  }

  /**
   * The next batch. Calls made from inside other actors' turns go first, in their own batch: another
   * turn holds its lock while it waits for them, so letting them wait behind this actor's own calls
   * (which may be waiting on that very turn) would only make both sides back off. Otherwise the
   * oldest calls, in order.
   */
  private takeBatch(queue: KeyQueue): PendingCall[] {
    const nested = queue.calls.some((call) => call.nested);
    const batch: PendingCall[] = [];
    const rest: PendingCall[] = [];
    for (const call of queue.calls) {
      if (call.nested === nested && batch.length < this.options.maxBatch) batch.push(call);
      else rest.push(call);
    }
    queue.calls = rest;
    batch.forEach((call) => (call.state = 'running'));
    return batch;
  }

  /**
   * Replies, and puts back the calls to run again: the unrun rest of a turn that ended early at the
   * front, in order, and calls whose nested call met a busy actor right after them. After such a
   * back-off the queue's own calls pause for a random while, growing with the attempts, so that the
   * turn that is waiting for this actor (calls from it go first) gets the lock.
   */
  private settle(key: string, queue: KeyQueue, outcomes: CallOutcome[]): void {
    const requeue = outcomes.filter((o) => o.deferred || (o.retry && o.call.attempts < this.options.maxNestedRetries && !this.draining));
    const attempts = Math.max(0, ...requeue.filter((o) => o.retry).map((o) => (o.call.attempts += 1)));
    if (attempts > 0) queue.resumeAt = Date.now() + this.options.nestedLockWaitMs * (0.5 + Math.random()) * Math.min(attempts, 4);
    if (requeue.length > 0) {
      if (!this.queues.has(key)) this.queues.set(key, queue);
      this.enqueueCalls(key, this.queues.get(key)!, requeue.map((o) => o.call), true);
    }
    for (const outcome of outcomes) {
      if (requeue.includes(outcome)) continue;
      const { call, result, error } = outcome;
      if (error) {
        call.reject(error);
      } else {
        call.resolve(result);
      }
    }
  }
}
