import { randomUUID } from 'node:crypto';
import type { FastifyServerOptions } from 'fastify';
import { clientErrorHandler, frameworkErrors } from './httpErrors';

/** The fastify server options `httpServerOptions` sets. */
export type HttpServerOptions = Required<
  Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler' | 'bodyLimit' | 'return503OnClosing' | 'genReqId' | 'requestTimeout'>
> & { http: { headersTimeout: number; connectionsCheckingInterval: number } };

/** The timeouts of `config.http`. */
export interface HttpTimeouts {
  /** How long a client has to send a whole request, headers and body. */
  readonly requestTimeoutMs: number;
  /** How long a client has to send its headers (the smaller of the two applies). */
  readonly headersTimeoutMs: number;
}

/**
 * The server-level fastify options the transports rely on; plugins cannot set these themselves.
 * Spread them into `fastify({...})` next to the node's own (logger, …).
 *
 * - `frameworkErrors`, `clientErrorHandler`: malformed URLs and malformed or too slow requests
 *   answered in the protocol's error shape, not fastify's or node's.
 * - `bodyLimit`: `maxPayloadBytes` for routes outside the transport too (its own routes use it anyway).
 * - `requestTimeout`, `http.headersTimeout`: a client that sends its request (a slow body, slow
 *   headers) slower than that is answered 408 REQUEST_TIMEOUT and cut; node checks open requests
 *   every `connectionsCheckingInterval` (a quarter of the shorter timeout, at most a second), not
 *   every 30 s as by default, so the cut comes close to the timeout.
 * - `return503OnClosing: false`: while `app.close()` runs, fastify would answer requests on open
 *   keep-alive connections with its own 503 body; instead they reach the routes, where a draining
 *   node answers UNAVAILABLE in the protocol's shape (`/health/ready` from `NodeStatus`, calls from
 *   the runtime).
 * - `genReqId`: random UUIDs, because the request id becomes `CallRequest.requestId` and fastify's
 *   default (`req-1`, `req-2`, …) repeats across nodes and restarts.
 *
 * @example
 * const app = fastify({ logger, ...httpServerOptions(config.limits, config.http) });
 */
export function httpServerOptions(limits: { readonly maxPayloadBytes: number }, timeouts: HttpTimeouts = { requestTimeoutMs: 30000, headersTimeoutMs: 10000 }): HttpServerOptions {
  const headersTimeout = Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs);
  return {
    frameworkErrors,
    clientErrorHandler,
    bodyLimit: limits.maxPayloadBytes,
    requestTimeout: timeouts.requestTimeoutMs,
    http: { headersTimeout, connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4))) },
    return503OnClosing: false,
    genReqId: () => randomUUID(),
  };
}
