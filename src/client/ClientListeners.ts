import type { Notification, StateChange } from './clientOptions';

/**
 * The listeners of one client: notification handlers, state-change handlers and the error hook.
 * A handler that throws never stops the others or the client: its error goes to the hook.
 */
export class ClientListeners {
  private readonly notifications = new Set<(notification: Notification) => void>();
  private readonly states = new Set<(change: StateChange) => void>();

  constructor(private readonly onError: (err: Error) => void) {}

  onNotification(handler: (notification: Notification) => void): () => void {
    this.notifications.add(handler);
    return () => this.notifications.delete(handler);
  }

  onStateChange(handler: (change: StateChange) => void): () => void {
    this.states.add(handler);
    return () => this.states.delete(handler);
  }

  notify(notification: Notification): void {
    this.each(this.notifications, notification);
  }

  stateChanged(change: StateChange): void {
    this.each(this.states, change);
  }

  /** Hands an error to the hook; a failing hook is ignored (nothing sensible is left to do). */
  report(err: unknown): void {
    try {
      this.onError(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // ignored on purpose
    }
  }

  private each<T>(handlers: Set<(value: T) => void>, value: T): void {
    for (const handler of [...handlers]) {
      try {
        handler(value);
      } catch (err) {
        this.report(err);
      }
    }
  }
}
