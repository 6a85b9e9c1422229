import type { ActorGridClient } from '../../src/client';

/** A `sharedObject.sync` notification's params. */
export interface SyncParams {
  subscription: string;
  name: string;
  version: number;
  set?: Record<string, unknown>;
  delete?: string[];
  reset?: boolean;
}

/**
 * Every `sharedObject.sync` one client was pushed, in arrival order, by subscription. Compact ones
 * (`[subscription, version, set?, delete?, reset?]`, docs/protocol.md) are read into the same shape
 * — without `name`, which they do not carry — and their wire params kept in `compact`.
 */
export class SyncInbox {
  readonly syncs: SyncParams[] = [];
  readonly compact: unknown[][] = [];

  constructor(client: ActorGridClient) {
    client.onNotification((n) => {
      if (n.method !== 'sharedObject.sync') return;
      const p = n.params;
      if (!Array.isArray(p)) {
        this.syncs.push(p as SyncParams);
        return;
      }
      this.compact.push(p);
      const [subscription, version, set, del, reset] = p as [string, number, SyncParams['set'] | null, string[] | null, true | null];
      this.syncs.push({ subscription, version, ...(set ? { set } : {}), ...(del ? { delete: del } : {}), ...(reset ? { reset } : {}) } as SyncParams);
    });
  }

  of(subscription: string): SyncParams[] {
    return this.syncs.filter((s) => s.subscription === subscription);
  }

  /** The versions one subscription got, as `v<version>` and `reset<version>` strings. */
  trace(subscription: string): string[] {
    return this.of(subscription).map((s) => `${s.reset ? 'reset' : 'v'}${s.version}`);
  }

  /** The highest version one subscription got (0 if none). */
  last(subscription: string): number {
    const syncs = this.of(subscription);
    return syncs.length === 0 ? 0 : syncs[syncs.length - 1].version;
  }
}

/** Applies syncs (deltas and resets) to `slots`, as a subscriber would. */
export function applySyncs(slots: Record<string, unknown>, syncs: readonly SyncParams[]): Record<string, unknown> {
  let state = { ...slots };
  for (const s of syncs) {
    if (s.reset) state = {};
    Object.assign(state, s.set ?? {});
    for (const slot of s.delete ?? []) delete state[slot];
  }
  return state;
}
