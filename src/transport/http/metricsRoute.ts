import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { httpErrorBody } from '../../protocol';
import { credentialsOf } from '../credentials';

/** Options of the metrics route. */
export interface MetricsRouteOptions {
  /** The Prometheus text exposition, and its content type. */
  scrape: () => Promise<{ text: string; contentType: string }>;
  /** Checks the scraper's credentials (auth on); throws a coded error to refuse. @default none: open */
  authorize?: (credentials: string | undefined) => Promise<void>;
}

/**
 * `GET /metrics`: the node's Prometheus metrics (docs/operations.md). With auth on, the scraper
 * sends credentials like any client (`Authorization: Bearer …` or `ApiKey …`) whose principal has
 * the role `metrics`.
 */
async function metricsRoutePlugin(app: FastifyInstance, options: MetricsRouteOptions): Promise<void> {
  app.get('/metrics', async (request, reply) => {
    if (options.authorize) {
      try {
        await options.authorize(credentialsOf(request).credentials);
      } catch (err) {
        const { status, body } = httpErrorBody(err);
        return reply.code(status).send(body);
      }
    }
    const { text, contentType } = await options.scrape();
    return reply.type(contentType).send(text);
  });
}

Object.assign(metricsRoutePlugin, { [Symbol.for('fastify.display-name')]: 'actorgrid-metrics' });

/** The metrics route plugin; see `MetricsRouteOptions`. */
export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = metricsRoutePlugin;
