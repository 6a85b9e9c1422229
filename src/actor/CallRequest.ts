import type { AuthPrincipal } from '../auth/AuthPrincipal';
/**
 * One call of an actor method, as the runtime receives it from a transport or from another actor.
 * Shared by every layer: transports build it, the invoker runs it, actor refs send it.
 */
export interface CallRequest {
  /** The actor type's registered name, e.g. `"Counter"`. */
  type: string;
  /** The actor's id within its type. */
  id: string;
  /** The method to call. */
  method: string;
  /** Positional arguments (JSON or msgpack values). */
  args: unknown[];
  /** At most 128 characters; the call is applied at most once per actor for one key. */
  idempotencyKey?: string;
  /** Correlates logs; generated when absent. */
  requestId?: string;
  /** The authenticated client the call (or the call that started it) came from, when auth is on. */
  principal?: AuthPrincipal;
  /** Who calls: an actor key (`"Account/bob"`) for actor-to-actor calls, or a client description. */
  caller?: string;
  /** Actor keys (`"Type/id"`) of the calls in progress that led to this one, outermost first. */
  chain?: readonly string[];
  /** Epoch milliseconds after which the caller no longer waits. */
  deadline?: number;
  /**
   * For calls made from inside a turn: epoch ms by which the call must have started (its lock
   * taken), so that the calling turn can still commit well within its own lease.
   */
  startBy?: number;
  /**
   * Runtime only (never read from the wire): this call fires the actor's reminder of that name, if
   * its record says it is due; the arguments come from the record.
   */
  reminder?: string;
}

/** Runs calls. The runtime's invoker implements it; actor refs and transports use it. */
export interface CallInvoker {
  invoke(request: CallRequest): Promise<unknown>;
}

/** The key of an actor in call chains and logs: `"Type/id"`. */
export function actorKey(type: string, id: string): string {
  return `${type}/${id}`;
}
