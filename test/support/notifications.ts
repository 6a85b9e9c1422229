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

/** Everything one client was pushed, in arrival order, by subscription. */
export class Inbox {
  readonly events: Array<{ kind: 'message'; params: MessageParams } | { kind: 'gap'; params: GapParams }> = [];

  constructor(client: ActorGridClient) {
    client.onNotification((n) => {
      if (n.method === 'destination.message') this.events.push({ kind: 'message', params: n.params as MessageParams });
      if (n.method === 'destination.gap') this.events.push({ kind: 'gap', params: n.params as GapParams });
    });
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
