import type { ActorGridClient } from '../../src/client';

/** A `destination.message` notification's params. */
export interface MessageParams {
  subscription: string;
  destination: string;
  seq: number;
  subtopic?: string;
  headers: Record<string, unknown>;
  body: unknown;
  publishedAt: number;
}

/** A `destination.gap` notification's params. */
export interface GapParams {
  subscription: string;
  destination: string;
  from: number;
  to: number;
}

/**
 * Everything one client was pushed, in arrival order, by subscription. Compact notifications
 * (positional params, docs/protocol.md) are read into the same shapes — without `destination`, which
 * they do not carry — and keep their wire params in `compact`.
 */
export class Inbox {
  readonly events: Array<{ kind: 'message'; params: MessageParams; compact?: unknown[] } | { kind: 'gap'; params: GapParams; compact?: unknown[] }> = [];

  constructor(client: ActorGridClient) {
    client.onNotification((n) => {
      const p = n.params;
      if (Array.isArray(p)) {
        if (n.method === 'destination.message') {
          const params = { subscription: p[0], seq: p[1], publishedAt: p[2], body: p[3], headers: p[4] ?? {}, ...(p[5] === undefined ? {} : { subtopic: p[5] }) } as MessageParams;
          this.events.push({ kind: 'message', params, compact: p });
        }
        if (n.method === 'destination.gap') this.events.push({ kind: 'gap', params: { subscription: p[0], from: p[1], to: p[2] } as GapParams, compact: p });
        return;
      }
      if (n.method === 'destination.message') this.events.push({ kind: 'message', params: p as MessageParams });
      if (n.method === 'destination.gap') this.events.push({ kind: 'gap', params: p as GapParams });
    });
  }

  /** The wire params of one subscription's compact notifications, in arrival order. */
  compact(subscription: string): unknown[][] {
    return this.events.filter((e) => e.params.subscription === subscription && e.compact).map((e) => e.compact!);
  }

  messages(subscription: string): MessageParams[] {
    return this.events.filter((e) => e.kind === 'message' && e.params.subscription === subscription).map((e) => e.params as MessageParams);
  }

  gaps(subscription: string): GapParams[] {
    return this.events.filter((e) => e.kind === 'gap' && e.params.subscription === subscription).map((e) => e.params as GapParams);
  }

  /** Events of one subscription, as `m<seq>` and `gap<from>-<to>` strings. */
  trace(subscription: string): string[] {
    return this.events
      .filter((e) => e.params.subscription === subscription)
      .map((e) => (e.kind === 'message' ? `m${e.params.seq}` : `gap${(e.params as GapParams).from}-${(e.params as GapParams).to}`));
  }
}
