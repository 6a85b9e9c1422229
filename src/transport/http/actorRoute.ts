import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ActorGridError, clip } from '../../errors';
import {
  ACTOR_CALL_METHOD,
  checkArgs,
  checkCallTarget,
  checkIdempotencyKey,
  withKey,
  type CallParamLimits,
  type CallParams,
  type Codecs,
  type Dispatcher,
} from '../../protocol';
import { routeNotFound } from './httpErrors';
import { httpSession, type HttpResponder } from './HttpResponder';

/** The route's path; the wildcard lets us read the raw segments ourselves (see `actorPath`). */
export const ACTOR_ROUTE = '/actors/*';

/** What the actor route needs. */
export interface ActorRouteOptions {
  /** Runs the decoded call as `actor.call` (see `registerActorMethods`). */
  dispatcher: Dispatcher;
  codecs: Codecs;
  responder: HttpResponder;
  limits: CallParamLimits;
}

/**
 * `POST /actors/{type}/{id}/{method}`. Must be registered in a scope whose content-type parser hands
 * over the raw body as a Buffer (see `httpTransport`). It decodes the path, the `Idempotency-Key`
 * header and the body into `actor.call` params and runs them through the dispatcher; every outcome,
 * good or bad, is answered here through the responder.
 */
export function registerActorRoute(app: FastifyInstance, options: ActorRouteOptions): void {
  const { dispatcher, codecs, responder, limits } = options;
  app.post(ACTOR_ROUTE, async (request, reply) => {
    const session = httpSession(request);
    try {
      const target = actorPath(request);
      const idempotencyKey = checkIdempotencyKey(singleHeader(request, 'idempotency-key', 'idempotencyKey'));
      const args = checkArgs(decodeBody(request, codecs), limits);
      const call: CallParams = withKey({ ...target, args }, idempotencyKey);
      const result = await dispatcher.call(ACTOR_CALL_METHOD, call, session);
      return responder.send(request, reply, 200, { result: result === undefined ? null : result });
    } catch (err) {
      return responder.sendError(request, reply, err, { session });
    }
  });
}

/**
 * Reads `{type}/{id}/{method}` from the raw URL so that an id holding an encoded slash (`a%2Fb`)
 * stays one segment; each segment is then percent-decoded. The wildcard route also keeps fastify's
 * `maxParamLength` (100 by default) out of the way of ids up to 256 characters. Anything but three
 * segments is a 404 like any unknown route.
 */
function actorPath(request: FastifyRequest): Pick<CallParams, 'type' | 'id' | 'method'> {
  const path = request.url.split('?', 1)[0];
  const prefix = (request.routeOptions.url ?? ACTOR_ROUTE).slice(0, -1);
  // fastify options such as ignoreDuplicateSlashes can make the raw URL differ from the route; the
  // decoded wildcard is the fallback then (an encoded slash in an id is ambiguous in that case only).
  const tail = path.startsWith(prefix) ? path.slice(prefix.length) : (request.params as { '*': string })['*'];
  const segments = tail.split('/');
  if (segments.length !== 3) throw routeNotFound(request.method, request.url);
  const [type, id, method] = segments.map((segment, i) => decodeSegment(segment, ['type', 'id', 'method'][i]));
  return checkCallTarget(type, id, method);
}

function decodeSegment(segment: string, field: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ActorGridError('INVALID_ARGUMENTS', `${field} is not valid percent-encoding`, { field });
  }
}

/**
 * The positional arguments: an empty body means none; otherwise the body is decoded by its
 * `Content-Type` (JSON or msgpack). A body without a supported type is INVALID_REQUEST, not
 * PARSE_ERROR: the bytes may be fine, the request does not say how to read them.
 */
function decodeBody(request: FastifyRequest, codecs: Codecs): unknown {
  const body = request.body as Buffer | undefined;
  if (body === undefined || body.length === 0) return [];
  const contentType = request.headers['content-type'];
  const codec = codecs.forContentType(contentType);
  if (codec === undefined) throw unsupportedContentType(contentType);
  return codec.decode(body);
}

/** INVALID_REQUEST for a body whose `Content-Type` is missing or names neither encoding. */
export function unsupportedContentType(contentType: string | undefined): ActorGridError {
  const supported = ['application/json', 'application/msgpack'];
  const message =
    contentType === undefined
      ? 'a request body needs Content-Type application/json or application/msgpack'
      : `unsupported Content-Type "${clip(contentType)}"; use application/json or application/msgpack`;
  return new ActorGridError('INVALID_REQUEST', message, { supported });
}

function singleHeader(request: FastifyRequest, name: string, field: string): string | undefined {
  const value = request.headers[name];
  if (Array.isArray(value)) {
    throw new ActorGridError('INVALID_ARGUMENTS', `send one ${name} header`, { field });
  }
  return value;
}
