import type { ActorGridClient } from './ActorGridClient';
import { isRecord } from './clientErrors';
import { ResumableSubscription } from './ResumableSubscription';

/** One version of a shared object as a replica applied it. */
export interface SharedObjectChange {
  version: number;
  set?: Record<string, unknown>;
  delete?: string[];
  /** True when it replaced every slot (a snapshot). */
  reset?: boolean;
}

/** Options of {@link SharedObjectClient.subscribe}. */
export interface SharedObjectReplicaOptions {
  /** Each version, after it was applied to `slots`. */
  onChange?: (change: SharedObjectChange, replica: SharedObjectReplica) => void;
  /** A resubscribe after a reconnect that the node refused; the replica then stays as it was. @default a process warning */
  onError?: (err: Error) => void;
}

/**
 * A shared object's replica: `slots` and `version` as of the last version applied. It survives
 * failover: after a reconnect (to any node) it subscribes again with `since` = its version, so it
 * gets exactly the versions it missed (or a reset snapshot when they are no longer retained).
 */
export class SharedObjectReplica extends ResumableSubscription {
  private current = 0;
  private data: Record<string, unknown> = {};

  /** @internal use `client.sharedObject(name).subscribe()` */
  constructor(
    client: ActorGridClient,
    readonly name: string,
    private readonly options: SharedObjectReplicaOptions,
  ) {
    super(client, options.onError);
  }

  /** The version the replica is at (0: never updated). */
  get version(): number {
    return this.current;
  }

  /** The slots at `version` (do not change the object: it is the replica's). */
  get slots(): Readonly<Record<string, unknown>> {
    return this.data;
  }

  /**
   * Updates the object based on the replica's version (unless `ifVersion` is given): resolves
   * `{version}` when it applied, or `{conflict}` — the version and current values of the slots that
   * changed meanwhile — when another update got there first (VERSION_CONFLICT), so the caller can
   * merge and try again. Idempotent across failover.
   */
  async update(update: { set?: Record<string, unknown>; delete?: string[]; ifVersion?: number }): Promise<{ version: number } | { conflict: { version: number; slots: Record<string, unknown> } }> {
    try {
      return await this.client.idempotentRpc<{ version: number }>('sharedObject.update', { name: this.name, ifVersion: this.current, ...update });
    } catch (err) {
      const e = err as { code?: unknown; data?: { version?: unknown; slots?: unknown } };
      if (e.code !== 'VERSION_CONFLICT' || typeof e.data?.version !== 'number') throw err;
      return { conflict: { version: e.data.version, slots: (e.data.slots ?? {}) as Record<string, unknown> } };
    }
  }

  /** Stops following and tells the node (when connected). */
  close(): Promise<void> {
    return this.end('sharedObject.unsubscribe', 'subscription');
  }



  protected async open(first: boolean): Promise<void> {
    const params: Record<string, unknown> = { name: this.name, ...(first ? {} : { since: this.current }) };
    const reply = await this.subscribeRpc<{ subscription: string; version: number; slots?: Record<string, unknown>; reset?: boolean }>('sharedObject.subscribe', params);
    if (!this.active) return;
    this.id = reply.subscription;
    if (reply.slots) this.apply({ version: reply.version, set: reply.slots, reset: true });
  }

  /** `sharedObject.sync`, named (`{subscription, name, version, set?, delete?, reset?}`) or compact (`[subscription, version, set?, delete?, reset?]`). */
  protected onNotification(method: string, params: unknown): void {
    if (method !== 'sharedObject.sync' || this.id === undefined) return;
    let fields: { version?: unknown; set?: unknown; delete?: unknown; reset?: unknown };
    if (Array.isArray(params)) {
      if (params[0] !== this.id) return;
      fields = { version: params[1], set: params[2], delete: params[3], reset: params[4] };
    } else if (isRecord(params) && params.subscription === this.id) fields = params;
    else return;
    if (typeof fields.version !== 'number') return;
    const change: SharedObjectChange = {
      version: fields.version,
      ...(isRecord(fields.set) ? { set: fields.set } : {}),
      ...(Array.isArray(fields.delete) ? { delete: fields.delete as string[] } : {}),
      ...(fields.reset === true ? { reset: true } : {}),
    };
    if (!change.reset && change.version <= this.current) return;
    this.apply(change);
  }

  private apply(change: SharedObjectChange): void {
    const slots = change.reset ? {} : { ...this.data };
    Object.assign(slots, change.set ?? {});
    for (const slot of change.delete ?? []) delete slots[slot];
    this.data = slots;
    this.current = change.version;
    this.options.onChange?.(change, this);
  }
}

/** A shared object of the cluster, as `client.sharedObject(name)` gives it. */
export class SharedObjectClient {
  constructor(
    private readonly client: ActorGridClient,
    /** The object's name, e.g. `board.lobby`. */
    readonly name: string,
  ) {}

  /** The current contents. */
  get(): Promise<{ version: number; slots: Record<string, unknown> }> {
    return this.client.rpc('sharedObject.get', { name: this.name });
  }

  /** Sets and deletes slots in one version (with `ifVersion`, only if nothing it names changed since); idempotent across failover. */
  update(update: { set?: Record<string, unknown>; delete?: string[]; ifVersion?: number }): Promise<{ version: number }> {
    return this.client.idempotentRpc('sharedObject.update', { name: this.name, ...update });
  }

  /** A replica that follows every version; resolves once it holds the snapshot. */
  async subscribe(options: SharedObjectReplicaOptions = {}): Promise<SharedObjectReplica> {
    const replica = new SharedObjectReplica(this.client, this.name, options);
    await replica.start();
    return replica;
  }
}
