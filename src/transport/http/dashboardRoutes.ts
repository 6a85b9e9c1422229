import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { DASHBOARD_PAGE } from '../../ops/dashboardPage';
import { httpErrorBody } from '../../protocol';
import { sseEvent } from '../../protocol/NotificationFrame';
import { credentialsOf } from '../credentials';

/** Options of the dashboard routes. */
export interface DashboardRoutesOptions {
  /** The current cluster view (see `Dashboard.view`). */
  view: () => Promise<unknown>;
  /** Checks the viewer's credentials (auth on); throws a coded error to refuse. @default none: open */
  authorize?: (credentials: string | undefined) => Promise<void>;
  /** How often the event stream pushes a view. @default 1000 */
  everyMs?: number;
}

/**
 * `GET /dashboard`: one self-contained page (no build step) showing the cluster live; it follows
 * `GET /dashboard/events`, Server-Sent Events pushing the cluster view every second (`event:
 * stats`). With auth on, both need credentials with the role `ops` (the page passes
 * `?access_token=` on to the stream).
 */
async function dashboardRoutesPlugin(app: FastifyInstance, options: DashboardRoutesOptions): Promise<void> {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  const refuse = async (credentials: string | undefined): Promise<{ status: number; body: unknown } | undefined> => {
    if (!options.authorize) return undefined;
    try {
      await options.authorize(credentials);
      return undefined;
    } catch (err) {
      return httpErrorBody(err);
    }
  };

  app.get('/dashboard', async (request, reply) => {
    const refused = await refuse(credentialsOf(request).credentials);
    if (refused) return reply.code(refused.status).send(refused.body);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(DASHBOARD_PAGE);
  });

  app.get('/dashboard/events', async (request, reply) => {
    const refused = await refuse(credentialsOf(request).credentials);
    if (refused) return reply.code(refused.status).send(refused.body);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let seq = 0;
    const push = async (): Promise<void> => {
      try {
        raw.write(sseEvent('stats', JSON.stringify(await options.view()), ++seq));
      } catch {
        raw.write(': view unavailable\n\n');
      }
    };
    const timer = setInterval(() => void push(), options.everyMs ?? 1000);
    const close = (): void => {
      clearInterval(timer);
      open.delete(close);
      raw.end();
    };
    open.add(close);
    request.raw.once('close', close);
    await push();
  });
}

Object.assign(dashboardRoutesPlugin, { [Symbol.for('fastify.display-name')]: 'actorgrid-dashboard' });

/** The dashboard routes plugin; see `DashboardRoutesOptions`. */
export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = dashboardRoutesPlugin;
