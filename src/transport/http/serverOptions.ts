import { randomUUID } from 'node:crypto';
import type { FastifyServerOptions } from 'fastify';
import { frameworkErrors } from './httpErrors';

/** The fastify server options `httpServerOptions` sets. */
export type HttpServerOptions = Required<Pick<FastifyServerOptions, 'frameworkErrors' | 'bodyLimit' | 'return503OnClosing' | 'genReqId'>>;

/**
 * The server-level fastify options the transports rely on; plugins cannot set these themselves.
 * Spread them into `fastify({...})` next to the node's own (logger, …).
 *
 * - `frameworkErrors`: malformed URLs answered in the protocol's error shape, not fastify's.
 * - `bodyLimit`: `maxPayloadBytes` for routes outside the transport too (its own routes use it anyway).
 * - `return503OnClosing: false`: while `app.close()` runs, fastify would answer requests on open
 *   keep-alive connections with its own 503 body; instead they reach the routes, where a draining
 *   node answers UNAVAILABLE in the protocol's shape (`/health/ready` from `NodeStatus`, calls from
 *   the runtime).
 * - `genReqId`: random UUIDs, because the request id becomes `CallRequest.requestId` and fastify's
 *   default (`req-1`, `req-2`, …) repeats across nodes and restarts.
 *
 * @example
 * const app = fastify({ logger, ...httpServerOptions(config.limits) });
 */
export function httpServerOptions(limits: { readonly maxPayloadBytes: number }): HttpServerOptions {
  return {
    frameworkErrors,
    bodyLimit: limits.maxPayloadBytes,
    return503OnClosing: false,
    genReqId: () => randomUUID(),
  };
}
