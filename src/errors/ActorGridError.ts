import { ERROR_CODES, ErrorCode } from './codes';

/**
 * The one base error of actorgrid: a string `code` from the error table, whether a retry may help,
 * optional structured `data` sent to clients, and an optional `cause` that stays on the node.
 *
 * @example
 * throw new ActorGridError('INVALID_ARGUMENTS', 'by must be a number', { index: 0 });
 */
export class ActorGridError extends Error {
  readonly code: ErrorCode;
  readonly data?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, data?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ActorGridError';
    this.code = code;
    if (data !== undefined) this.data = data;
  }

  /** Whether the caller may retry the same request (LOCK_TIMEOUT, CONFLICT, UNAVAILABLE). */
  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  /**
   * Converts any thrown value into an ActorGridError. Anything not already coded becomes INTERNAL,
   * whose message is generic so that nothing internal reaches a client; the original is the cause.
   */
  static from(err: unknown): ActorGridError {
    if (err instanceof ActorGridError) return err;
    return new ActorGridError('INTERNAL', 'internal error', undefined, { cause: err });
  }
}

/** The grid (Hazelcast cluster) cannot be reached, or the node is draining. Retryable. */
export class UnavailableError extends ActorGridError {
  constructor(message = 'the grid is unreachable', options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, undefined, options);
    this.name = 'UnavailableError';
  }
}

/** A configuration that failed validation; `problems` lists every problem found, not just the first. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * A refusal that the runtime's own actors (shared objects) send to the client as it is: an actor
 * method that throws it fails with its code and data, not wrapped in ACTOR_ERROR.
 */
export class RequestRefusedError extends ActorGridError {
  constructor(code: ErrorCode, message: string, data?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, data, options);
    this.name = 'RequestRefusedError';
  }
}

/**
 * UNAUTHORIZED or FORBIDDEN from the auth guard: a request, or a call an actor made on behalf of
 * one, that its principal may not make. It passes through the calling actor's method unchanged.
 */
export class AccessDeniedError extends ActorGridError {
  constructor(code: 'UNAUTHORIZED' | 'FORBIDDEN', message: string, data?: Record<string, unknown>) {
    super(code, message, data);
    this.name = 'AccessDeniedError';
  }
}
