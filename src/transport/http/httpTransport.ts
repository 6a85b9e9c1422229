import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Codecs, type Dispatcher, type NodeStatus } from '../../protocol';
import { registerActorRoute } from './actorRoute';
import { registerHealthRoutes } from './healthRoutes';
import { fromFastifyError, routeNotFound } from './httpErrors';
import { HttpResponder } from './HttpResponder';
import { registerOriginGuard } from './originGuard';
import { registerRpcRoute } from './rpcRoute';

/** Options of the HTTP transport plugin. */
export interface HttpTransportOptions {
  /**
   * Runs every route: `POST /rpc`, and `POST /actors/{type}/{id}/{method}` as `actor.call`. Its
   * `onInternalError` hook receives every INTERNAL error of the transport.
   */
  dispatcher: Dispatcher;
  /** Request limits; pass the node's `config.limits`. */
  limits: {
    /** Largest request body in bytes; a larger one is PAYLOAD_TOO_LARGE (413). */
    readonly maxPayloadBytes: number;
    /** Most positional arguments per call; unlimited when absent. */
    readonly maxArgs?: number;
  };
  /** Answers `/health/ready` and `/cluster`. */
  status: NodeStatus;
  /** The node's codecs. @default a new `Codecs` */
  codecs?: Codecs;
  /**
   * Origins besides the node's own whose pages may call it (`config.http.allowedOrigins`); other
   * origins are refused on every route (see `registerOriginGuard`). @default [] (same origin only)
   */
  allowedOrigins?: readonly string[];
}

/**
 * The HTTP transport as a fastify plugin: `POST /actors/{type}/{id}/{method}`, `POST /rpc`,
 * `GET /health/live`, `GET /health/ready`, `GET /cluster`. It only decodes, dispatches and encodes.
 *
 * Not encapsulated (like a `fastify-plugin` plugin): it sets the app's error handler and 404
 * handler, so every route of the node — the WebSocket upgrade route and later plugins' routes
 * included — answers errors as `{"error": {code, message, data?}}` with the error table's status,
 * never in fastify's default shape; and its origin guard (`registerOriginGuard`: foreign `Origin`s,
 * form body types, CORS) runs on every route. Register it before other route plugins, and set fastify's
 * server option `frameworkErrors` (exported beside it) for malformed URLs. The body routes live in a
 * child scope whose only content-type parser collects raw bytes up to `limits.maxPayloadBytes`;
 * other plugins get a JSON parser that decodes with `codecs.json`.
 *
 * @example
 * const app = fastify({ frameworkErrors, bodyLimit: config.limits.maxPayloadBytes });
 * await app.register(httpTransport, { dispatcher, limits: config.limits, status });
 */
async function httpTransportPlugin(app: FastifyInstance, options: HttpTransportOptions): Promise<void> {
  const { dispatcher, status } = options;
  const { maxPayloadBytes, maxArgs } = options.limits;
  if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 1) {
    throw new RangeError(`limits.maxPayloadBytes must be a positive integer, got ${maxPayloadBytes}`);
  }
  const codecs = options.codecs ?? new Codecs();
  const responder = new HttpResponder(codecs, dispatcher);

  app.setErrorHandler((err, request, reply) => responder.sendError(request, reply, fromFastifyError(err, maxPayloadBytes)));
  app.setNotFoundHandler((request, reply) => responder.sendError(request, reply, routeNotFound(request.method, request.url)));
  registerOriginGuard(app, options.allowedOrigins ?? [], responder);
  // JSON bodies of every other route (destinations, shared objects, data) are read by the node's
  // codec too: the same depth limit and prototype-poisoning refusals as calls, coded errors.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, codecs.json.decode(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  registerHealthRoutes(app, status, responder);

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Every Content-Type (and none) arrives as raw bytes: the routes pick the codec themselves and
    // answer an unsupported type in the protocol's shape rather than with fastify's 415.
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxPayloadBytes }, (_request, body, done) => {
      done(null, body);
    });
    registerActorRoute(scope, { dispatcher, codecs, responder, limits: maxArgs === undefined ? {} : { maxArgs } });
    registerRpcRoute(scope, { dispatcher, codecs, maxPayloadBytes });
  });
}

Object.assign(httpTransportPlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'actorgrid-http',
});

/** The HTTP transport plugin; see `HttpTransportOptions`. */
export const httpTransport: FastifyPluginAsync<HttpTransportOptions> = httpTransportPlugin;
