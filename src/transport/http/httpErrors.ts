import type { FastifyReply, FastifyRequest } from 'fastify';
import { ActorGridError, type ErrorCode } from '../../errors';
import { httpErrorBody, isInternalError } from '../../protocol';

/** fastify's own error codes and the protocol code each one is answered with. */
const FASTIFY_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'INVALID_REQUEST',
  FST_ERR_CTP_INVALID_TYPE: 'INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_TYPE: 'INVALID_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'PARSE_ERROR',
  FST_ERR_CTP_INVALID_JSON_BODY: 'PARSE_ERROR',
  FST_ERR_BAD_URL: 'INVALID_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'INVALID_REQUEST',
  FST_ERR_NOT_FOUND: 'METHOD_NOT_FOUND',
  FST_ERR_VALIDATION: 'INVALID_ARGUMENTS',
};

/**
 * Turns an error raised by fastify itself (body too large, bad media type, bad URL, a client that
 * went away mid-body…) into a coded error; anything else passes through unchanged, so that the
 * responder answers it INTERNAL and logs it. `maxPayloadBytes` goes into PAYLOAD_TOO_LARGE's data.
 */
export function fromFastifyError(err: unknown, maxPayloadBytes?: number): unknown {
  if (err instanceof ActorGridError || typeof err !== 'object' || err === null) return err;
  const { code, statusCode, message } = err as { code?: unknown; statusCode?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : 'bad request';
  const mapped = typeof code === 'string' ? FASTIFY_ERROR_CODES[code] : undefined;
  if (mapped === 'PAYLOAD_TOO_LARGE' || statusCode === 413) {
    const data = maxPayloadBytes === undefined ? undefined : { maxPayloadBytes };
    return new ActorGridError('PAYLOAD_TOO_LARGE', 'request body is too large', data, { cause: err });
  }
  if (mapped !== undefined) return new ActorGridError(mapped, text, undefined, { cause: err });
  // fastify marks client faults it has no code for (e.g. "aborted" while reading a body) with a 4xx.
  const fromFastify = typeof code === 'string' && code.startsWith('FST_');
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && (fromFastify || code === undefined || code === 'ECONNRESET')) {
    return new ActorGridError('INVALID_REQUEST', text, undefined, { cause: err });
  }
  return err;
}

/**
 * A 404 in the protocol's shape for a request no route matches: METHOD_NOT_FOUND (HTTP 404), the
 * table's one "no such thing to call" code, naming the method and path (query string left out).
 */
export function routeNotFound(method: string, url: string): ActorGridError {
  const path = url.split('?', 1)[0];
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
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
