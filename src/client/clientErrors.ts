import { ActorGridError, isErrorCode, type ErrorCode } from '../errors';

/**
 * The WebSocket closed before the reply to a request arrived. The request may or may not have been
 * applied: retry it (with the same idempotency key, if it changes state) on a new connection.
 * Retryable (code UNAVAILABLE); `data` holds the close code and reason when the node sent them.
 */
export class ConnectionClosedError extends ActorGridError {
  constructor(message: string, data: { closeCode?: number; reason?: string } = {}, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, { ...data, outcome: 'unknown' }, options);
    this.name = 'ConnectionClosedError';
  }
}

/**
 * No reply within the request timeout. The request may or may not have been applied; a reply that
 * arrives later is dropped. Retryable (code UNAVAILABLE); `data.timeoutMs` is the limit that ran out.
 */
export class RequestTimeoutError extends ActorGridError {
  constructor(what: string, timeoutMs: number) {
    super('UNAVAILABLE', `no reply to ${what} within ${timeoutMs} ms; the outcome is unknown (retry with the same idempotency key)`, {
      timeoutMs,
      outcome: 'unknown',
    });
    this.name = 'RequestTimeoutError';
  }
}

/**
 * The node could not be reached, or the connection failed while a request was on the way (refused,
 * reset, DNS…). Retryable (code UNAVAILABLE). When the request may already have been sent,
 * `data.outcome` is `"unknown"`.
 */
export class TransportError extends ActorGridError {
  constructor(message: string, options: { cause?: unknown; outcomeUnknown?: boolean } = {}) {
    super('UNAVAILABLE', message, options.outcomeUnknown === false ? undefined : { outcome: 'unknown' }, { cause: options.cause });
    this.name = 'TransportError';
  }
}

/**
 * The ActorGridError for an error a node sent: `code` is the string code (JSON-RPC `error.data.code`,
 * HTTP `error.code`), `data` the error's other data fields. A code this client does not know (a newer
 * node) becomes INTERNAL with the node's code in `data.remoteCode`, so `retryable` stays defined.
 */
export function remoteError(code: unknown, message: unknown, data: unknown): ActorGridError {
  const text = typeof message === 'string' ? message : 'error without a message';
  const fields = isRecord(data) ? { ...data } : {};
  delete fields.code;
  const known: ErrorCode = isErrorCode(code) ? code : 'INTERNAL';
  if (!isErrorCode(code)) fields.remoteCode = code;
  return new ActorGridError(known, text, Object.keys(fields).length > 0 ? fields : undefined);
}

/** The error for a JSON-RPC `error` member: the string code from `error.data.code`. */
export function fromJsonRpcError(error: unknown): ActorGridError {
  if (!isRecord(error)) return remoteError(undefined, 'malformed JSON-RPC error', undefined);
  const data = isRecord(error.data) ? error.data : {};
  return remoteError(data.code, error.message, data);
}

/**
 * The error for a failed HTTP response: the protocol's `{"error": {code, message, data?}}` when the
 * body has that shape, else (a proxy's page, an empty body) UNAVAILABLE for 502/503/504 and INTERNAL
 * otherwise, naming the status.
 */
export function fromHttpError(status: number, body: unknown): ActorGridError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  if (error && typeof error.code === 'string') return remoteError(error.code, error.message, error.data);
  const code: ErrorCode = status === 502 || status === 503 || status === 504 ? 'UNAVAILABLE' : 'INTERNAL';
  return new ActorGridError(code, `unexpected HTTP ${status} response without an actorgrid error body`, { status });
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
