import { ActorGridError } from '../errors';
import type { DestinationService, PublishInput, SubscribeInput } from '../destinations/DestinationService';
import type { Subscription, SubscriberSink } from '../destinations/Subscription';
import type { Dispatcher } from './Dispatcher';
import type { Session } from './Session';

/** Checks that `params` is an object with only `allowed` keys; `null` values count as absent. */
function paramsObject(params: unknown, allowed: readonly string[], shape: string): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ActorGridError('INVALID_ARGUMENTS', `params must be an object ${shape}`, { field: 'params' });
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (!allowed.includes(key)) throw new ActorGridError('INVALID_ARGUMENTS', `unknown parameter "${key}"`, { field: key });
    if (value !== null && value !== undefined) out[key] = value;
  }
  return out;
}

function stringParam(p: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = p[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw new ActorGridError('INVALID_ARGUMENTS', `${field} must be a non-empty string`, { field });
  }
  return value;
}

/** Reads a publish request (`destination.publish` params or the HTTP body). */
export function checkPublishParams(p: Record<string, unknown>): PublishInput {
  if (!('body' in p)) throw new ActorGridError('INVALID_ARGUMENTS', 'a message needs a body', { field: 'body' });
  const input: PublishInput = { body: p.body };
  if (p.headers !== undefined) input.headers = p.headers as PublishInput['headers'];
  const subtopic = stringParam(p, 'subtopic', false);
  if (subtopic !== undefined) input.subtopic = subtopic;
  return input;
}

/**
 * Registers `destination.publish`, `destination.subscribe` and `destination.unsubscribe`.
 * Subscriptions need a session that can push (WebSocket); they end with their connection.
 */
export function registerDestinationMethods(dispatcher: Dispatcher, destinations: DestinationService): void {
  const bySession = new WeakMap<Session, Map<string, Subscription>>();

  dispatcher.register('destination.publish', async (params, session) => {
    const p = paramsObject(params, ['destination', 'body', 'headers', 'subtopic'], '{destination, body, headers?, subtopic?}');
    const name = stringParam(p, 'destination', true)!;
    return destinations.publish(name, checkPublishParams(p), { session });
  });

  dispatcher.register('destination.subscribe', async (params, session) => {
    const p = paramsObject(params, ['destination', 'subtopic', 'selector', 'after'], '{destination, subtopic?, selector?, after?}');
    const name = stringParam(p, 'destination', true)!;
    const push = session.push;
    if (!push || !session.notify) {
      throw new ActorGridError('INVALID_REQUEST', 'subscriptions need a WebSocket connection (or GET /destinations/{name}/events)', {});
    }
    const input: SubscribeInput = {};
    const subtopic = stringParam(p, 'subtopic', false);
    const selector = stringParam(p, 'selector', false);
    if (subtopic !== undefined) input.subtopic = subtopic;
    if (selector !== undefined) input.selector = selector;
    if (p.after !== undefined) {
      if (typeof p.after !== 'number') throw new ActorGridError('INVALID_ARGUMENTS', 'after must be a number', { field: 'after' });
      input.after = p.after;
    }
    const encoding = push.encoding;
    const notify = session.notify.bind(session);
    const sink: SubscriberSink = {
      get bufferedBytes() {
        return push.bufferedBytes;
      },
      message: (id, encoded) => void push.send(encoded.frame(encoding, id)),
      gap: (id, destination, from, to) => void notify('destination.gap', { subscription: id, destination, from, to }),
    };
    const { subscription, seq, activate } = await destinations.subscribe(name, input, sink, { session });
    let subs = bySession.get(session);
    if (!subs) {
      bySession.set(session, (subs = new Map()));
      const all = subs;
      session.signal?.addEventListener('abort', () => all.forEach((s) => destinations.unsubscribe(s)), { once: true });
    }
    subs.set(subscription.id, subscription);
    if (session.signal?.aborted) destinations.unsubscribe(subscription);
    // After this reply is sent (the transport sends it in this tick's microtasks): no message can overtake it.
    setImmediate(activate);
    return { subscription: subscription.id, seq };
  });

  dispatcher.register('destination.unsubscribe', async (params, session) => {
    const p = paramsObject(params, ['subscription'], '{subscription}');
    const id = stringParam(p, 'subscription', true)!;
    const subscription = bySession.get(session)?.get(id);
    if (!subscription) throw new ActorGridError('INVALID_ARGUMENTS', `no subscription ${id} on this connection`, { field: 'subscription' });
    bySession.get(session)!.delete(id);
    destinations.unsubscribe(subscription);
    return true;
  });
}
