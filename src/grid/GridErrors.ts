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
