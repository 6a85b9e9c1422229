import type { DependencyContainer } from 'tsyringe';
import type { OutboxItem } from '../actor';
import { ActorGridError, runHook } from '../errors';
import type { Grid, GridStream } from '../grid';
import { checkDeliverable } from '../protocol/checkDeliverable';
import type { Codecs } from '../protocol/Codecs';
import { FeedHub, PushSubscription, type FeedSource } from '../push';
import type { Logger } from '../runtime/Logger';
import type { DestinationCaller, DestinationHooks, HeaderValue, OutgoingMessage } from './Destination';
import { destinationDelivery, type DestinationDelivery, type DestinationSink, type DestinationSubscription } from './DestinationDelivery';
import type { DestinationRegistry, DestinationSpec } from './DestinationRegistry';
import { Selector } from './Selector';
import { StoredMessageCodec, type StoredMessage } from './StoredMessage';
import { SubtopicPattern, checkSubtopic } from './SubtopicPattern';

/** What a publisher sends. */
export interface PublishInput {
  body: unknown;
  headers?: Record<string, HeaderValue>;
  subtopic?: string;
}

/** What a subscriber asks for. */
export interface SubscribeInput {
  subtopic?: string;
  selector?: string;
  /** The last sequence the subscriber saw: delivery resumes right after it. */
  after?: number;
  /** The subscription's id. @default 32 random hex digits */
  id?: string;
}

const HEADER_NAME = /^[A-Za-z_$][A-Za-z0-9_$.-]{0,127}$/;
const MAX_HEADERS = 64;

/** What a node's destinations are told by config, and who counts what they do. */
export interface DestinationServiceOptions {
  /** Bytes one connection may have waiting before its subscriptions skip (`destinations.maxBufferedBytes`). */
  readonly maxBufferedBytes: number;
  /** The longest selector (`limits.maxSelectorLength`). */
  readonly maxSelectorLength?: number;
  /** Hears of publishes, deliveries and gaps, by destination name (metrics). */
  readonly observer?: DestinationObserver;
}

/** Counts per destination (its declared name: never a subtopic or a subscription). */
export interface DestinationObserver {
  published(destination: string): void;
  /** One message was written to `count` subscribers on this node (called once per message, not per delivery). */
  delivered(destination: string, count: number): void;
  gap(destination: string): void;
}

/**
 * Publish/subscribe on this node, a user of the push core (`src/push`). Each destination is one grid
 * stream (`dest.<name>`): publishing on any node appends to it and gets the message's sequence; each
 * node reads a destination's stream only while it has subscribers to it, and pushes to them
 * (WebSocket notifications, SSE).
 */
export class DestinationService {
  private readonly hub: FeedHub<DestinationDelivery>;
  private readonly codec = new StoredMessageCodec();

  constructor(
    private readonly grid: Grid,
    readonly registry: DestinationRegistry,
    private readonly codecs: Codecs,
    private readonly container: DependencyContainer,
    private readonly log: Logger,
    private readonly options: DestinationServiceOptions,
  ) {
    const observer = options.observer;
    this.hub = new FeedHub(log, observer ? { onSent: (name, count) => observer.delivered(name, count) } : {});
  }

  private stream(spec: DestinationSpec): GridStream {
    return this.grid.stream(`dest.${spec.name}`, { capacity: spec.retention });
  }

  private hooks(spec: DestinationSpec): DestinationHooks | undefined {
    return spec.hooks ? (this.container.resolve(spec.hooks as never) as DestinationHooks) : undefined;
  }

  /** Checks a message before any hook or write: shape, headers, subtopic, and that every wire format can carry it. */
  checkMessage(input: PublishInput): OutgoingMessage {
    const headers = input.headers ?? {};
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
      throw invalid('headers must be an object of scalar values', 'headers');
    }
    const entries = Object.entries(headers);
    if (entries.length > MAX_HEADERS) throw invalid(`at most ${MAX_HEADERS} headers`, 'headers');
    for (const [k, v] of entries) {
      if (!HEADER_NAME.test(k)) throw invalid(`bad header name ${JSON.stringify(k)}`, 'headers');
      if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) {
        throw invalid(`header ${k} must be a string, number, boolean or null`, 'headers');
      }
    }
    if (input.subtopic !== undefined) checkSubtopic(input.subtopic);
    if (input.body === undefined) throw invalid('a message needs a body', 'body');
    checkDeliverable({ body: input.body, headers }, this.codecs, 'body');
    return { body: input.body, headers: { ...headers }, ...(input.subtopic === undefined ? {} : { subtopic: input.subtopic }) };
  }

  /** Publishes a message; resolves to its sequence in the destination. */
  async publish(name: string, input: PublishInput, caller: DestinationCaller): Promise<{ seq: number }> {
    const spec = this.registry.get(name);
    const { bytes } = this.stored(spec, await this.checked(spec, input, caller));
    const seq = await this.stream(spec).append(bytes);
    this.options.observer?.published(spec.name);
    return { seq };
  }

  /**
   * Checks a message (destination, shape, deliverability, hooks, size) and returns what to append:
   * how `ctx.publish` checks a message inside its turn, before the turn commits. What can be told at
   * once throws at once; only hooks make it a promise.
   */
  prepare(name: string, input: PublishInput, caller: DestinationCaller): OutboxItem | Promise<OutboxItem> {
    const spec = this.registry.get(name);
    const checked = this.checked(spec, input, caller);
    const toItem = (message: OutgoingMessage): OutboxItem => {
      const stream = this.stream(spec);
      return { stream: stream.name, capacity: stream.capacity, item: this.stored(spec, message).item as unknown as Record<string, unknown> };
    };
    return checked instanceof Promise ? checked.then(toItem) : toItem(checked);
  }

  /** The message after the shape checks and, if the destination has them, its hooks. */
  private checked(spec: DestinationSpec, input: PublishInput, caller: DestinationCaller): OutgoingMessage | Promise<OutgoingMessage> {
    const message = this.checkMessage(input);
    const hooks = this.hooks(spec);
    if (!hooks?.authorizePublish && !hooks?.transform) return message;
    return (async () => {
      if (hooks.authorizePublish && !(await runHook(() => hooks.authorizePublish!(message, caller)))) {
        throw new ActorGridError('FORBIDDEN', `not allowed to publish to ${spec.name}`, { destination: spec.name });
      }
      return hooks.transform ? this.checkMessage(await runHook(() => hooks.transform!(message, caller))) : message;
    })();
  }

  /** The message as the stream stores it, and its bytes, refused when over the destination's size. */
  private stored(spec: DestinationSpec, message: OutgoingMessage): { item: StoredMessage; bytes: Buffer } {
    const item: StoredMessage = { b: message.body, h: message.headers, ...(message.subtopic === undefined ? {} : { t: message.subtopic }), at: Date.now() };
    const bytes = this.codec.encode(item);
    if (bytes.length > spec.maxMessageBytes) {
      throw new ActorGridError('PAYLOAD_TOO_LARGE', `message of ${bytes.length} bytes; ${spec.name} takes at most ${spec.maxMessageBytes}`, {
        destination: spec.name,
        maxMessageBytes: spec.maxMessageBytes,
      });
    }
    return { item, bytes };
  }

  /**
   * Subscribes `sink` to a destination. Resolves to the subscription and the destination's last
   * sequence now; delivery starts after `after` when given (replaying retained messages, with a gap
   * for any that are gone), else with the next message. Call `activate` once the reply announcing the
   * subscription has been written (`DispatchContext.afterReply`), so that no message can overtake it.
   */
  async subscribe(
    name: string,
    input: SubscribeInput,
    sink: DestinationSink,
    caller: DestinationCaller,
  ): Promise<{ subscription: DestinationSubscription; seq: number; activate: () => void }> {
    const spec = this.registry.get(name);
    const subtopic = input.subtopic === undefined ? undefined : SubtopicPattern.parse(input.subtopic);
    const selector = input.selector === undefined ? undefined : Selector.parse(input.selector, this.options.maxSelectorLength);
    if (input.after !== undefined && (!Number.isSafeInteger(input.after) || input.after < -1)) {
      throw invalid('after must be a whole number >= -1 (the last sequence seen)', 'after');
    }
    const hooks = this.hooks(spec);
    const request = { ...(input.subtopic === undefined ? {} : { subtopic: input.subtopic }), ...(input.selector === undefined ? {} : { selector: input.selector }) };
    if (hooks?.authorizeSubscribe && !(await runHook(() => hooks.authorizeSubscribe!(request, caller)))) {
      throw new ActorGridError('FORBIDDEN', `not allowed to subscribe to ${name}`, { destination: name });
    }
    const stream = this.stream(spec);
    const tail = await stream.tail();
    if (input.after !== undefined && input.after > tail) {
      throw invalid(`after ${input.after} is beyond the last sequence of ${name} (${tail})`, 'after');
    }
    const filter =
      subtopic || selector
        ? ({ message }: DestinationDelivery): boolean =>
            (!subtopic || subtopic.matches(message.t)) && (!selector || selector.matches(message.h))
        : undefined;
    const observer = this.options.observer;
    const subscription = new PushSubscription<DestinationDelivery>({ sink, filter, ...(observer ? { onMissed: () => observer.gap(spec.name) } : {}), maxBufferedBytes: this.options.maxBufferedBytes, next: (input.after ?? tail) + 1, ...(input.id === undefined ? {} : { id: input.id }) });
    const source = (): FeedSource<DestinationDelivery> => ({
      stream,
      decode: (bytes, seq) => destinationDelivery(this.codecs, name, this.codec.decode(bytes, seq)),
    });
    const activate = (): void => this.hub.add(name, source, subscription, tail + 1);
    return { subscription, seq: tail, activate };
  }

  /** Ends a subscription. */
  unsubscribe(subscription: DestinationSubscription): void {
    subscription.close();
  }

  /** Destinations this node reads right now, with their local subscription counts. */
  feeds(): Map<string, number> {
    return this.hub.stats();
  }

  /** Stops every feed (node shutdown). */
  stop(): void {
    this.hub.stop();
  }
}

function invalid(message: string, field: string): ActorGridError {
  return new ActorGridError('INVALID_ARGUMENTS', message, { field });
}
