import type { ActorType } from '../actor';
import type { PendingCall } from './PendingCall';
import type { TurnCache } from './Turn';

/**
 * A hold on one actor's lock, taken for a call to another actor above it in key order (the pin's
 * `owner`) that met this actor busy on an earlier attempt. While the pin is held, this node runs no
 * turn of its own on the actor: only calls made from inside the owner's turn run here, under the
 * pin's lock (docs/actors.md "Calls between actors").
 */
export interface Pin {
  /** The pinned actor's key. */
  readonly key: string;
  /** The key of the actor whose call holds the pin; calls whose chain contains it run under the pin. */
  readonly owner: string;
  /** When the pin's lock was taken: the lease, and so every time bound of the pin, counts from here. */
  readonly lockedAt: number;
  /** A batch of the owner's calls is running under the pin now. */
  busy: boolean;
  /** Some call ran under the pin. */
  used: boolean;
  /** Released by its call while a batch was running: unlock once the batch ends. */
  releasing: boolean;
  /** The record as the last batch under the pin left it (the lock is still held): the next needs no read. */
  readonly cache: TurnCache;
}

/** A call's request to pin an actor, waiting in that actor's queue. */
export interface PinRequest {
  owner: string;
  resolve(pin: Pin): void;
  reject(err: unknown): void;
  /** Refuses the request if the queue has not started taking the lock for it in time. */
  timer: NodeJS.Timeout;
}

/** One actor's calls on this node: the queue, and what runs now. */
export interface KeyQueue {
  readonly key: string;
  readonly type: ActorType;
  readonly id: string;
  /** Replaced, not only mutated, when a batch is taken: start timers look calls up in the current array. */
  calls: PendingCall[];
  /** Pins asked for by calls to other actors; served after calls from turns, taking turns with this actor's own calls. */
  pinRequests: PinRequest[];
  /** Calls of this actor taking pins now: its own calls wait for them, to run with them under the pins. */
  pinsPending: number;
  /** A turn runs, or a pin holds the lock: no other turn may start on this node. */
  running: boolean;
  /** The last thing this queue started was a pin: its own calls go next. */
  pinnedLast?: boolean;
  /** The pin holding this actor's lock, if any. */
  pin?: Pin;
  /** After a turn backed off from a busy actor: its own calls wait until then (nested calls do not). */
  resumeAt: number;
  resumeTimer?: NodeJS.Timeout;
}

/** True when the queue has nothing to run, wait for or hold, so that it can be dropped. */
export function isIdle(queue: KeyQueue): boolean {
  return !queue.running && !queue.pin && queue.pinsPending === 0 && !queue.resumeTimer && queue.calls.length === 0 && queue.pinRequests.length === 0;
}
