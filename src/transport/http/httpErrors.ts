import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ActorGridError, clip, type ErrorCode } from '../../errors';
import { httpErrorBody, isInternalError } from '../../protocol';

/**
 * fastify's own error codes, the protocol code and the message each one is answered with: fixed
 * texts, because fastify's messages quote the request (the URL, the Content-Type, the body).
 */
const FASTIFY_ERRORS: Readonly<Record<string, readonly [ErrorCode, string]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['INVALID_REQUEST', 'unsupported Content-Type; use application/json'],
  FST_ERR_CTP_INVALID_TYPE: ['INVALID_REQUEST', 'invalid Content-Type'],
  FST_ERR_CTP_EMPTY_TYPE: ['INVALID_REQUEST', 'empty Content-Type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['INVALID_REQUEST', 'Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['PARSE_ERROR', 'invalid JSON: empty body'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['PARSE_ERROR', 'invalid JSON'],
  FST_ERR_BAD_URL: ['INVALID_REQUEST', 'the URL is not valid percent-encoding'],
  FST_ERR_MAX_PARAM_LENGTH: ['INVALID_REQUEST', 'a path segment is too long'],
  FST_ERR_NOT_FOUND: ['METHOD_NOT_FOUND', 'no such route'],
  FST_ERR_VALIDATION: ['INVALID_ARGUMENTS', 'the request does not match the route\'s schema'],
};

/**
 * Turns an error raised by fastify itself (body too large, bad media type, bad URL, a client that
 * went away mid-body…) into a coded error with a message of our own; anything else passes through
 * unchanged, so that the responder answers it INTERNAL and logs it. `maxPayloadBytes` goes into
 * PAYLOAD_TOO_LARGE's data.
 */
export function fromFastifyError(err: unknown, maxPayloadBytes?: number): unknown {
  if (err instanceof ActorGridError || typeof err !== 'object' || err === null) return err;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  const mapped = typeof code === 'string' ? FASTIFY_ERRORS[code] : undefined;
  if (mapped?.[0] === 'PAYLOAD_TOO_LARGE' || statusCode === 413) {
    const data = maxPayloadBytes === undefined ? undefined : { maxPayloadBytes };
    return new ActorGridError('PAYLOAD_TOO_LARGE', 'request body is too large', data, { cause: err });
  }
  if (mapped !== undefined) return new ActorGridError(mapped[0], mapped[1], undefined, { cause: err });
  // fastify marks client faults it has no code for (e.g. "aborted" while reading a body) with a 4xx.
  const fromFastify = typeof code === 'string' && code.startsWith('FST_');
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && (fromFastify || code === undefined || code === 'ECONNRESET')) {
    return new ActorGridError('INVALID_REQUEST', 'bad request', undefined, { cause: err });
  }
  return err;
}

/**
 * A 404 in the protocol's shape for a request no route matches: METHOD_NOT_FOUND (HTTP 404), the
 * table's one "no such thing to call" code, naming the method and path (query string left out).
 */
export function routeNotFound(method: string, url: string): ActorGridError {
  const shown = clip(url.split('?', 1)[0]);
  return new ActorGridError('METHOD_NOT_FOUND', `no route ${method} ${shown}`, { route: `${method} ${shown}` });
}

/**
 * fastify's server-level `frameworkErrors` option: errors raised while routing, before any plugin's
 * error handler exists (a malformed URL, an async constraint failing). Without it fastify answers
 * those in its own shape. Always JSON: the request has not been routed.
 *
 * @example
 * const app = fastify({ frameworkErrors, bodyLimit: config.limits.maxPayloadBytes });
 */
export function frameworkErrors(err: Error, _request: FastifyRequest, reply: FastifyReply): void {
  const coded = fromFastifyError(err);
  if (isInternalError(coded)) reply.log.error({ err }, 'internal error while routing');
  const { status, body } = httpErrorBody(coded);
  void reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/**
 * fastify's server-level `clientErrorHandler`: errors node's HTTP parser raises before a request
 * exists (a malformed request line, headers too large, a request or its headers too slow, see
 * `http.requestTimeoutMs`). Answered in the protocol's error shape on the raw socket, then closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const coded =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new ActorGridError('REQUEST_TIMEOUT', 'the request did not arrive in time')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? new ActorGridError('PAYLOAD_TOO_LARGE', 'the request headers are too large')
        : new ActorGridError('INVALID_REQUEST', 'malformed HTTP request');
  const { status, body } = httpErrorBody(coded);
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${coded.code}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  }
  socket.destroy();
}
