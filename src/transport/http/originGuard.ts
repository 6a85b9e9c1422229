import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ActorGridError, clip } from '../../errors';
import { mediaType } from '../../protocol';
import type { HttpResponder } from './HttpResponder';

/** Body types an HTML form (or a `no-cors` fetch) sends cross-site without a CORS preflight. */
const FORM_MEDIA_TYPES: readonly string[] = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];

/** The request headers a listed origin's page may send (the preflight's answer). */
const ALLOWED_HEADERS = 'accept, authorization, content-type, idempotency-key, if-match, if-none-match, last-event-id';

/** The response headers a listed origin's page may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = 'etag, retry-after';

/**
 * Route config of routes any page may read whatever its origin (the browser client bundle: public
 * code, fetched with CORS by a module script). @example app.get(path, { config: ANY_ORIGIN }, handler)
 */
export const ANY_ORIGIN = { anyOrigin: true } as const;

/**
 * Keeps other sites' pages out (docs/security.md "Hardening"), as an `onRequest` hook on every route
 * — the WebSocket upgrade and the 404 handler included:
 *
 * - A request whose `Origin` is neither the node's own (the origin's host is the request's `Host`)
 *   nor one of `allowedOrigins` (`*` = any) is refused with 403 FORBIDDEN, so a page elsewhere cannot
 *   open a WebSocket with the user's network position or cookies, nor read anything. Requests
 *   without `Origin` (curl, servers, the node client) pass.
 * - A listed origin gets `Access-Control-Allow-Origin` on every answer, and `OPTIONS` preflights
 *   are answered 204 with the methods and headers the routes use.
 * - A body of a type an HTML form can send without a preflight (`text/plain`, form encodings) is
 *   refused with 415 UNSUPPORTED_MEDIA_TYPE on every method but GET, HEAD and OPTIONS, whatever its
 *   origin: a cross-site form could otherwise run actions. A POST without `Content-Type` and body
 *   (`curl -X POST`) still runs.
 */
export function registerOriginGuard(app: FastifyInstance, allowedOrigins: readonly string[], responder: HttpResponder): void {
  const listed = new Set(allowedOrigins.map((origin) => origin.toLowerCase()));
  const allows = (origin: string): boolean => listed.has('*') || listed.has(origin.toLowerCase());

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin !== undefined && !isSameOrigin(origin, request.headers.host)) {
      if (allows(origin)) {
        reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-expose-headers', EXPOSED_HEADERS);
        if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
          return reply
            .code(204)
            .header('access-control-allow-methods', 'GET, HEAD, POST, PATCH, DELETE')
            .header('access-control-allow-headers', ALLOWED_HEADERS)
            .header('access-control-max-age', '600')
            .send();
        }
      } else if ((request.routeOptions.config as { anyOrigin?: boolean } | undefined)?.anyOrigin !== true) {
        // A refused WebSocket upgrade answers on the raw socket, which nothing else closes after it
        // (the WebSocket plugin's own hooks run after this one).
        if ((request.raw as { upgrade?: boolean }).upgrade === true) reply.raw.once('finish', () => request.raw.socket.destroy());
        return responder.sendError(request, reply, new ActorGridError('FORBIDDEN', 'requests from this origin are not allowed (http.allowedOrigins)', { origin: clip(origin) }));
      }
    }
    const contentType = request.headers['content-type'];
    if (contentType !== undefined && !SAFE_METHODS.has(request.method) && FORM_MEDIA_TYPES.includes(mediaType(contentType))) {
      return responder.sendError(request, reply, new ActorGridError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${mediaType(contentType)} is not accepted; use application/json or application/msgpack`, { supported: ['application/json', 'application/msgpack'] }));
    }
    return undefined;
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether `origin` (`scheme://host[:port]`) names the host the request was sent to. */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false; // `null` (sandboxed pages, file://) and garbage are no one's origin
  }
}
