import { credentialsOf } from '../credentials';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ActorGridError } from '../../errors';
import { httpErrorBody, type Codec, type Codecs, type Dispatcher, type InternalErrorContext, type Session } from '../../protocol';

/**
 * Writes every HTTP response of the transport: the body encoded by hand (fastify's serializer is
 * never involved), JSON or msgpack by the request's `Accept`, errors in the protocol's shape
 * `{"error": {code, message, data?}}` with the error table's status. INTERNAL errors are reported
 * to the dispatcher's hook with their stack and go out as a generic message.
 */
export class HttpResponder {
  constructor(
    private readonly codecs: Codecs,
    private readonly dispatcher: Dispatcher,
  ) {}

  /** The codec a response to `request` uses: msgpack when `Accept` asks for it, else JSON. */
  codecFor(request: FastifyRequest): Codec {
    return this.codecs.forAccept(request.headers.accept);
  }

  /**
   * Sends `body` with `status`. A body the codec cannot encode (a BigInt in JSON, a cycle) is a bug
   * in what produced it: the client gets INTERNAL instead.
   */
  send(request: FastifyRequest, reply: FastifyReply, status: number, body: unknown, codec = this.codecFor(request)): FastifyReply {
    let payload: string | Buffer;
    try {
      payload = codec.encode(body);
    } catch (err) {
      const reason = new Error(`cannot encode the response as ${codec.name}`, { cause: err });
      return this.sendError(request, reply, reason, { method: routeOf(request) });
    }
    return reply.code(status).type(codec.contentType).send(payload);
  }

  /** Sends any thrown value as a coded error, reporting INTERNAL ones. */
  sendError(request: FastifyRequest, reply: FastifyReply, err: unknown, context: InternalErrorContext = {}): FastifyReply {
    this.dispatcher.reportIfInternal(err, { method: routeOf(request), session: httpSession(request), ...context });
    const codec = this.codecFor(request);
    const { status, body } = httpErrorBody(err);
    let payload: string | Buffer;
    try {
      payload = codec.encode(body);
    } catch (encodeErr) {
      // Only an error's own `data` can be unencodable; the plain INTERNAL body always encodes.
      this.dispatcher.reportIfInternal(encodeErr, { method: routeOf(request) });
      const internal = httpErrorBody(new ActorGridError('INTERNAL', 'internal error'));
      return reply.code(internal.status).type(codec.contentType).send(codec.encode(internal.body));
    }
    return reply.code(status).type(codec.contentType).send(payload);
  }
}

/** The session of one HTTP request: its fastify request id and the socket's peer address. */
export function httpSession(request: FastifyRequest): Session {
  return { id: String(request.id), transport: 'http', remote: request.ip, identity: { ...credentialsOf(request) } };
}


/** `"POST /actors/*"`: the matched route, for logs (never the raw URL, which may be long). */
export function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? '(no route)'}`;
}
