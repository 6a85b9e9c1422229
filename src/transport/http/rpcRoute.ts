import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ActorGridError } from '../../errors';
import { encodeReply, type Codec, type Codecs, type Dispatcher, type JsonRpcReply } from '../../protocol';
import { unsupportedContentType } from './actorRoute';
import { fromFastifyError } from './httpErrors';
import { httpSession } from './HttpResponder';

/** The JSON-RPC endpoint's path. */
export const RPC_ROUTE = '/rpc';

/** What the JSON-RPC route needs. */
export interface RpcRouteOptions {
  dispatcher: Dispatcher;
  codecs: Codecs;
  maxPayloadBytes: number;
}

/**
 * `POST /rpc`: one JSON-RPC request or a batch, JSON or msgpack by `Content-Type`; the reply uses
 * the encoding of the request.
 *
 * HTTP status: every JSON-RPC answer goes out with 200, errors included (parse errors, bodies over
 * the limit, an unsupported `Content-Type`: `{"jsonrpc":"2.0","id":null,"error":…}`), because the
 * HTTP exchange itself worked and JSON-RPC clients read the error object, not the status. A request
 * made only of notifications gets 204 and no body. Only an unknown path or HTTP method gets a
 * non-JSON-RPC answer (404 in the HTTP error shape).
 */
export function registerRpcRoute(app: FastifyInstance, options: RpcRouteOptions): void {
  const { dispatcher, codecs, maxPayloadBytes } = options;

  const answer = (request: FastifyRequest, reply: FastifyReply, codec: Codec, out: JsonRpcReply | undefined): FastifyReply => {
    if (out === undefined) return reply.code(204).send();
    const payload = encodeReply(codec, out, dispatcher, httpSession(request));
    return reply.code(200).type(codec.contentType).send(payload);
  };

  // Errors raised by fastify before the handler runs (body too large, bad Content-Length) are
  // answered as JSON-RPC too, in the request's encoding when it named one.
  const errorHandler = (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const codec = codecs.forContentType(request.headers['content-type']) ?? codecs.json;
    const session = httpSession(request);
    const response = dispatcher.errorResponse(fromFastifyError(err, maxPayloadBytes), null, { method: `POST ${RPC_ROUTE}`, session });
    return answer(request, reply, codec, response);
  };

  app.post(RPC_ROUTE, { errorHandler }, async (request, reply) => {
    const session = httpSession(request);
    const contentType = request.headers['content-type'];
    const codec = codecs.forContentType(contentType);
    if (codec === undefined) {
      return answer(request, reply, codecs.json, dispatcher.errorResponse(unsupportedContentType(contentType), null));
    }
    const body = request.body as Buffer | undefined;
    let message: unknown;
    try {
      if (body === undefined || body.length === 0) throw new ActorGridError('PARSE_ERROR', 'empty request body');
      message = codec.decode(body);
    } catch (err) {
      return answer(request, reply, codec, dispatcher.errorResponse(err, null, { method: `POST ${RPC_ROUTE}`, session }));
    }
    const context = dispatcher.newContext(session);
    const sent = answer(request, reply, codec, await dispatcher.handle(message, session, context));
    context.replied();
    return sent;
  });
}
