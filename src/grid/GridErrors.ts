import { ActorGridError } from '../errors';

/** `unlock` was called by a client that does not hold the lock (e.g. its lease expired). */
export class LockNotOwnedError extends ActorGridError {
  constructor(map: string, key: string, options?: { cause?: unknown }) {
    super('CONFLICT', `lock on ${map}[${key}] is not held by this client`, { map, key }, options);
    this.name = 'LockNotOwnedError';
  }
}

/** A stream read started beyond the tail + 1. */
export class StreamSequenceError extends ActorGridError {
  constructor(stream: string, from: number, tail: number) {
    super('INVALID_ARGUMENTS', `cannot read ${stream} from ${from}: its tail is ${tail}`, { stream, from, tail });
    this.name = 'StreamSequenceError';
  }
}

/**
 * The members could not evaluate a predicate on some entry: a literal that does not convert to the
 * type of the values found there (`priority > 'a'` over numbers). The predicate, not the grid, is
 * at fault; callers may evaluate the condition themselves instead.
 */
export class PredicateRejectedError extends ActorGridError {
  constructor(map: string, reason: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENTS', `the grid cannot evaluate this condition on ${map}: ${reason}`, { map }, options);
    this.name = 'PredicateRejectedError';
  }
}
