/**
 * The one table of error codes (PROTOCOL.md "Errors"). Every code has an HTTP status, a JSON-RPC
 * code and a retryable flag; the `Record<ErrorCode, …>` types make a missing mapping a compile error.
 */
export const ERROR_CODES = {
  PARSE_ERROR: { http: 400, rpc: -32700, retryable: false },
  INVALID_REQUEST: { http: 400, rpc: -32600, retryable: false },
  METHOD_NOT_FOUND: { http: 404, rpc: -32601, retryable: false },
  INVALID_ARGUMENTS: { http: 400, rpc: -32602, retryable: false },
  UNKNOWN_ACTOR_TYPE: { http: 404, rpc: -32001, retryable: false },
  UNKNOWN_ACTOR_METHOD: { http: 404, rpc: -32002, retryable: false },
  ACTOR_ERROR: { http: 422, rpc: -32003, retryable: false },
  LOCK_TIMEOUT: { http: 503, rpc: -32004, retryable: true },
  CONFLICT: { http: 409, rpc: -32005, retryable: true },
  REENTRANCY: { http: 409, rpc: -32006, retryable: false },
  PAYLOAD_TOO_LARGE: { http: 413, rpc: -32007, retryable: false },
  UNAVAILABLE: { http: 503, rpc: -32008, retryable: true },
  UNKNOWN_DESTINATION: { http: 404, rpc: -32009, retryable: false },
  UNAUTHORIZED: { http: 401, rpc: -32010, retryable: false },
  FORBIDDEN: { http: 403, rpc: -32011, retryable: false },
  VERSION_CONFLICT: { http: 409, rpc: -32012, retryable: false },
  NOT_FOUND: { http: 404, rpc: -32013, retryable: false },
  UNKNOWN_SHARED_OBJECT: { http: 404, rpc: -32014, retryable: false },
  UNKNOWN_COLLECTION: { http: 404, rpc: -32015, retryable: false },
  RATE_LIMITED: { http: 429, rpc: -32016, retryable: true },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, rpc: -32017, retryable: false },
  REQUEST_TIMEOUT: { http: 408, rpc: -32018, retryable: false },
  INTERNAL: { http: 500, rpc: -32603, retryable: false },
} as const satisfies Record<string, { http: number; rpc: number; retryable: boolean }>;

/** A coded error's string code, as sent in `error.code` (HTTP) and `error.data.code` (JSON-RPC). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** HTTP status for each code. */
export const HTTP_STATUS: Record<ErrorCode, number> = Object.fromEntries(
  Object.entries(ERROR_CODES).map(([code, m]) => [code, m.http]),
) as Record<ErrorCode, number>;

/** JSON-RPC 2.0 error code for each code. */
export const JSON_RPC_CODE: Record<ErrorCode, number> = Object.fromEntries(
  Object.entries(ERROR_CODES).map(([code, m]) => [code, m.rpc]),
) as Record<ErrorCode, number>;

/** Whether each code is retryable. */
export function isRetryable(code: ErrorCode): boolean {
  return ERROR_CODES[code].retryable;
}

/** True when `value` names a known code. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}
