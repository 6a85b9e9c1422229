import type { ErrorCode } from '../errors';

/** The only JSON-RPC version spoken. */
export const JSONRPC_VERSION = '2.0';

/** A request id: string, number or null. A request without an `id` member is a notification. */
export type JsonRpcId = string | number | null;

/** A validated JSON-RPC request or notification. */
export interface JsonRpcRequest {
  jsonrpc: typeof JSONRPC_VERSION;
  method: string;
  /** By-name (object) or by-position (array) parameters; absent when the request had none. */
  params?: Record<string, unknown> | unknown[];
  /** Absent for notifications. */
  id?: JsonRpcId;
}

/** The `error` member of a JSON-RPC response; `data.code` carries the string code of the error table. */
export interface JsonRpcErrorObject {
  /** The JSON-RPC number from the error table, e.g. -32602. */
  code: number;
  message: string;
  data: { code: ErrorCode; [key: string]: unknown };
}

/** A successful response. `result` is `null` when the method returned nothing. */
export interface JsonRpcSuccess {
  jsonrpc: typeof JSONRPC_VERSION;
  id: JsonRpcId;
  result: unknown;
}

/** A failed response. `id` is null when the request's id could not be read (parse errors, bad requests). */
export interface JsonRpcFailure {
  jsonrpc: typeof JSONRPC_VERSION;
  id: JsonRpcId;
  error: JsonRpcErrorObject;
}

/** One response. */
export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;

/** What the dispatcher answers to one message: a response, a batch of them, or nothing (notifications). */
export type JsonRpcReply = JsonRpcResponse | JsonRpcResponse[];

/** A server → client notification. */
export interface JsonRpcNotification {
  jsonrpc: typeof JSONRPC_VERSION;
  method: string;
  /** An object or array; absent when there is nothing to say. */
  params?: unknown;
}

/** True for a usable request id: a string, a finite number or null. */
export function isJsonRpcId(value: unknown): value is JsonRpcId {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** Builds a notification; `params` is left out when undefined. */
export function notification(method: string, params?: unknown): JsonRpcNotification {
  return params === undefined ? { jsonrpc: JSONRPC_VERSION, method } : { jsonrpc: JSONRPC_VERSION, method, params };
}
