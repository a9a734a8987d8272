import type { FastifyPluginAsync } from 'fastify';
import { POLLED_ROUTE_LOG_LEVEL } from './metrics.routes.ts';

/** The answer of a health probe. */
export interface HealthReport {
  ok: boolean;
  details?: Record<string, unknown>;
}

/** Options of {@link healthRoutes}. */
export interface HealthRoutesOptions {
  /** Absent: the process answering is taken as healthy. */
  health?: () => Promise<HealthReport>;
}

/**
 * `GET /healthz`: 200 with the report when `ok`, 503 otherwise. A probe that throws counts as
 * unhealthy (503), and its error goes to the log, not to the response. Probes are not logged at
 * info (see {@link POLLED_ROUTE_LOG_LEVEL}).
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, opts) => {
  app.get('/healthz', { logLevel: POLLED_ROUTE_LOG_LEVEL }, async (request, reply) => {
    let report: HealthReport;
    try {
      report = opts.health === undefined ? { ok: true } : await opts.health();
    } catch (err) {
      request.log.error({ err }, 'health probe threw');
      report = { ok: false, details: { error: 'health probe failed' } };
    }
    return reply.code(report.ok ? 200 : 503).send(report);
  });
};
