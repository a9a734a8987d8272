import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../metrics/metrics.ts';

/** Options of {@link metricsRoutes}. */
export interface MetricsRoutesOptions {
  metrics: Metrics;
  /**
   * Runs before each render, to refresh gauges that are cheaper to read at scrape time than to
   * keep current (e.g. actor states from the supervision tree). A throw gives a 500, logged.
   */
  beforeMetrics?: () => void | Promise<void>;
}

/**
 * Request logging of the routes a machine polls (Prometheus every few seconds, a load balancer's
 * probe): `warn`, so their "incoming request" / "request completed" lines (info) stay out of the
 * log while a failure in them (error) is still logged.
 */
export const POLLED_ROUTE_LOG_LEVEL = 'warn';

/** `GET /metrics`: the Prometheus text exposition of this process's registry. */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, opts) => {
  app.get('/metrics', { logLevel: POLLED_ROUTE_LOG_LEVEL }, async (_request, reply) => {
    await opts.beforeMetrics?.();
    const text = await opts.metrics.render();
    return reply.type(opts.metrics.contentType).send(text);
  });
};
