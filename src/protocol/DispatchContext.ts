/**
 * What a handler can ask of the transport for the message it is running in (one request, or a
 * whole batch): work to run once the reply has been handed to the connection. Subscriptions start
 * delivering there, so no pushed frame can overtake the reply that announces the subscription —
 * even in a batch, whose reply waits for its slowest entry.
 *
 * A transport creates one per decoded message, passes it to `Dispatcher.handle` (or `call`), writes
 * the reply and then calls `replied()`. Without a context the dispatcher runs the callbacks on the
 * next macrotask after the handler, which is only safe for a transport that sends synchronously.
 *
 * @example
 * dispatcher.register('thing.subscribe', async (params, session, context) => {
 *   const sub = start(params, session);
 *   context.afterReply(() => sub.activate());
 *   return { subscription: sub.id };
 * });
 */
export class DispatchContext {
  private callbacks: Array<() => void> | undefined = [];

  /** @param onError receives what a callback throws (it never reaches the transport). @default console.error */
  constructor(private readonly onError: (err: unknown) => void = (err) => console.error('[actorgrid] after-reply callback failed', err)) {}

  /** Runs `callback` after the reply was written (at once if it already was). */
  afterReply(callback: () => void): void {
    if (this.callbacks) this.callbacks.push(callback);
    else this.run(callback);
  }

  /** The transport wrote the reply (or had nothing to write): runs the callbacks, in order, once. */
  replied(): void {
    const callbacks = this.callbacks ?? [];
    this.callbacks = undefined;
    for (const callback of callbacks) this.run(callback);
  }

  private run(callback: () => void): void {
    try {
      callback();
    } catch (err) {
      try {
        this.onError(err);
      } catch {
        // A failing logger must not break the transport's reply path.
      }
    }
  }
}

