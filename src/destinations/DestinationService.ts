import type { DependencyContainer } from 'tsyringe';
import { ActorGridError } from '../errors';
import type { Grid, GridStream } from '../grid';
import type { Codecs } from '../protocol/Codecs';
import type { Logger } from '../runtime/Logger';
import type { DestinationCaller, DestinationHooks, HeaderValue, OutgoingMessage } from './Destination';
import { DestinationFeed } from './DestinationFeed';
import type { DestinationRegistry, DestinationSpec } from './DestinationRegistry';
import { Selector } from './Selector';
import { StoredMessageCodec } from './StoredMessage';
import { Subscription, type SubscriberSink } from './Subscription';
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
}

const HEADER_NAME = /^[A-Za-z_$][A-Za-z0-9_$.-]{0,127}$/;
const MAX_HEADERS = 64;

/**
 * Publish/subscribe on this node. Each destination is one grid stream (`dest.<name>`): publishing on
 * any node appends to it and gets the message's sequence; each node reads a destination's stream
 * only while it has subscribers to it, and pushes to them (WebSocket notifications, SSE).
 */
export class DestinationService {
  private readonly feeds = new Map<string, DestinationFeed>();
  private readonly codec = new StoredMessageCodec();

  constructor(
    private readonly grid: Grid,
    readonly registry: DestinationRegistry,
    private readonly codecs: Codecs,
    private readonly container: DependencyContainer,
    private readonly log: Logger,
    private readonly maxBufferedBytes: number,
  ) {}

  private stream(spec: DestinationSpec): GridStream {
    return this.grid.stream(`dest.${spec.name}`, { capacity: spec.retention });
  }

  private hooks(spec: DestinationSpec): DestinationHooks | undefined {
    return spec.hooks ? (this.container.resolve(spec.hooks as never) as DestinationHooks) : undefined;
  }

  /** Checks a message before any hook or write: shape, headers, subtopic. */
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
    return { body: input.body, headers: { ...headers }, ...(input.subtopic === undefined ? {} : { subtopic: input.subtopic }) };
  }

  /** Publishes a message; resolves to its sequence in the destination. */
  async publish(name: string, input: PublishInput, caller: DestinationCaller): Promise<{ seq: number }> {
    const spec = this.registry.get(name);
    let message = this.checkMessage(input);
    const hooks = this.hooks(spec);
    if (hooks?.authorizePublish && !(await runHook(() => hooks.authorizePublish!(message, caller)))) {
      throw new ActorGridError('FORBIDDEN', `not allowed to publish to ${name}`, { destination: name });
    }
    if (hooks?.transform) message = this.checkMessage(await runHook(() => hooks.transform!(message, caller)));
    const bytes = this.codec.encode({ b: message.body, h: message.headers, ...(message.subtopic === undefined ? {} : { t: message.subtopic }), at: Date.now() });
    if (bytes.length > spec.maxMessageBytes) {
      throw new ActorGridError('PAYLOAD_TOO_LARGE', `message of ${bytes.length} bytes; ${name} takes at most ${spec.maxMessageBytes}`, {
        destination: name,
        maxMessageBytes: spec.maxMessageBytes,
      });
    }
    return { seq: await this.stream(spec).append(bytes) };
  }

  /**
   * Subscribes `sink` to a destination. Resolves to the subscription and the destination's last
   * sequence now; delivery starts after `after` when given (replaying retained messages, with a gap
   * for any that are gone), else with the next message. Call `activate` once the reply is on its way,
   * so that no message can overtake it.
   */
  async subscribe(name: string, input: SubscribeInput, sink: SubscriberSink, caller: DestinationCaller): Promise<{ subscription: Subscription; seq: number; activate: () => void }> {
    const spec = this.registry.get(name);
    const subtopic = input.subtopic === undefined ? undefined : SubtopicPattern.parse(input.subtopic);
    const selector = input.selector === undefined ? undefined : Selector.parse(input.selector);
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
    const subscription = new Subscription(name, sink, { subtopic, selector }, this.maxBufferedBytes, (input.after ?? tail) + 1);
    const activate = (): void => {
      if (subscription.closed) return;
      let feed = this.feeds.get(name);
      if (!feed) {
        feed = new DestinationFeed(name, stream, this.codec, this.codecs, this.log, tail + 1, (idle) => {
          if (this.feeds.get(name) === idle) this.feeds.delete(name);
        });
        this.feeds.set(name, feed);
      }
      feed.add(subscription);
    };
    return { subscription, seq: tail, activate };
  }

  /** Ends a subscription. */
  unsubscribe(subscription: Subscription): void {
    subscription.closed = true;
    this.feeds.get(subscription.destination)?.remove(subscription);
  }

  /** Stops every feed (node shutdown). */
  stop(): void {
    for (const feed of this.feeds.values()) feed.stop();
    this.feeds.clear();
  }
}

function invalid(message: string, field: string): ActorGridError {
  return new ActorGridError('INVALID_ARGUMENTS', message, { field });
}

/** Runs a destination hook: coded errors pass, anything else refuses with INVALID_ARGUMENTS. */
async function runHook<T>(hook: () => T | Promise<T>): Promise<T> {
  try {
    return await hook();
  } catch (err) {
    if (err instanceof ActorGridError) throw err;
    throw new ActorGridError('INVALID_ARGUMENTS', err instanceof Error ? err.message : String(err), undefined, { cause: err });
  }
}
