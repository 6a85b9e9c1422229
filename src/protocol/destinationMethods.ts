import { ActorGridError } from '../errors';
import type { DestinationCaller } from '../destinations/Destination';
import { gapFrame, type DestinationSink, type DestinationSubscription } from '../destinations/DestinationDelivery';
import type { DestinationService, PublishInput, SubscribeInput } from '../destinations/DestinationService';
import { Codecs } from './Codecs';
import { named, paramsObject, principalOf, stringParam } from './params';
import { sendFrame } from './sendFrame';
import { SessionSubscriptions } from './SessionSubscriptions';
import type { Dispatcher } from './Dispatcher';
import type { PushChannel, Session } from './Session';

/** Reads a publish request (`destination.publish` params or the HTTP body). */
export function checkPublishParams(p: Record<string, unknown>): PublishInput {
  if (!('body' in p)) throw new ActorGridError('INVALID_ARGUMENTS', 'a message needs a body', { field: 'body' });
  const input: PublishInput = { body: p.body };
  if (p.headers !== undefined) input.headers = p.headers as PublishInput['headers'];
  const subtopic = stringParam(p, 'subtopic', false);
  if (subtopic !== undefined) input.subtopic = subtopic;
  return input;
}

/** The method names, for transports that decode a request themselves (the HTTP routes). */
export const DESTINATION_METHODS = {
  publish: 'destination.publish',
  subscribe: 'destination.subscribe',
  unsubscribe: 'destination.unsubscribe',
} as const;

/** The caller as destination hooks see it: an identity, not the session. */
function callerOf(session: Session): DestinationCaller {
  return { client: principalOf(session) };
}

/**
 * A destination subscription's sink over a session's push channel: messages as pre-encoded frames
 * (JSON-RPC notifications, or SSE events when `push.encoding` is `sse`), ranges it misses as one
 * `destination.gap` (`event: gap`). The encoding is fixed at subscribe time.
 */
function channelSink(push: PushChannel, codecs: Codecs, destination: string): DestinationSink {
  const encoding = push.encoding;
  return {
    get bufferedBytes() {
      return push.bufferedBytes;
    },
    send: (delivery, subscription) => sendFrame(push, encoding, delivery.frame, subscription.id, `message ${delivery.message.seq} of ${destination}`),
    missed: (from, to, subscription) => void push.send(gapFrame(codecs, destination, from, to).frame(encoding, subscription.id)),
  };
}

/**
 * Registers `destination.publish`, `destination.subscribe` and `destination.unsubscribe`.
 * Subscriptions need a session that can push (a WebSocket, or the session the SSE route builds);
 * they end when the session's signal aborts. A subscription starts delivering only once the reply
 * announcing it was written (`DispatchContext.afterReply`), so in a batch too the reply comes first.
 */
export function registerDestinationMethods(dispatcher: Dispatcher, destinations: DestinationService, codecs: Codecs = new Codecs(), maxSubscriptions?: number): void {
  const subscriptions = new SessionSubscriptions<DestinationSubscription>(maxSubscriptions);

  dispatcher.register(DESTINATION_METHODS.publish, async (params, session) => {
    const p = paramsObject(params, ['destination', 'body', 'headers', 'subtopic'], '{destination, body, headers?, subtopic?}');
    const name = stringParam(p, 'destination', true)!;
    return destinations.publish(name, checkPublishParams(p), callerOf(session));
  }, { target: named('destination', 'destination', 'publish') });

  dispatcher.register(DESTINATION_METHODS.subscribe, async (params, session, context) => {
    const p = paramsObject(params, ['destination', 'subtopic', 'selector', 'after'], '{destination, subtopic?, selector?, after?}');
    const name = stringParam(p, 'destination', true)!;
    const push = SessionSubscriptions.channel(session, 'GET /destinations/{name}/events');
    subscriptions.checkRoom(session);
    const input: SubscribeInput = {};
    const subtopic = stringParam(p, 'subtopic', false);
    const selector = stringParam(p, 'selector', false);
    if (subtopic !== undefined) input.subtopic = subtopic;
    if (selector !== undefined) input.selector = selector;
    if (p.after !== undefined) {
      if (typeof p.after !== 'number') throw new ActorGridError('INVALID_ARGUMENTS', 'after must be a number', { field: 'after' });
      input.after = p.after;
    }
    const { subscription, seq, activate } = await destinations.subscribe(name, input, channelSink(push, codecs, name), callerOf(session));
    subscriptions.add(session, subscription);
    context.afterReply(activate);
    return { subscription: subscription.id, seq };
  }, { target: named('destination', 'destination', 'subscribe') });

  dispatcher.register(DESTINATION_METHODS.unsubscribe, async (params, session) => {
    const p = paramsObject(params, ['subscription'], '{subscription}');
    subscriptions.remove(session, stringParam(p, 'subscription', true)!);
    return true;
  });
}
