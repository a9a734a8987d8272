/**
 * The fastify server: webhook, actor tree, signals, metrics and health, with one error shape and
 * structured JSON logs (fastify's own pino).
 */
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { FakeoutError } from '../../actors/domain/errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Clock } from '../time/clock.ts';
import { actorsRoutes } from './actors.routes.ts';
import { installErrorHandlers } from './errors.ts';
import { healthRoutes } from './health.routes.ts';
import type { HealthReport } from './health.routes.ts';
import { metricsRoutes } from './metrics.routes.ts';
import { monitorsRoutes, type MonitorsRoutesOptions } from './monitors.routes.ts';
import { ordersRoutes, type OrdersRoutesOptions } from './orders.routes.ts';
import { configRoutes, type ConfigRoutesOptions } from './config.routes.ts';
import { signalsRoutes, type SignalsRoutesOptions } from './signals.routes.ts';
import { SECRET_HEADER, webhookRoutes } from './webhook.routes.ts';
import { registerDashboard, type DashboardOptions, type Guard } from './dashboard/index.ts';
import { dashboardActorsRoutes, type DashboardActorsOptions } from './dashboard/actors.routes.ts';
import type { DashboardGuard } from './dashboard/analytics-query.ts';
import { analyticsRoutes, type AnalyticsRoutesOptions } from './dashboard/analytics.routes.ts';
import { monitorRoutes, type MonitorRoutesOptions } from './dashboard/monitor.routes.ts';
import { securityRoutes, type SecurityRoutesOptions } from './dashboard/security.routes.ts';
import type { AcceptAlert } from './webhook.routes.ts';

/** 16 KiB: a TradingView alert message is a few hundred bytes; anything near this is not one. */
export const DEFAULT_BODY_LIMIT = 16 * 1024;

/**
 * Either a pino logger to reuse (fastify derives a child with its request serializers), or the
 * options for fastify to build its own pino: a level and, optionally, where the JSON lines go
 * (default stdout).
 */
export type HttpLogger =
  | FastifyBaseLogger
  | {
      level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
      stream?: { write(line: string): void };
    };

/** What {@link buildHttpServer} needs. */
export interface HttpServerOptions {
  logger: HttpLogger;
  /** Largest webhook body in bytes; default {@link DEFAULT_BODY_LIMIT}. */
  bodyLimit?: number;
  /** The TradingView shared secret (compared in constant time); must not be empty when `acceptAlert` is given. */
  webhookSecret: string;
  /** Validates an authenticated alert and publishes it to RAW; throws FakeoutError. Absent: no webhook route (a role without intake). */
  acceptAlert?: AcceptAlert | undefined;
  /** JSON for `GET /actors`. */
  actorsTree: () => unknown;
  metrics: Metrics;
  /** Runs before each `GET /metrics` render, to refresh scrape-time gauges (actor states). */
  beforeMetrics?: () => void | Promise<void>;
  /** Stored and live signals for `GET /api/signals` and `GET /api/signals/stream`; absent: no such routes. */
  signals?: SignalsRoutesOptions;
  /** Pending orders, approve/reject and the breaker reset (`/api/orders`, `/api/breaker/reset`); absent: no such routes (a process without the gateway NATS user). */
  orders?: OrdersRoutesOptions;
  /** Config governance (`/api/config/proposals`, docs/config.md); absent: no such routes. */
  config?: ConfigRoutesOptions;
  /** The monitors' states for `GET /api/monitors`; absent: no such route. */
  monitors?: MonitorsRoutesOptions;
  /** The web dashboard under /ui (adapters/http/dashboard/, docs/operations.md "Dashboard"); absent: no /ui routes. */
  dashboard?: DashboardOptions;
  /**
   * The Actors tab's API under `/ui/api` (adapters/http/dashboard/actors.routes.ts). Registered
   * only together with {@link dashboardGuard}: never a dashboard route without its role check.
   */
  actorsDashboard?: Omit<DashboardActorsOptions, 'guard'>;
  /** A `guard(action)` for the tab APIs when {@link dashboard} (the session core, whose guard wins) is absent: tests only. */
  dashboardGuard?: DashboardActorsOptions['guard'];
  /** The Analytics tab's API (`/ui/api/analytics/*`); needs a guard. */
  dashboardAnalytics?: Omit<AnalyticsRoutesOptions, 'guard'>;
  /** The System monitor tab's API (`/ui/api/monitor/*`); needs a guard. */
  dashboardMonitor?: Omit<MonitorRoutesOptions, 'guard'>;
  /** The Security & risk tab's API (`/ui/api/security/*`); needs a guard. */
  dashboardSecurity?: Omit<SecurityRoutesOptions, 'guard'>;
  /** Probe for `GET /healthz`; absent means always healthy. */
  health?: () => Promise<HealthReport>;
  /**
   * Passed to fastify's `trustProxy` (FAKEOUT_TRUST_PROXY), so `request.ip` (the address the
   * webhook allowlist and rate limit judge, and the `remote` given to acceptAlert) is the client's
   * and not the reverse proxy's: true trusts every hop, a number that many hops, a list the
   * proxies at those addresses/CIDRs. Default false: trust no X-Forwarded-For.
   */
  trustProxy?: boolean | number | string | readonly string[];
  /** Addresses and CIDRs that may post to the webhook (FAKEOUT_WEBHOOK_ALLOW_IPS); empty or absent: any. */
  webhookAllowIps?: readonly string[] | undefined;
  /** Webhook requests a minute per source address (FAKEOUT_WEBHOOK_RATE); 0 = off; default DEFAULT_WEBHOOK_RATE. */
  webhookRatePerMinute?: number | undefined;
  /** Clock of the webhook rate limit; default the system clock. */
  clock?: Clock | undefined;
}

/**
 * fastify's form of {@link HttpServerOptions.trustProxy}. WHY a function for a hop count: fastify
 * 5 reads a bare number as "trust nothing" (it cannot check the immediate peer), so `n` is given
 * as "trust the nearest n hops, whoever they are", the proxy-addr/Express meaning. That is only
 * safe when nothing but those proxies can reach the port (docs/webhook.md says so).
 */
function fastifyTrustProxy(tp: boolean | number | string | readonly string[]): boolean | string | string[] | ((address: string, hop: number) => boolean) {
  if (typeof tp === 'number') {
    if (!Number.isInteger(tp) || tp < 0) throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `trustProxy: a hop count must be a whole number >= 0, got ${tp}`);
    return tp === 0 ? false : (_address: string, hop: number) => hop < tp;
  }
  return typeof tp === 'object' ? [...tp] : tp;
}

function isLoggerInstance(logger: HttpLogger): logger is FastifyBaseLogger {
  return typeof (logger as Partial<FastifyBaseLogger>).child === 'function';
}

/**
 * Builds (does not start) the HTTP server. Routes load on `ready()`, `listen()` or the first
 * `inject()`; an empty `webhookSecret` makes that step fail with FAKEOUT_ERR_CONFIG_INVALID.
 */
export function buildHttpServer(opts: HttpServerOptions): FastifyInstance {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const common = { bodyLimit, trustProxy: fastifyTrustProxy(opts.trustProxy ?? false) };
  const app: FastifyInstance = isLoggerInstance(opts.logger)
    ? Fastify({ ...common, loggerInstance: opts.logger })
    : Fastify({
        ...common,
        logger: {
          level: opts.logger.level,
          ...(opts.logger.stream === undefined ? {} : { stream: opts.logger.stream }),
          // The default request serializer logs no headers; this keeps it so if that changes.
          redact: { paths: [`req.headers["${SECRET_HEADER}"]`, 'req.headers.authorization'], censor: '[redacted]' },
        },
      });

  installErrorHandlers(app);
  // First: the dashboard's session core must be in place before any /ui/api plugin registers.
  // `guard` is what every other dashboard API plugin takes (the dashboard contract): register
  // them below as `app.register(plugin, { prefix: '/ui/api', guard, ... })` when it is defined.
  const guard: Guard | undefined = opts.dashboard === undefined ? undefined : registerDashboard(app, opts.dashboard);
  // the session guard, or (tests of a single tab's API without the session core) a given one
  const tabGuard = guard ?? opts.dashboardGuard;
  if (opts.acceptAlert) {
    app.register(webhookRoutes, {
      bodyLimit,
      webhookSecret: opts.webhookSecret,
      acceptAlert: opts.acceptAlert,
      metrics: opts.metrics,
      allowIps: opts.webhookAllowIps,
      ratePerMinute: opts.webhookRatePerMinute,
      clock: opts.clock,
    });
  }
  app.register(actorsRoutes, { actorsTree: opts.actorsTree });
  app.register(metricsRoutes, {
    metrics: opts.metrics,
    ...(opts.beforeMetrics === undefined ? {} : { beforeMetrics: opts.beforeMetrics }),
  });
  app.register(healthRoutes, opts.health === undefined ? {} : { health: opts.health });
  if (opts.signals !== undefined) app.register(signalsRoutes, opts.signals);
  if (opts.orders !== undefined) app.register(ordersRoutes, opts.orders);
  if (opts.config !== undefined) app.register(configRoutes, opts.config);
  if (opts.monitors !== undefined) app.register(monitorsRoutes, opts.monitors);
  // POLICY: the tab APIs are registered only with a guard: no dashboard route is ever unguarded.
  if (tabGuard !== undefined) {
    if (opts.actorsDashboard !== undefined) app.register(dashboardActorsRoutes, { prefix: '/ui/api', guard: tabGuard, ...opts.actorsDashboard });
    if (opts.dashboardAnalytics !== undefined) app.register(analyticsRoutes, { ...opts.dashboardAnalytics, guard: tabGuard, prefix: '/ui/api' });
    if (opts.dashboardMonitor !== undefined) app.register(monitorRoutes, { ...opts.dashboardMonitor, guard: tabGuard, prefix: '/ui/api' });
    if (opts.dashboardSecurity !== undefined) app.register(securityRoutes, { ...opts.dashboardSecurity, guard: tabGuard, prefix: '/ui/api' });
  }
  return app;
}
