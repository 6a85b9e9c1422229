import { ActorGridError, ERROR_CODES, type ErrorCode } from '../errors';
import type { JsonRpcErrorObject } from './JsonRpc';

/** The message every INTERNAL error carries on the wire, whatever happened on the node. */
export const INTERNAL_MESSAGE = 'internal error';

/** The `error` member of an HTTP error body (PROTOCOL.md "Actor calls over HTTP"). */
export interface HttpErrorObject {
  code: ErrorCode;
  message: string;
  /** The error's structured data, when it has any. */
  data?: Record<string, unknown>;
}

/** An HTTP error response: the status from the error table and the JSON/msgpack body. */
export interface HttpErrorResponse {
  status: number;
  body: { error: HttpErrorObject };
}

/**
 * Converts any thrown value into the coded error sent to a client. Coded errors pass through;
 * anything else becomes INTERNAL. INTERNAL errors, coded or not, lose their message and data: they
 * describe a bug on the node, which the caller reports with its stack (see `isInternalError`).
 */
export function toWireError(err: unknown): ActorGridError {
  const coded = ActorGridError.from(err);
  if (coded.code !== 'INTERNAL') return coded;
  if (coded.message === INTERNAL_MESSAGE && coded.data === undefined) return coded;
  return new ActorGridError('INTERNAL', INTERNAL_MESSAGE, undefined, { cause: err });
}

/** True when `err` would go out as INTERNAL, i.e. the node must log it with its stack. */
export function isInternalError(err: unknown): boolean {
  return !(err instanceof ActorGridError) || err.code === 'INTERNAL';
}

/**
 * The JSON-RPC `error` member for any thrown value:
 * `{ code: <JSON-RPC number>, message, data: { code: '<STRING CODE>', ...err.data } }`.
 * `data.code` always holds the string code, even if the error's own data has a `code` key.
 *
 * @example
 * toErrorObject(new ActorGridError('INVALID_ARGUMENTS', 'id must be a string', { field: 'id' }))
 * // { code: -32602, message: 'id must be a string', data: { code: 'INVALID_ARGUMENTS', field: 'id' } }
 */
export function toErrorObject(err: unknown): JsonRpcErrorObject {
  const coded = toWireError(err);
  const data: JsonRpcErrorObject['data'] = { code: coded.code, ...coded.data };
  data.code = coded.code;
  return { code: ERROR_CODES[coded.code].rpc, message: coded.message, data };
}

/**
 * The HTTP status and body for any thrown value:
 * `{ status, body: { error: { code: '<STRING CODE>', message, data? } } }`, status from the error table.
 *
 * @example
 * httpErrorBody(new ActorGridError('PAYLOAD_TOO_LARGE', 'body over 1048576 bytes'))
 * // { status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'body over 1048576 bytes' } } }
 */
export function httpErrorBody(err: unknown): HttpErrorResponse {
  const coded = toWireError(err);
  const error: HttpErrorObject = { code: coded.code, message: coded.message };
  if (coded.data !== undefined) error.data = { ...coded.data };
  return { status: ERROR_CODES[coded.code].http, body: { error } };
}
