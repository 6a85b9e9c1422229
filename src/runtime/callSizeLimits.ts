import type { StateCodec } from '../actor';
import { INTERNAL_TYPE_PREFIX } from '../actor/ActorRegistry';
import { RequestRefusedError } from '../errors';

/** What a turn lets one call leave behind (config `turn.maxStateBytes`, `idempotency.maxResultBytes`). */
export interface CallSizeLimits {
  /** The largest encoded state a call may grow an actor to. */
  readonly maxStateBytes?: number;
  /** The largest encoded result stored under an idempotency key. */
  readonly maxResultBytes?: number;
}

/**
 * Checks what a call left before the turn keeps it: the actor's new state (encoded, `state`) may not
 * grow past `maxStateBytes` — a state already past it may still shrink, or stay as it is — and a
 * result to be stored under an idempotency key (`stored`) may not encode to more than
 * `maxResultBytes`: a stored result is replayed for every retry, so it is refused rather than cut.
 * Throws PAYLOAD_TOO_LARGE as a RequestRefusedError (the caller gets that code, not ACTOR_ERROR);
 * the turn then rolls the call back alone, as for any call that throws. The runtime's own actors
 * (`actorgrid.*`: shared objects) have limits of their own (`maxSlots` × `maxValueBytes`) and no
 * state limit here.
 */
export function checkCallSizes(limits: CallSizeLimits | undefined, actor: string, before: Buffer, state: Buffer, stored: { result: unknown } | undefined, codec: StateCodec): void {
  const maxState = limits?.maxStateBytes;
  if (maxState !== undefined && !actor.startsWith(INTERNAL_TYPE_PREFIX) && state.length > maxState && state.length > before.length) {
    throw new RequestRefusedError('PAYLOAD_TOO_LARGE', `the call would grow the state of ${actor} to ${state.length} bytes; at most ${maxState}`, { stateBytes: state.length, maxStateBytes: maxState });
  }
  const maxResult = limits?.maxResultBytes;
  if (maxResult !== undefined && stored !== undefined && stored.result !== undefined) {
    const bytes = codec.encode(stored.result).length;
    if (bytes > maxResult) {
      throw new RequestRefusedError('PAYLOAD_TOO_LARGE', `the result of ${bytes} bytes is too large to keep under an idempotency key (at most ${maxResult}); call without a key, or return less`, { resultBytes: bytes, maxResultBytes: maxResult });
    }
  }
}
