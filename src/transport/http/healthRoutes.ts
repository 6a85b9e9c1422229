import type { FastifyInstance } from 'fastify';
import { ActorGridError } from '../../errors';
import type { NodeStatus } from '../../protocol';
import type { HttpResponder } from './HttpResponder';

/**
 * The operational routes:
 *
 * - `GET /health/live`: 200 `{"status":"live"}` while the process answers at all.
 * - `GET /health/ready`: 200 `{"status":"ready"}` when `status.ready()`, else 503 with an
 *   UNAVAILABLE error body (load balancers take the node out; clients may retry elsewhere).
 * - `GET /cluster`: 200 with whatever `status.cluster()` resolves to (app nodes and grid members);
 *   its coded errors (e.g. UNAVAILABLE when the grid is unreachable) go out with their status.
 */
export function registerHealthRoutes(app: FastifyInstance, status: NodeStatus, responder: HttpResponder): void {
  app.get('/health/live', async (request, reply) => responder.send(request, reply, 200, { status: 'live' }));

  app.get('/health/ready', async (request, reply) => {
    try {
      if (status.ready()) return responder.send(request, reply, 200, { status: 'ready' });
      return responder.sendError(request, reply, new ActorGridError('UNAVAILABLE', 'the node is not ready'));
    } catch (err) {
      return responder.sendError(request, reply, err);
    }
  });

  app.get('/cluster', async (request, reply) => {
    try {
      return responder.send(request, reply, 200, await status.cluster());
    } catch (err) {
      return responder.sendError(request, reply, err);
    }
  });
}
