import { ActorGridError } from '../errors';
import type { DestinationCaller } from '../destinations/Destination';
import { gapFrame, type DestinationDelivery, type DestinationSink, type DestinationSubscription } from '../destinations/DestinationDelivery';
import type { DestinationService, PublishInput, SubscribeInput } from '../destinations/DestinationService';
import { Codecs } from './Codecs';
import { booleanParam, named, paramsObject, principalOf, stringParam } from './params';
import { FrameSink } from './FrameSink';
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
 * (JSON-RPC notifications — named or, `compact`, positional params — or SSE events when
 * `push.encoding` is `sse`), ranges it misses as one `destination.gap` (`event: gap`).
 */
class ChannelSink extends FrameSink implements DestinationSink {
  constructor(push: PushChannel, codecs: Codecs, private readonly destination: string, compact: boolean) {
    super(push, codecs, compact);
  }

  send(delivery: DestinationDelivery, subscription: DestinationSubscription): void {
    this.sendFrame(this.compact ? delivery.compactFrame : delivery.frame, subscription.id, `message ${delivery.message.seq} of ${this.destination}`);
  }

  missed(from: number, to: number, subscription: DestinationSubscription): void {
    this.sendFrame(gapFrame(this.codecs, this.destination, from, to, this.compact), subscription.id, `gap ${from}-${to} of ${this.destination}`);
  }
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
    const p = paramsObject(params, ['destination', 'subtopic', 'selector', 'after', 'compact'], '{destination, subtopic?, selector?, after?, compact?}');
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
    // Compact: positional params and a short id, unique on this connection (docs/protocol.md). SSE carries no ids: always named.
    const compact = booleanParam(p, 'compact') && push.encoding !== 'sse';
    if (compact) input.id = push.newSubscriptionId();
    const { subscription, seq, activate } = await destinations.subscribe(name, input, new ChannelSink(push, codecs, name, compact), callerOf(session));
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
