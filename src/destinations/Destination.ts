import { ClassRecord } from '../actor/ClassRecord';
import type { ClientPrincipal } from '../push/ClientPrincipal';

/** Per-destination settings. */
export interface DestinationOptions {
  /**
   * How many recent messages stay replayable (resume with `after`, SSE `Last-Event-ID`). Rounded up
   * to a stream tier: 16, 1,000, 10,000 or 100,000. @default 10000
   */
  retention?: number;
  /** The largest message (its encoded body and headers) accepted, in bytes. @default 65536 */
  maxMessageBytes?: number;
  /** A description, shown in logs. */
  description?: string;
}

/** A message as publishers give it and hooks see it. */
export interface OutgoingMessage {
  body: unknown;
  headers: Record<string, HeaderValue>;
  subtopic?: string;
}

/** Header values: scalars, so that selectors can compare them. */
export type HeaderValue = string | number | boolean | null;

/** Who publishes or subscribes: a client (its id, transport and address), or an actor (`actor` is its key). */
export interface DestinationCaller {
  client?: ClientPrincipal;
  actor?: string;
}

/**
 * Optional hooks of a destination class. Each may be async; throwing `ActorGridError('FORBIDDEN')`
 * (or UNAUTHORIZED) refuses, any other throw refuses with INVALID_ARGUMENTS and its message.
 */
export interface DestinationHooks {
  /** May `caller` publish `message`? Return false (or throw) to refuse with FORBIDDEN. */
  authorizePublish?(message: OutgoingMessage, caller: DestinationCaller): boolean | Promise<boolean>;
  /** May `caller` subscribe (with this subtopic pattern and selector)? Return false to refuse with FORBIDDEN. */
  authorizeSubscribe?(request: { subtopic?: string; selector?: string }, caller: DestinationCaller): boolean | Promise<boolean>;
  /** Checks or rewrites a message before it is stored; returns the message to store. */
  transform?(message: OutgoingMessage, caller: DestinationCaller): OutgoingMessage | Promise<OutgoingMessage>;
}

const RECORDS = new ClassRecord<DestinationRecord>('destination');

/** What `@Destination` recorded. */
export interface DestinationRecord {
  name: string;
  options: DestinationOptions;
}

/**
 * Declares a publish/subscribe destination. The class may implement `DestinationHooks`; it is created
 * by the node's DI container (constructor injection works) whenever a hook runs.
 *
 * @example
 * @Destination('chat', { retention: 5000 })
 * export class Chat implements DestinationHooks {
 *   transform(m: OutgoingMessage) { return { ...m, body: String(m.body).slice(0, 500) }; }
 * }
 */
export function Destination(name: string, options: DestinationOptions = {}): <C extends new (...args: any[]) => object>(ctor: C) => void {
  return RECORDS.decorator({ name, options });
}

/** The class's own `@Destination` record, if any. */
export function destinationRecordOf(value: unknown): DestinationRecord | undefined {
  return RECORDS.of(value);
}
