import { ClassRecord } from '../actor/ClassRecord';
import type { ClientPrincipal } from '../push';

/** Per-family settings of `@SharedObject`; each defaults to config `sharedObjects`. */
export interface SharedObjectOptions {
  /**
   * How many recent versions stay replayable as deltas (subscribe with `since`, SSE
   * `Last-Event-ID`); rounded up to a stream tier: 16, 1,000, 10,000 or 100,000. @default 10000
   */
  retention?: number;
  /** The most slots one object may hold. @default 1000 */
  maxSlots?: number;
  /** The largest slot value, as JSON, in bytes. @default 65536 */
  maxValueBytes?: number;
  /** A description, shown in logs. */
  description?: string;
}

/** One update: slots to set and slots to delete, optionally based on a version (`ifVersion`). */
export interface SharedObjectUpdate {
  set?: Record<string, unknown>;
  delete?: string[];
  ifVersion?: number;
}

/** A shared object's contents at a version. */
export interface SharedObjectSnapshot {
  version: number;
  slots: Record<string, unknown>;
}

/** Who reads or writes: a client, or an actor (`actor` is its key, for updates made from a turn). */
export interface SharedObjectCaller {
  client?: ClientPrincipal;
  actor?: string;
}

/**
 * Optional hooks of a shared-object family. Each may be async. Returning false refuses with
 * FORBIDDEN; throwing an `ActorGridError` refuses with its code; any other throw refuses with
 * INVALID_ARGUMENTS and its message. Write hooks run inside the update's turn, before it commits.
 */
export interface SharedObjectHooks {
  /** May `caller` read (`get`, subscribe to) object `name`? */
  authorizeRead?(name: string, caller: SharedObjectCaller): boolean | Promise<boolean>;
  /** May `caller` apply `update` to object `name`? */
  authorizeWrite?(name: string, update: SharedObjectUpdate, caller: SharedObjectCaller): boolean | Promise<boolean>;
  /**
   * Checks or rewrites an update against the current contents; returns the update to apply (or
   * nothing to apply it as it is). Throw to refuse it.
   */
  validate?(name: string, update: SharedObjectUpdate, current: SharedObjectSnapshot): SharedObjectUpdate | void | Promise<SharedObjectUpdate | void>;
}

const RECORDS = new ClassRecord<SharedObjectRecord>('sharedObject');

/** What `@SharedObject` recorded. */
export interface SharedObjectRecord {
  pattern: string;
  options: SharedObjectOptions;
}

/**
 * Declares a family of shared objects: an exact name (`'scoreboard'`) or a prefix pattern
 * (`'board.*'`, any name starting with `board.`). The class may implement `SharedObjectHooks`; the
 * node's DI container creates it (constructor injection works) whenever a hook runs.
 *
 * @example
 * @SharedObject('board.*', { retention: 5000, maxValueBytes: 65536 })
 * export class Boards implements SharedObjectHooks {
 *   validate(name: string, update: SharedObjectUpdate) { if (update.delete?.includes('title')) throw new Error('keep the title'); }
 * }
 */
export function SharedObject(pattern: string, options: SharedObjectOptions = {}): <C extends new (...args: any[]) => object>(ctor: C) => void {
  return RECORDS.decorator({ pattern, options });
}

/** The class's own `@SharedObject` record, if any. */
export function sharedObjectRecordOf(value: unknown): SharedObjectRecord | undefined {
  return RECORDS.of(value);
}
