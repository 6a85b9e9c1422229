import type { AuthPrincipal } from '../auth/AuthPrincipal';
import type { CallInvoker } from '../actor/CallRequest';
import { ActorGridError, runHook } from '../errors';
import type { Grid, GridStream } from '../grid';
import type { Codecs } from '../protocol/Codecs';
import { FeedHub, PushSubscription, type FeedSource } from '../push';
import type { Logger } from '../runtime/Logger';
import type { SharedObjectCaller, SharedObjectSnapshot, SharedObjectUpdate } from './SharedObject';
import { SHARED_OBJECT_TYPE } from './SharedObjectActor';
import type { SharedObjectRegistry, SharedObjectSpec } from './SharedObjectRegistry';
import type { SharedObjectRuntime } from './SharedObjectRuntime';
import { findResumeSeq } from './findResumeSeq';
import { sharedObjectStream, SyncItemCodec, type SyncDelivery } from './SyncItem';
import { SyncSink } from './SyncSink';

/** A subscription to a shared object. */
export type SharedObjectSubscription = PushSubscription<SyncDelivery>;

/** Where a subscription's frames go: a WebSocket or an SSE response (see `sharedObjectMethods`). */
export interface SyncChannel {
  readonly bufferedBytes: number;
  /** Sends a change (`sharedObject.sync`); throws UndeliverableItemError when this channel cannot carry it. */
  sendSync(delivery: SyncDelivery, subscription: SharedObjectSubscription): void;
  /** Sends a reset snapshot. */
  sendReset(name: string, version: number, slots: Record<string, unknown>, subscription: SharedObjectSubscription): void;
}

/** What `subscribe` answers. */
export interface SubscribeResult {
  subscription: SharedObjectSubscription;
  /** The version the subscriber has: `since` when resuming, else the snapshot's. */
  version: number;
  /** The snapshot, unless resuming from a retained `since`. */
  slots?: Record<string, unknown>;
  /** True when `since` was given but is no longer retained: `slots` replace everything. */
  reset?: boolean;
  /** Starts delivery; call once the reply is on its way. */
  activate: () => void;
}

/** Settings (config `sharedObjects`). */
export interface SharedObjectServiceOptions {
  maxBufferedBytes: number;
  repairCheckMs: number;
}

/**
 * Shared objects on this node: reads and updates go through the object's actor (turns); each node
 * follows an object's stream of committed changes (`so.<name>`) while it has subscribers, through the
 * push core, and sends them `sharedObject.sync` in version order. A subscriber that cannot be given
 * the next version (too slow, `since` no longer retained, a version missing) gets one reset snapshot.
 * A node also checks now and then that its subscribers' objects have no committed version missing
 * from their streams (their node died between commit and append), and has it appended (a `sync` turn).
 */
export class SharedObjectService {
  private readonly hub: FeedHub<SyncDelivery>;
  private readonly codec: SyncItemCodec;
  /**
   * Per followed object: the highest version this node saw in its stream, whether it lagged at the
   * last check, and since when it is followed.
   */
  private readonly followed = new Map<string, { seen: number; lagging: boolean; since: number }>();
  private readonly checker: NodeJS.Timeout;

  constructor(
    private readonly grid: Grid,
    private readonly runtime: SharedObjectRuntime,
    private readonly invoker: CallInvoker,
    codecs: Codecs,
    private readonly log: Logger,
    private readonly options: SharedObjectServiceOptions,
  ) {
    this.hub = new FeedHub(log);
    this.codec = new SyncItemCodec(codecs);
    this.checker = setInterval(() => void this.checkStreams(), options.repairCheckMs);
    this.checker.unref();
  }

  get registry(): SharedObjectRegistry {
    return this.runtime.registry;
  }

  /** The current contents. */
  async get(name: string, caller: SharedObjectCaller): Promise<SharedObjectSnapshot> {
    await this.authorizeRead(name, this.registry.resolve(name), caller);
    return this.snapshot(name);
  }

  /** Applies an update as a turn of the object's actor; resolves to the new version. */
  async update(name: string, update: SharedObjectUpdate, caller: SharedObjectCaller, call: { idempotencyKey?: string; callerText?: string; principal?: AuthPrincipal } = {}): Promise<{ version: number }> {
    this.registry.resolve(name);
    return (await this.invoker.invoke({
      type: SHARED_OBJECT_TYPE,
      id: name,
      method: 'update',
      args: [update, caller.client ? { ...caller.client } : {}],
      ...(call.idempotencyKey === undefined ? {} : { idempotencyKey: call.idempotencyKey }),
      ...(call.callerText === undefined ? {} : { caller: call.callerText }),
      ...(call.principal === undefined ? {} : { principal: call.principal }),
    })) as { version: number };
  }

  /**
   * Subscribes `channel` to an object: a snapshot now, or the changes after `since` while the stream
   * retains them (else a snapshot with `reset`). Call `activate` once the reply is on its way, so
   * that no change overtakes it. `id`: the subscription's id (default: 32 random hex digits).
   */
  async subscribe(name: string, since: number | undefined, channel: SyncChannel, caller: SharedObjectCaller, id?: string): Promise<SubscribeResult> {
    const spec = this.registry.resolve(name);
    if (since !== undefined && (!Number.isSafeInteger(since) || since < 0)) throw invalid('since must be a whole number >= 0 (the last version seen)', 'since');
    await this.authorizeRead(name, spec, caller);
    const stream = this.stream(name, spec.retention);
    // The tail first, then the snapshot: a change committed in between is in the stream after the
    // tail, and dropped there by version if the snapshot already has it.
    const tail = await stream.tail();
    const snapshot = await this.snapshot(name);
    if (since !== undefined && since > snapshot.version) throw invalid(`since ${since} is ahead of ${name}'s version ${snapshot.version}`, 'since');
    let start = tail + 1;
    let result: Omit<SubscribeResult, 'subscription' | 'activate'> = { version: snapshot.version, slots: snapshot.slots };
    if (since !== undefined) {
      const seq = since === snapshot.version ? tail + 1 : await findResumeSeq(stream, since, (bytes) => this.codec.decode(bytes).item.v);
      if (seq === undefined) result = { ...result, reset: true };
      else {
        start = seq;
        result = { version: since };
      }
    }
    const sink = new SyncSink(name, channel, (n) => this.snapshot(n), result.version);
    const subscription = new PushSubscription<SyncDelivery>({ sink, next: start, maxBufferedBytes: this.options.maxBufferedBytes, filter: ({ item }) => item.v > sink.last, ...(id === undefined ? {} : { id }) });
    // What this node's stream holds, not the snapshot, is what the repair check compares against:
    // a version committed but never appended must show as a lag, also for a subscriber that resumed.
    if (!this.followed.has(name)) this.followed.set(name, { seen: await this.newestInStream(stream, tail), lagging: false, since: Date.now() });
    const source = (): FeedSource<SyncDelivery> => ({
      stream,
      decode: (bytes) => {
        const delivery = this.codec.decode(bytes);
        const entry = this.followed.get(name);
        if (entry && delivery.item.v > entry.seen) entry.seen = delivery.item.v;
        return delivery;
      },
    });
    return { subscription, ...result, activate: () => this.hub.add(name, source, subscription, tail + 1) };
  }

  /** Ends a subscription. */
  unsubscribe(subscription: SharedObjectSubscription): void {
    subscription.close();
  }

  /** Objects this node follows right now, with their local subscription counts. */
  feeds(): Map<string, number> {
    return this.hub.stats();
  }

  /** Stops every feed and the stream checks (node shutdown). */
  stop(): void {
    clearInterval(this.checker);
    this.hub.stop();
  }

  private stream(name: string, capacity: number): GridStream {
    return this.grid.stream(sharedObjectStream(name), { capacity });
  }

  /** The version of the newest change in the stream (0 when it holds none). */
  private async newestInStream(stream: GridStream, tail: number): Promise<number> {
    if (tail < 0) return 0;
    const { items } = await stream.read(tail, 1);
    try {
      return items.length > 0 ? this.codec.decode(items[0].value).item.v : 0;
    } catch {
      return 0;
    }
  }

  /** Calls an argument-less method of the object's actor. */
  private async callObject<R>(name: string, method: 'snapshot' | 'current' | 'sync'): Promise<R> {
    return (await this.invoker.invoke({ type: SHARED_OBJECT_TYPE, id: name, method, args: [] })) as R;
  }

  private snapshot(name: string): Promise<SharedObjectSnapshot> {
    return this.callObject(name, 'snapshot');
  }

  private async authorizeRead(name: string, spec: SharedObjectSpec, caller: SharedObjectCaller): Promise<void> {
    const hooks = this.runtime.hooks(spec);
    if (hooks?.authorizeRead && !(await runHook(() => hooks.authorizeRead!(name, caller)))) {
      throw new ActorGridError('FORBIDDEN', `not allowed to read ${name}`, { name });
    }
  }

  /**
   * For each object this node follows: if the object is ahead of what its stream delivered here at
   * two checks in a row, a committed version was not appended (its node died right after the
   * commit): a `sync` turn appends it.
   */
  private async checkStreams(): Promise<void> {
    const following = this.hub.stats();
    // Entries of objects no longer followed go; a new one may not have its feed yet (activation).
    const settled = Date.now() - 2 * this.options.repairCheckMs;
    for (const [name, entry] of [...this.followed]) if (!following.has(name) && entry.since < settled) this.followed.delete(name);
    for (const [name, entry] of this.followed) {
      try {
        const version = await this.callObject<number>(name, 'current');
        const lagging = version > entry.seen;
        if (lagging && entry.lagging) {
          this.log.info('a shared object is ahead of its stream; appending what is missing', { name, version, seen: entry.seen });
          await this.callObject(name, 'sync');
        }
        entry.lagging = lagging;
      } catch (err) {
        this.log.warn('checking a shared object\'s stream failed', { name, err });
      }
    }
  }
}

function invalid(message: string, field: string): ActorGridError {
  return new ActorGridError('INVALID_ARGUMENTS', message, { field });
}
