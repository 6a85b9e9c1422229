import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { credentialsOf } from '../credentials';
import { ActorGridError } from '../../errors';
import { Codecs, httpErrorBody, type Dispatcher } from '../../protocol';
import { CodedWebSocket } from './CodedWebSocket';
import { upgradeProblem } from './upgradeCheck';
import { WsConnection } from './WsConnection';
import { WsConnections } from './WsConnections';

/** The WebSocket endpoint's path. */
export const WS_ROUTE = '/ws';

/** Options of the WebSocket transport plugin. */
export interface WsTransportOptions {
  /** Runs every JSON-RPC request received on a connection. */
  dispatcher: Dispatcher;
  /** Limits; pass the node's `config.limits`. */
  limits: {
    /** Largest frame in bytes; see `wsMaxPayload` for what happens above it. */
    readonly maxPayloadBytes: number;
    /** Unanswered frames per connection before it stops reading its socket. @default 64 */
    readonly maxInFlight?: number;
    /** The most open connections; further upgrades get 503 UNAVAILABLE. @default unlimited */
    readonly maxConnections?: number;
    /** Unsent bytes one connection may have waiting before it is closed (1008). @default unlimited */
    readonly maxBufferedBytes?: number;
    /** Ping interval; a connection that missed a pong is dropped. 0 = off. @default 0 */
    readonly pingIntervalMs?: number;
  };
  /** Tracks the connections so the node can close them on drain. @default a new `WsConnections` */
  connections?: WsConnections;
  /** The node's codecs. @default a new `Codecs` */
  codecs?: Codecs;
  /**
   * Verifies an upgrade's credentials when it carries any (auth on): a rejection refuses the upgrade
   * with its coded error (401). Upgrades without credentials are accepted; the guard then asks for
   * `auth.login`. @default none
   */
  verifyUpgrade?: (credentials: string) => Promise<unknown>;
  /** Counts WebSocket payload bytes (metrics). @default none */
  countBytes?: (direction: 'in' | 'out', bytes: number) => void;
}

/**
 * The size at which ws itself rejects a frame. Frames up to `maxPayloadBytes` are answered
 * normally; frames a little larger — up to `maxPayloadBytes` plus the same again, at least 64 KiB
 * and at most 1 MiB more — are read and answered with PAYLOAD_TOO_LARGE, the connection staying
 * open. Anything larger is refused by ws as soon as the frame header announces its length, before
 * the payload is buffered: the connection is closed with 1009 ("message too big").
 */
export function wsMaxPayload(maxPayloadBytes: number): number {
  const slack = Math.min(Math.max(maxPayloadBytes, 64 * 1024), 1024 * 1024);
  return maxPayloadBytes + slack;
}

/**
 * The WebSocket transport as a fastify plugin: JSON-RPC over `GET /ws` (see `WsConnection`). It
 * registers @fastify/websocket itself, in its own scope, with `maxPayload` from `wsMaxPayload` and
 * without permessage-deflate; do not register @fastify/websocket anywhere else in the app.
 *
 * - A plain `GET /ws` without an upgrade, or a malformed upgrade request (`upgradeProblem`), gets
 *   400 INVALID_REQUEST in the HTTP error shape; a foreign `Origin` is refused (403) by the HTTP
 *   transport's origin guard, which runs on this route too.
 * - ws's own protocol-error closes (1009 frame too large, 1007, 1002) carry a coded reason
 *   (`CodedWebSocket`).
 * - After `connections.closeAll()` (drain) upgrades are refused with 503 UNAVAILABLE.
 * - `app.close()` runs `connections.closeAll(1001)` first (see there: running requests are answered,
 *   new ones get UNAVAILABLE, at most 5 s).
 * - Socket-level errors (protocol violations, oversized frames) are logged at warn with the
 *   request's logger; ws closes those connections itself with the matching close code.
 *
 * @example
 * const connections = new WsConnections();
 * await app.register(wsTransport, { dispatcher, limits: config.limits, connections });
 */
async function wsTransportPlugin(app: FastifyInstance, options: WsTransportOptions): Promise<void> {
  const { dispatcher } = options;
  const { maxPayloadBytes, maxInFlight = 64 } = options.limits;
  if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 1) {
    throw new RangeError(`limits.maxPayloadBytes must be a positive integer, got ${maxPayloadBytes}`);
  }
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`limits.maxInFlight must be a positive integer, got ${maxInFlight}`);
  }
  const connections = options.connections ?? new WsConnections();
  const codecs = options.codecs ?? new Codecs();

  await app.register(fastifyWebsocket, {
    options: { maxPayload: wsMaxPayload(maxPayloadBytes), perMessageDeflate: false, WebSocket: CodedWebSocket },
    errorHandler(error, socket, request) {
      const code = (error as { code?: unknown }).code;
      request.log.warn({ err: error }, 'websocket error');
      // ws already closes with the right code (1002, 1007, 1009…) after its own protocol errors;
      // anything else leaves the socket in an unknown state.
      if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) socket.terminate();
    },
    preClose: async function closeConnections(this: FastifyInstance) {
      await connections.closeAll(1001, 'server shutting down');
      this.websocketServer.close();
    },
  });

  app.route({
    method: 'GET',
    url: WS_ROUTE,
    onRequest: async (request, reply) => {
      if (request.ws) {
        const problem = upgradeProblem(request.headers);
        if (problem) return sendHttpError(reply, problem);
      }
      if (!connections.accepting) return sendHttpError(reply, new ActorGridError('UNAVAILABLE', 'the node is draining'));
      if (connections.size >= (options.limits.maxConnections ?? Number.POSITIVE_INFINITY)) {
        return sendHttpError(reply, new ActorGridError('UNAVAILABLE', `this node holds its most WebSocket connections (${options.limits.maxConnections}); try another node`));
      }
      const { credentials } = credentialsOf(request);
      if (credentials !== undefined && options.verifyUpgrade) {
        try {
          await options.verifyUpgrade(credentials);
        } catch (err) {
          return sendHttpError(reply, err instanceof ActorGridError ? err : new ActorGridError('UNAUTHORIZED', 'not authenticated'));
        }
      }
      return undefined;
    },
    handler: async (_request, reply) =>
      sendHttpError(reply, new ActorGridError('INVALID_REQUEST', `GET ${WS_ROUTE} expects a WebSocket upgrade`)),
    wsHandler: (socket, request) => {
      const connection = new WsConnection(socket, { dispatcher, codecs, maxPayloadBytes, maxInFlight, remote: request.ip, ...credentialsOf(request), ...(options.countBytes ? { countBytes: options.countBytes } : {}), ...(options.limits.maxBufferedBytes ? { maxBufferedBytes: options.limits.maxBufferedBytes } : {}), ...(options.limits.pingIntervalMs ? { pingIntervalMs: options.limits.pingIntervalMs } : {}) });
      // An upgrade that passed onRequest just before closeAll started.
      if (!connections.add(connection)) socket.close(1001, 'server shutting down');
    },
  });
}

/** Answers an HTTP request to the WebSocket route in the protocol's HTTP error shape (always JSON). */
function sendHttpError(reply: FastifyReply, err: ActorGridError): FastifyReply {
  const { status, body } = httpErrorBody(err);
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** The WebSocket transport plugin; see `WsTransportOptions`. */
export const wsTransport: FastifyPluginAsync<WsTransportOptions> = wsTransportPlugin;
