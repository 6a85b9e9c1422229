import type { ActorGridClient } from './ActorGridClient';

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
  /** A resubscribe on its way (queued or sent); another `open` does not start a second. */
  private resubscribing = false;
  private readonly offs: Array<() => void> = [];

  constructor(
    protected readonly client: ActorGridClient,
    private readonly onError: ((err: Error) => void) | undefined,
  ) {}

  /** Sends the subscribe request; `first` is false after a reconnect. Sets what `subscribed` reads. */
  protected abstract open(first: boolean): Promise<void>;
  /** Whether the node confirmed the current subscription. */
  protected abstract get subscribed(): boolean;
  /** A notification of the client (any: filter by your subscription id). */
  protected abstract onNotification(method: string, params: unknown): void;
  /** Forgets the node-side id (the subscription is gone with its connection). */
  protected abstract forget(): void;

  /** @internal Subscribes for the first time; later ones follow reconnects. */
  async start(): Promise<void> {
    this.offs.push(
      this.client.onNotification(({ method, params }) => this.onNotification(method, params)),
      this.client.onStateChange(({ state, previous }) => {
        if (state === 'open' && previous === 'reconnecting' && this.active) void this.resubscribe();
      }),
    );
    try {
      await this.open(true);
    } catch (err) {
      this.stop();
      throw err;
    }
  }

  /** Stops delivery for good. */
  protected stop(): void {
    this.active = false;
    this.forget();
    for (const off of this.offs.splice(0)) off();
  }

  private async resubscribe(): Promise<void> {
    if (this.resubscribing) return;
    this.resubscribing = true;
    this.forget();
    try {
      await this.open(false);
    } catch (err) {
      if (!this.active) return;
      if ((err as { retryable?: boolean }).retryable !== true) {
        this.stop();
        (this.onError ?? ((e) => process.emitWarning(e)))(err as Error);
      }
    } finally {
      this.resubscribing = false;
    }
    // A retryable failure (lost on the way, timed out, node busy) while the client is open: the
    // `open` that would retry has passed, so retry after a pause.
    if (this.active && !this.subscribed && this.client.state === 'open') setTimeout(() => void this.resubscribe(), RETRY_PAUSE_MS);
  }
}
