// GET|HEAD /api/health on the public listener: the shared health verdict (supervisor/health.ts)
// as JSON, 200 or 503, computed from memory on each request; other methods get 405.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SupervisorApi } from '../supervisor/api.js';
import { healthReport } from '../supervisor/health.js';
import { HEALTH_PATH } from './routes.js';

/** What the health route reads. */
export interface HealthRouteOptions {
  readonly supervisor: SupervisorApi;
  /** True once the edge is shutting down (reported as `stopping`, 503). */
  stopping(): boolean;
}

/** Registers the built-in health endpoint. */
export function registerHealth(app: FastifyInstance, opts: HealthRouteOptions): void {
  app.route({
    method: ['GET', 'HEAD'],
    url: HEALTH_PATH,
    handler(_request, reply) {
      const { healthy, report } = healthReport(opts.supervisor, Date.now(), opts.stopping());
      reply
        .code(healthy ? 200 : 503)
        .header('cache-control', 'no-store')
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(report));
    },
  });
  // Answered in onRequest so that no request body is read or parsed.
  const notAllowed = (_request: unknown, reply: FastifyReply): void => {
    reply
      .code(405)
      .header('allow', 'GET, HEAD')
      .type('application/json; charset=utf-8')
      .send('{"error":"method_not_allowed"}');
  };
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: HEALTH_PATH,
    onRequest: notAllowed,
    handler: notAllowed,
  });
}
