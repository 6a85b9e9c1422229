import type { ActorMethod } from '../actor';
import type { CallRequest } from '../actor/CallRequest';
import { ActorGridError } from '../errors';

/** A call waiting in, or running from, its actor's queue on this node. */
export class PendingCall {
  readonly promise: Promise<unknown>;
  state: 'queued' | 'running' | 'settled' = 'queued';
  /** How many times it was put back after a nested call met a locked actor. */
  attempts = 0;
  /** For calls from inside another actor's turn: when it must have started, epoch ms. */
  readonly startBy: number | undefined;
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
    this.promise = new Promise((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
  }

  /** Whether it comes from inside another actor's turn (and so must not wait long for a lock). */
  get nested(): boolean {
    return this.startBy !== undefined;
  }

  /** Fails the call with LOCK_TIMEOUT unless it has started by `startBy`. */
  armStartTimer(onExpire: (call: PendingCall) => void): void {
    if (this.startBy === undefined) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.state !== 'queued') return;
      onExpire(this);
      this.reject(lockTimeout(this.request.type, this.request.id));
    }, Math.max(0, this.startBy - Date.now()));
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
