import type { ActorMethod } from '../actor';
import type { CallRequest } from '../actor/CallRequest';
import { ActorGridError } from '../errors';
import type { Pin } from './KeyQueue';

/** A call waiting in, or running from, its actor's queue on this node. */
export class PendingCall {
  readonly promise: Promise<unknown>;
  state: 'queued' | 'running' | 'settled' = 'queued';
  /** How many times it was put back after a nested call met a locked actor. */
  attempts = 0;
  /**
   * For calls from inside another actor's turn, and for calls holding pins: when it must have
   * started, epoch ms.
   */
  startBy: number | undefined;
  /** Whether it came from inside another actor's turn (set at creation; pins never change it). */
  readonly fromTurn: boolean;
  /**
   * Actors below this one in key order that an earlier attempt of this call met busy: each retry
   * takes their locks first, in key order (docs/actors.md "Calls between actors").
   */
  readonly wantPins = new Map<string, { type: string; id: string }>();
  /** The pins this attempt holds (their locks are taken), released when the attempt ends. */
  held: readonly Pin[] = [];
  private resolveFn!: (value: unknown) => void;
  private rejectFn!: (err: unknown) => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly request: CallRequest,
    readonly method: ActorMethod,
    readonly args: unknown[],
    startBy?: number,
  ) {
    this.startBy = startBy;
    this.fromTurn = startBy !== undefined;
    this.promise = new Promise((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
  }

  /** Whether it comes from inside another actor's turn (and so must not wait long for a lock). */
  get nested(): boolean {
    return this.startBy !== undefined;
  }

  /** Whether this attempt holds pins: it then runs like a call from a turn on the pinned actor. */
  get pinned(): boolean {
    return this.held.length > 0;
  }

  /**
   * Unless it has started by `startBy`, calls `onExpire` and then fails the call with LOCK_TIMEOUT —
   * unless `onExpire` returns true (it took the call back to run it again).
   */
  armStartTimer(onExpire: (call: PendingCall) => boolean | void): void {
    clearTimeout(this.timer);
    if (this.startBy === undefined) return;
    this.timer = setTimeout(() => {
      if (this.state !== 'queued') return;
      if (onExpire(this) === true) return;
      this.reject(lockTimeout(this.request.type, this.request.id));
    }, Math.max(0, this.startBy - Date.now()));
  }

  /** Stops the start timer (the call left the queue to be retried another way). */
  disarm(): void {
    clearTimeout(this.timer);
  }

  resolve(value: unknown): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    clearTimeout(this.timer);
    this.resolveFn(value);
  }

  reject(err: unknown): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    clearTimeout(this.timer);
    this.rejectFn(err);
  }
}

/** The error of a call whose actor stayed locked too long. */
export function lockTimeout(type: string, id: string): ActorGridError {
  return new ActorGridError('LOCK_TIMEOUT', `actor ${type}/${id} stayed locked past the wait limit`, { type, id });
}
