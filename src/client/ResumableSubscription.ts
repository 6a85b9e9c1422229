import type { ActorGridClient } from './ActorGridClient';
import { reportUnhandled } from './platform';

const RETRY_PAUSE_MS = 200;

/**
 * What every client-side subscription that survives failover shares: it listens to the client's
 * notifications and connection state, subscribes once, and after each reconnect (to any node)
 * subscribes again from where it was (`open(false)`). A retryable failure of that resubscribe is
 * retried after a pause while the client stays open; any other failure stops it and goes to
 * `onError`.
 */
export abstract class ResumableSubscription {
  /** False once stopped (by the application or a refused resubscribe). */
  protected active = true;
  /** The node-side id of the current subscription; undefined until confirmed, and after a lost connection. */
  protected id: string | undefined;
  /** A resubscribe on its way (queued or sent); another `open` does not start a second. */
  private resubscribing = false;
  /** Whether subscribe requests ask for the compact form; false once a node refused the flag. */
  private compact = true;
  private readonly offs: Array<() => void> = [];
  /** Notifications that came while a subscribe was on its way, handed over once it is done. */
  private held: Array<[method: string, params: unknown]> | undefined;

  constructor(
    protected readonly client: ActorGridClient,
    private readonly onError: ((err: Error) => void) | undefined,
  ) {}

  /** Sends the subscribe request; `first` is false after a reconnect. Sets `id` once the node confirmed it. */
  protected abstract open(first: boolean): Promise<void>;
  /** A notification of the client (any: filter by your subscription id). */
  protected abstract onNotification(method: string, params: unknown): void;

  /**
   * Sends a subscribe request asking for the compact form (`compact: true`: positional params and a
   * short id, docs/protocol.md). A node that does not know the flag (an older version, during a
   * rolling upgrade) refuses it as INVALID_ARGUMENTS on field `compact`: the request goes again
   * without it, and so do later ones of this subscription. `onNotification` must read both forms.
   */
  protected async subscribeRpc<R>(method: string, params: Record<string, unknown>): Promise<R> {
    const compact = this.compact;
    try {
      return await this.client.rpc<R>(method, compact ? { ...params, compact: true } : params);
    } catch (err) {
      const e = err as { code?: unknown; data?: { field?: unknown } };
      if (!compact || e.code !== 'INVALID_ARGUMENTS' || e.data?.field !== 'compact') throw err;
      this.compact = false;
      return this.client.rpc<R>(method, params);
    }
  }

  /** Stops for good and tells the node with `method {[field]: id}` when connected (unsubscribe, unwatch). */
  protected async end(method: string, field: string): Promise<void> {
    const id = this.id;
    this.stop();
    if (id !== undefined && this.client.connected) await this.client.rpc(method, { [field]: id }).catch(() => undefined);
  }

  /** @internal Subscribes for the first time; later ones follow reconnects. */
  async start(): Promise<void> {
    this.offs.push(
      this.client.onNotification(({ method, params }) => {
        if (this.held) this.held.push([method, params]);
        else this.onNotification(method, params);
      }),
      this.client.onStateChange(({ state, previous }) => {
        if (state === 'open' && previous === 'reconnecting' && this.active) void this.resubscribe();
      }),
    );
    try {
      await this.subscribe(true);
    } catch (err) {
      this.stop();
      throw err;
    }
  }

  /** Stops delivery for good. */
  protected stop(): void {
    this.active = false;
    this.id = undefined;
    for (const off of this.offs.splice(0)) off();
  }

  /**
   * `open`, holding the notifications that arrive meanwhile. The node sends a subscription's first
   * notifications right after its reply; a socket that hands over several frames at once (`ws`
   * does, for frames read together) delivers them before the `await` of the reply has stored the
   * subscription's id, and they would be dropped as someone else's.
   */
  private async subscribe(first: boolean): Promise<void> {
    const held: Array<[string, unknown]> = [];
    this.held = held;
    try {
      await this.open(first);
    } finally {
      if (this.held === held) this.held = undefined;
      for (const [method, params] of held) {
        if (!this.active) break;
        try {
          this.onNotification(method, params);
        } catch (err) {
          (this.onError ?? reportUnhandled)(err as Error); // a handler's exception, as the client reports one
        }
      }
    }
  }

  private async resubscribe(): Promise<void> {
    if (this.resubscribing) return;
    this.resubscribing = true;
    this.id = undefined; // the subscription went with its connection
    try {
      await this.subscribe(false);
    } catch (err) {
      if (!this.active) return;
      if ((err as { retryable?: boolean }).retryable !== true) {
        this.stop();
        (this.onError ?? reportUnhandled)(err as Error);
      }
    } finally {
      this.resubscribing = false;
    }
    // A retryable failure (lost on the way, timed out, node busy) while the client is open: the
    // `open` that would retry has passed, so retry after a pause.
    if (this.active && this.id === undefined && this.client.state === 'open') setTimeout(() => void this.resubscribe(), RETRY_PAUSE_MS);
  }
}
