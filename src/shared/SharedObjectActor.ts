import { inject } from 'tsyringe';
import { Action, Actor, ActorContext, Query, SHARED_OBJECT_TYPE, State } from '../actor';
import { RequestRefusedError, runHook } from '../errors';
import type { ClientPrincipal } from '../push';
import type { SharedObjectCaller, SharedObjectSnapshot, SharedObjectUpdate } from './SharedObject';
import { SHARED_OBJECT_RUNTIME, type SharedObjectRuntime } from './SharedObjectRuntime';
import { checkLimits, checkUpdate } from './sharedObjectUpdate';
import { sharedObjectStream, type SyncItem } from './SyncItem';

export { SHARED_OBJECT_TYPE };

/** Deleted slots remembered for `ifVersion` checks; older deletions count as "changed after any older version". */
const MAX_TOMBSTONES = 1000;

/**
 * A shared object is an actor (id = the object's name): an update is a turn, so it is atomic over all
 * its slots, bumps the version by exactly one, is fenced like any write, and what it changed (the
 * delta) is written with the state and appended to the object's stream after the commit (the turn's
 * outbox): a committed version is never lost for subscribers, even if the node dies right after.
 */
@Actor(SHARED_OBJECT_TYPE)
export class SharedObjectActor {
  @State() version = 0;
  @State() slots: Record<string, unknown> = {};
  /** The version that last set each present slot. */
  @State() changed: Record<string, number> = {};
  /** The version that deleted each (recently) deleted slot. */
  @State() removed: Record<string, number> = {};
  /** Tombstones older than this were forgotten: a slot absent from both maps changed at or before it. */
  @State() removedFloor = 0;

  constructor(@inject(SHARED_OBJECT_RUNTIME) private readonly runtime: SharedObjectRuntime) {}

  /** Applies an update; returns the new version. `caller` is the client it came from, if any. */
  @Action()
  async update(raw: object, client: object = {}): Promise<{ version: number }> {
    const ctx = ActorContext.current();
    const name = ctx.actorId;
    const spec = await runHook(() => this.runtime.registry.resolve(name), RequestRefusedError); // UNKNOWN_SHARED_OBJECT as it is, also for actors
    let update = checkUpdate(raw);
    const caller: SharedObjectCaller = isPrincipal(client) ? { client } : { actor: ctx.caller ?? 'unknown' };
    const hooks = this.runtime.hooks(spec);
    if (hooks?.authorizeWrite && !(await runHook(() => hooks.authorizeWrite!(name, update, caller), RequestRefusedError))) {
      throw new RequestRefusedError('FORBIDDEN', `not allowed to update ${name}`, { name });
    }
    if (hooks?.validate) {
      const replaced = await runHook(() => hooks.validate!(name, update, this.snapshot()), RequestRefusedError);
      if (replaced) update = { ...checkUpdate(replaced), ...(update.ifVersion === undefined ? {} : { ifVersion: update.ifVersion }) };
    }
    checkLimits(update, spec, this.slots, this.runtime.codecs);
    this.checkConflicts(update);

    const version = this.version + 1;
    const set = update.set ?? {};
    const deleted = update.delete ?? [];
    for (const [slot, value] of Object.entries(set)) {
      this.slots[slot] = value;
      this.changed[slot] = version;
      delete this.removed[slot];
    }
    for (const slot of deleted) {
      delete this.slots[slot];
      delete this.changed[slot];
      this.removed[slot] = version;
    }
    this.forgetOldTombstones();
    this.version = version;
    const item: SyncItem = { n: name, v: version, ...(Object.keys(set).length > 0 ? { s: set } : {}), ...(deleted.length > 0 ? { d: deleted } : {}) };
    ctx.emit({ stream: sharedObjectStream(name), capacity: spec.retention, item: item as unknown as Record<string, unknown> });
    return { version };
  }

  /**
   * Changes nothing. Its turn, like every turn, first appends what an earlier turn committed but did
   * not append (its node died): nodes call it when their subscribers' stream lags the object.
   */
  @Action()
  sync(): number {
    return this.version;
  }

  /** The current version. */
  @Query()
  current(): number {
    return this.version;
  }

  /** The current version and slots. */
  @Query()
  snapshot(): SharedObjectSnapshot {
    return { version: this.version, slots: this.slots };
  }

  /** With `ifVersion`: refuses when any slot the update names changed after it (PROTOCOL.md). */
  private checkConflicts(update: SharedObjectUpdate): void {
    const base = update.ifVersion;
    if (base === undefined) return;
    if (base > this.version) {
      throw new RequestRefusedError('INVALID_ARGUMENTS', `ifVersion ${base} is ahead of the current version ${this.version}`, { field: 'ifVersion', version: this.version });
    }
    const conflicts: Record<string, unknown> = {};
    for (const slot of [...Object.keys(update.set ?? {}), ...(update.delete ?? [])]) {
      const last = this.changed[slot] ?? this.removed[slot] ?? (base < this.removedFloor ? Infinity : 0);
      if (last > base) conflicts[slot] = slot in this.slots ? this.slots[slot] : null;
    }
    if (Object.keys(conflicts).length > 0) {
      throw new RequestRefusedError('VERSION_CONFLICT', `${Object.keys(conflicts).join(', ')} changed after version ${base}`, { version: this.version, slots: conflicts });
    }
  }

  private forgetOldTombstones(): void {
    const entries = Object.entries(this.removed);
    if (entries.length <= MAX_TOMBSTONES) return;
    entries.sort((a, b) => a[1] - b[1]);
    for (const [slot, version] of entries.slice(0, entries.length - MAX_TOMBSTONES)) {
      delete this.removed[slot];
      this.removedFloor = Math.max(this.removedFloor, version);
    }
  }
}

function isPrincipal(value: object): value is ClientPrincipal {
  return typeof (value as { id?: unknown }).id === 'string' && typeof (value as { transport?: unknown }).transport === 'string';
}
