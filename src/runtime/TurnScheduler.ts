import type { ActorType } from '../actor';
import { actorKey } from '../actor/CallRequest';
import { ActorGridError, UnavailableError } from '../errors';
import { isIdle, type KeyQueue, type Pin, type PinRequest } from './KeyQueue';
import type { Logger } from './Logger';
import type { RecordStore } from './RecordStore';
import { lockTimeout, type PendingCall } from './PendingCall';
import { lockedTurn, runTurn, type CallOutcome, type TurnEnv, type TurnEvent, type TurnHold } from './Turn';

/**
 * How long a node remembers that it found an actor's lock taken by another node: meanwhile calls from
 * other turns wait for the lock at once instead of trying it first (a try that would likely fail is a
 * wasted round trip). Long enough to span many turns of a busy actor; short enough that an actor no
 * longer contended soon gets its one-round-trip lock-and-read back.
 */
const CONTENTION_MEMORY_MS = 1000;

/** What the scheduler needs from its node. */
export interface SchedulerEnv {
  turn: TurnEnv;
  log: Logger;
  actorMap(type: ActorType): RecordStore;
  /** The registered type of that name. */
  typeOf(name: string): ActorType;
  options: { maxBatch: number; nestedLockWaitMs: number; maxNestedRetries: number; lockWaitMs: number; leaseMs: number; holdMs?: number };
  /** True once the node drains: calls are no longer put back for another attempt. */
  draining(): boolean;
}

/**
 * Runs the turns of this node: one queue per actor key, one turn per key at a time, calls that arrive
 * meanwhile join the next turn. Calls from inside other turns go first. A call whose nested call met
 * a busy actor below it in key order is rolled back and retried holding that actor's lock (a pin),
 * taken before its own, so that it cannot meet it busy again: both directions of two actors calling
 * each other make progress (docs/actors.md "Calls between actors").
 */
export class TurnScheduler {
  private readonly queues = new Map<string, KeyQueue>();
  /**
   * Per actor key: actors below it that its calls met busy and then used under pins, with when that
   * knowledge lapses. Kept apart from the queues, which come and go between bursts of calls.
   */
  private readonly pinsToTake = new Map<string, { targets: Map<string, { type: string; id: string }>; until: number }>();
  /** Per actor key: until when a lock tried without waiting counts as likely taken (another node holds it). */
  private readonly contendedUntil = new Map<string, number>();

  constructor(private readonly env: SchedulerEnv) {}

  private event(queue: KeyQueue, event: TurnEvent): void {
    this.env.turn.observe?.event?.(queue.type.name, event);
  }

  /** Queues a new call for actor (`type`, `id`). */
  submit(type: ActorType, id: string, call: PendingCall): void {
    this.enqueue(this.queueOf(type, id), [call]);
  }

  private queueOf(type: ActorType, id: string): KeyQueue {
    const key = actorKey(type.name, id);
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { key, type, id, calls: [], pinRequests: [], pinsPending: 0, running: false, resumeAt: 0 }));
    return queue;
  }

  /**
   * Queues calls: new and retried ones at the back; `atFront` for the unrun rest of a turn that ended
   * early and for calls holding pins, which keep their place ahead of calls that arrived meanwhile.
   */
  private enqueue(queue: KeyQueue, calls: PendingCall[], atFront = false): void {
    for (const c of calls) {
      c.state = 'queued';
      c.armStartTimer((expired) => {
        const at = queue.calls.indexOf(expired);
        if (at >= 0) queue.calls.splice(at, 1);
        // A call holding pins that could not start in time lets go of them and tries again.
        if (!expired.pinned) return false;
        this.releasePins(expired);
        return this.retryLater(queue, expired);
      });
    }
    if (atFront) queue.calls.unshift(...calls);
    else queue.calls.push(...calls);
    this.schedule(queue);
  }

  private schedule(queue: KeyQueue): void {
    if (queue.pin) return this.runUnderPin(queue, queue.pin);
    if (queue.running) return;
    const fromTurns = queue.calls.some((call) => call.nested);
    // Pins and this actor's own calls take turns, so that neither can starve the other.
    if (!fromTurns && queue.pinRequests.length > 0 && (queue.calls.length === 0 || !queue.pinnedLast)) {
      queue.pinnedLast = true;
      return this.takePin(queue, queue.pinRequests.shift()!);
    }
    if (queue.calls.length === 0) return this.dropIfIdle(queue);
    // While one of its calls takes pins, this actor's own calls wait to run with it, under the pins.
    if (queue.pinsPending > 0 && !fromTurns) return;
    // This actor's calls recently met actors below it busy: take their locks first, for the whole batch.
    const learned = this.learned(queue.key);
    if (!fromTurns && learned) {
      const [first] = queue.calls.splice(0, 1);
      for (const [key, target] of learned) first.wantPins.set(key, target);
      void this.runPinned(queue, first);
      return;
    }
    const wait = queue.resumeAt - Date.now();
    if (wait > 0 && !fromTurns) {
      queue.resumeTimer ??= setTimeout(() => {
        queue.resumeTimer = undefined;
        this.schedule(queue);
      }, wait);
      return;
    }
    queue.running = true;
    queue.pinnedLast = false;
    const running = { calls: this.takeBatch(queue) };
    let released: Promise<void> | undefined;
    const hold: TurnHold | undefined = this.env.options.holdMs
      ? {
          next: (outcomes, lockedAt) => {
            this.settle(queue, outcomes);
            const more = this.nextUnderHold(queue, lockedAt, this.env.options.holdMs!);
            if (more) {
              running.calls = more;
              this.event(queue, 'held');
            }
            return more;
          },
        }
      : undefined;
    const turn = runTurn(this.env.turn, this.env.actorMap(queue.type), queue.type, queue.id, running.calls, {
      onUnlock: (p) => (released = this.trackUnlock(p)),
      ...(hold ? { hold } : {}),
      // Calls from other turns try the lock first too, unless another node held the actor lately.
      ...(fromTurns && !this.contended(queue.key) ? { tryFirst: true } : {}),
      onBusy: () => this.markContended(queue.key),
    });
    this.runBatch(queue, running, turn, () => {
      queue.running = false;
    }, () => released);
  }

  /**
   * The next batch to run under the lock a turn still holds: only this actor's own calls, only while
   * nothing else wants the actor on this node (calls from other turns, pins, pinned calls, a backoff)
   * and for at most `holdMs` since the lock was taken, so that other nodes get their turn.
   */
  private nextUnderHold(queue: KeyQueue, lockedAt: number, holdMs: number): PendingCall[] | undefined {
    if (Date.now() - lockedAt >= holdMs || queue.calls.length === 0 || this.env.draining()) return undefined;
    if (queue.pin || queue.pinRequests.length > 0 || queue.pinsPending > 0 || queue.resumeAt > Date.now() || this.learned(queue.key)) return undefined;
    if (queue.calls.some((call) => call.nested || call.pinned || call.wantPins.size > 0)) return undefined;
    if (this.queues.get(queue.key) !== queue) return undefined;
    return this.takeBatch(queue);
  }

  /** True while `key` counts as wanted by other nodes: a lock tried first was found taken lately. */
  private contended(key: string): boolean {
    const until = this.contendedUntil.get(key);
    if (until === undefined) return false;
    if (until >= Date.now()) return true;
    this.contendedUntil.delete(key);
    return false;
  }

  private markContended(key: string): void {
    if (this.contendedUntil.size >= 10_000) for (const [k, until] of this.contendedUntil) if (until < Date.now()) this.contendedUntil.delete(k);
    this.contendedUntil.set(key, Date.now() + CONTENTION_MEMORY_MS);
  }

  /**
   * Unlocks still under way: replies go out before them (runTurn's `onUnlock`), so a draining node
   * waits for them before it disconnects from the grid.
   */
  private readonly unlocking = new Set<Promise<void>>();

  private trackUnlock(released: Promise<void>): Promise<void> {
    this.unlocking.add(released);
    void released.finally(() => this.unlocking.delete(released));
    return released;
  }

  /** Resolves once every unlock under way has finished. */
  async unlocked(): Promise<void> {
    while (this.unlocking.size > 0) await Promise.allSettled([...this.unlocking]);
  }

  /** Settles a batch's turn (replies), then, once its actor is unlocked, lets the queue go on. */
  private runBatch(queue: KeyQueue, running: { calls: PendingCall[] }, turn: Promise<CallOutcome[]>, done: () => void, released?: () => Promise<void> | undefined): void {
    turn
      .then((outcomes) => this.settle(queue, outcomes))
      .catch((err: unknown) => {
        this.env.log.error('turn failed unexpectedly', { actor: queue.key, err });
        const error = ActorGridError.from(err);
        for (const call of running.calls) {
          this.releasePins(call);
          call.reject(error);
        }
      })
      .then(() => released?.())
      .finally(() => {
        done();
        this.schedule(queue);
      });
  }

  private dropIfIdle(queue: KeyQueue): void {
    if (this.queues.get(queue.key) === queue && isIdle(queue)) this.queues.delete(queue.key);
  }

  /**
   * The next batch. Calls made from inside other actors' turns go first, in their own batch: another
   * turn holds its lock while it waits for them, so letting them wait behind this actor's own calls
   * (which may be waiting on that very turn) would only make both sides back off. Then calls holding
   * pins, which take this actor's own calls along: those most likely call the pinned actors too.
   * Otherwise the oldest calls, in order.
   */
  private takeBatch(queue: KeyQueue): PendingCall[] {
    const fromTurns = queue.calls.some((call) => call.nested && !call.pinned);
    const wanted = (call: PendingCall): boolean => (fromTurns ? call.nested && !call.pinned : true);
    const batch: PendingCall[] = [];
    const rest: PendingCall[] = [];
    for (const call of queue.calls) {
      if (wanted(call) && batch.length < this.env.options.maxBatch) batch.push(call);
      else rest.push(call);
    }
    queue.calls = rest;
    batch.forEach((call) => (call.state = 'running'));
    return batch;
  }

  /**
   * Replies, and puts back the calls to run again: the unrun rest of a turn that ended early at the
   * front, in order, and calls whose nested call met a busy actor. Such a call learns that actor; if
   * it is below this one in key order, the call's next attempt first pins it (and every actor it met
   * before), in key order. Without pins, the queue's own calls pause for a random while, growing with
   * the attempts, so that the turn waiting for this actor (calls from it go first) gets the lock.
   */
  private settle(queue: KeyQueue, outcomes: CallOutcome[]): void {
    // A call holding pins that did not get its own lock in time tries again too.
    const lateWithPins = new Set(outcomes.filter((o) => o.call.pinned && o.error?.code === 'LOCK_TIMEOUT' && o.error.data?.id === queue.id && o.error.data?.type === queue.type.name).map((o) => o.call));
    for (const { call } of outcomes) {
      // A pin the batch used is worth taking again; one it did not need is not.
      for (const pin of call.held) {
        if (pin.used) this.learn(queue.key, pin.key);
        else this.learned(queue.key)?.delete(pin.key);
      }
      this.releasePins(call);
    }
    const retry = (o: CallOutcome): boolean =>
      (!!o.retry || lateWithPins.has(o.call)) && o.call.attempts < this.env.options.maxNestedRetries && !this.env.draining();
    const requeue = outcomes.filter((o) => o.deferred || retry(o));
    let attempts = 0;
    for (const o of requeue) {
      if (o.deferred) continue;
      this.event(queue, 'backoff');
      attempts = Math.max(attempts, (o.call.attempts += 1));
      const busy = o.busy && actorKey(o.busy.type, o.busy.id);
      if (busy && !o.call.fromTurn && busy < queue.key) {
        o.call.wantPins.set(busy, o.busy!);
        this.learn(queue.key, busy, o.busy!);
      }
    }
    const pinning = requeue.filter((o) => o.call.wantPins.size > 0);
    const plain = requeue.filter((o) => !pinning.includes(o));
    if (attempts > 0) queue.resumeAt = Date.now() + this.env.options.nestedLockWaitMs * (0.5 + Math.random()) * Math.min(attempts, 4);
    if (plain.length > 0) this.enqueue(this.reattach(queue), plain.map((o) => o.call), true);
    for (const o of pinning) void this.runPinned(queue, o.call);
    for (const outcome of outcomes) {
      if (requeue.includes(outcome)) continue;
      const { call, result, error } = outcome;
      if (error) call.reject(error);
      else call.resolve(result);
    }
  }

  /** The queue of the same key that is current: `queue` itself, put back if it was dropped meanwhile. */
  private reattach(queue: KeyQueue): KeyQueue {
    const current = this.queues.get(queue.key);
    if (current) return current;
    this.queues.set(queue.key, queue);
    return queue;
  }

  /** The pins every turn of `key`'s own calls takes first, while that is still worth it. */
  private learned(key: string): Map<string, { type: string; id: string }> | undefined {
    const entry = this.pinsToTake.get(key);
    if (entry && (entry.until < Date.now() || entry.targets.size === 0)) this.pinsToTake.delete(key);
    return entry && this.pinsToTake.has(key) ? entry.targets : undefined;
  }

  /** Remembers (or refreshes) that `key`'s calls need `target` pinned; lapses after a lease without use. */
  private learn(key: string, targetKey: string, target?: { type: string; id: string }): void {
    let entry = this.pinsToTake.get(key);
    if (!entry) {
      if (!target) return;
      if (this.pinsToTake.size >= 10_000) for (const [k, e] of this.pinsToTake) if (e.until < Date.now()) this.pinsToTake.delete(k);
      this.pinsToTake.set(key, (entry = { targets: new Map(), until: 0 }));
    }
    if (target) entry.targets.set(targetKey, target);
    if (entry.targets.has(targetKey)) entry.until = Date.now() + this.env.options.leaseMs;
  }

  /** Puts a call that let go of its pins back for another attempt; false when it has none left. */
  private retryLater(queue: KeyQueue, call: PendingCall): boolean {
    call.attempts += 1;
    if (call.attempts >= this.env.options.maxNestedRetries || this.env.draining()) return false;
    void this.runPinned(queue, call);
    return true;
  }

  /**
   * Takes the pins a call wants, in key order (each waits up to the lock wait), then queues the call
   * at the front of its own actor's queue as if a turn on the pinned actors had made it: it must
   * start within a quarter of the first pin's lease, and waits for its own lock only that long.
   */
  private async runPinned(queue: KeyQueue, call: PendingCall): Promise<void> {
    call.disarm(); // the last attempt's start timer must not fail this one
    call.state = 'queued';
    const own = this.reattach(queue);
    own.pinsPending += 1;
    try {
      await this.takePins(own, call);
    } finally {
      own.pinsPending -= 1;
      this.schedule(own);
    }
  }

  private async takePins(queue: KeyQueue, call: PendingCall): Promise<void> {
    const wanted = [...call.wantPins].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const held: Pin[] = [];
    try {
      for (const [, target] of wanted) held.push(await this.requestPin(this.queueOf(this.env.typeOf(target.type), target.id), queue.key));
    } catch (err) {
      held.forEach((pin) => this.releasePin(pin));
      // What it learned did not work out (the actor stayed busy, or the grid failed): forget it, and
      // run the call without pins, as a new attempt.
      this.pinsToTake.delete(queue.key);
      call.wantPins.clear();
      call.attempts += 1;
      if ((call.state as PendingCall['state']) === 'settled') return;
      if (call.attempts < this.env.options.maxNestedRetries && !this.env.draining()) return this.enqueue(queue, [call], true);
      call.reject(err instanceof ActorGridError ? err : new UnavailableError('taking a lock failed', { cause: err }));
      return;
    }
    if ((call.state as PendingCall['state']) === 'settled') return held.forEach((pin) => this.releasePin(pin));
    call.held = held;
    call.startBy = Math.min(...held.map((pin) => pin.lockedAt)) + this.env.options.leaseMs / 4;
    this.enqueue(queue, [call], true);
  }

  /** Asks `queue`'s actor for a pin; refused with LOCK_TIMEOUT if the queue does not get to it within the lock wait. */
  private requestPin(queue: KeyQueue, owner: string): Promise<Pin> {
    return new Promise<Pin>((resolve, reject) => {
      const request: PinRequest = {
        owner,
        resolve,
        reject,
        timer: setTimeout(() => {
          const at = queue.pinRequests.indexOf(request);
          if (at < 0) return;
          queue.pinRequests.splice(at, 1);
          reject(lockTimeout(queue.type.name, queue.id));
          this.schedule(queue);
        }, this.env.options.lockWaitMs),
      };
      queue.pinRequests.push(request);
      this.schedule(queue);
    });
  }

  /** Takes the lock of `queue`'s actor for a pin; the queue runs nothing else until it is released. */
  private takePin(queue: KeyQueue, request: PinRequest): void {
    clearTimeout(request.timer);
    queue.running = true;
    this.env
      .actorMap(queue.type)
      .tryLock(queue.id, this.env.options.lockWaitMs, this.env.options.leaseMs)
      .then(
        (locked) => {
          if (!locked) throw lockTimeout(queue.type.name, queue.id);
          queue.pin = { key: queue.key, owner: request.owner, lockedAt: Date.now(), busy: false, used: false, releasing: false, cache: {} };
          this.event(queue, 'pin');
          request.resolve(queue.pin);
        },
        (err: unknown) => {
          throw err instanceof ActorGridError ? err : new UnavailableError('grid call failed', { cause: err });
        },
      )
      .catch((err: unknown) => {
        queue.running = false;
        request.reject(err);
      })
      .finally(() => this.schedule(queue));
  }

  /**
   * Runs, under the pin's lock, the calls that come from inside the owner's turn. Calls from anyone
   * else wait for the pin's release. Past a third of the pin's lease no call starts under it: they
   * fail with LOCK_TIMEOUT, which makes the owner let go of its pins.
   */
  private runUnderPin(queue: KeyQueue, pin: Pin): void {
    if (pin.busy) return;
    const mine = queue.calls.filter((call) => call.request.chain?.includes(pin.owner));
    if (mine.length === 0) return;
    queue.calls = queue.calls.filter((call) => !mine.includes(call));
    if (Date.now() > pin.lockedAt + this.env.options.leaseMs / 3) {
      mine.forEach((call) => call.reject(lockTimeout(queue.type.name, queue.id)));
      return;
    }
    const batch = mine.slice(0, this.env.options.maxBatch);
    queue.calls.unshift(...mine.slice(batch.length));
    batch.forEach((call) => (call.state = 'running'));
    pin.busy = true;
    pin.used = true;
    this.runBatch(queue, { calls: batch }, lockedTurn(this.env.turn, this.env.actorMap(queue.type), queue.type, queue.id, batch, pin.lockedAt, pin.cache), () => {
      pin.busy = false;
      if (pin.releasing) this.releasePin(pin);
    });
  }

  private releasePins(call: PendingCall): void {
    const held = call.held;
    if (held.length === 0) return;
    call.held = [];
    call.startBy = undefined;
    held.forEach((pin) => this.releasePin(pin));
  }

  /** Unlocks a pin's actor (after its running batch, if any) and lets its queue go on. */
  private releasePin(pin: Pin): void {
    const queue = this.queues.get(pin.key);
    if (!queue || queue.pin !== pin) return;
    if (pin.busy) {
      pin.releasing = true;
      return;
    }
    queue.pin = undefined;
    this.env
      .actorMap(queue.type)
      .unlock(queue.id)
      .catch((err: unknown) => this.env.log.warn('unlock of a pinned actor failed', { actor: queue.key, err }))
      .finally(() => {
        queue.running = false;
        this.schedule(queue);
      });
  }
}
