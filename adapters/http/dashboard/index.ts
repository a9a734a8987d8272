/**
 * The web dashboard (docs/operations.md, "Dashboard"): `registerDashboard` installs, on the
 * server's root context, the session core (cookies, CSRF, rate limit, security headers, session
 * lookup), the page, and the DASH-CORE API plugins under /ui/api, and returns the guard that the
 * other dashboard plugins (DASH-DATA, INSPECT) take as their `guard` option.
 */
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { Action } from '../../../actors/auth/roles.ts';
import type { LockoutPolicy } from '../../../actors/auth/lockout.ts';
import type { Db } from '../../db/schema.ts';
import type { Clock } from '../../time/clock.ts';
import type { SignalsRoutesOptions } from '../signals.routes.ts';
import { configTabRoutes, type ConfigTabOptions } from './config.routes.ts';
import { dashboardCore } from './core.plugin.ts';
import { guardedSignalsRoutes, liveRoutes, type LiveRoutesOptions } from './live.routes.ts';
import { makeGuard, sessionRoutes } from './session.ts';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from './session-rules.ts';
import { shellRoutes } from './shell.routes.ts';

export { makeGuard, type DashboardUser } from './session.ts';
export type { SessionConfigDecisions } from './config.routes.ts';
export type { LiveState, SessionDecisions } from './live.routes.ts';
export { CSP_DIRECTIVES, UI_PREFIX } from './core.plugin.ts';

export const DEFAULT_LOGIN_RATE = 10;

export interface DashboardOptions {
  db: Db;
  clock: Clock;
  lockout: LockoutPolicy;
  session?: Partial<SessionPolicy>;
  /** logins a minute per address and per user (FAKEOUT_DASHBOARD_LOGIN_RATE); default {@link DEFAULT_LOGIN_RATE} */
  loginRatePerMinute?: number;
  /** the live signals (the same port as /api/signals) */
  signals: SignalsRoutesOptions;
  live: Omit<LiveRoutesOptions, 'guard'>;
  config: Omit<ConfigTabOptions, 'guard'>;
}

export type Guard = (action: Action) => preHandlerAsyncHookHandler;

/** Installs the dashboard on `app` (call before the other /ui/api plugins are registered); returns the guard. */
export function registerDashboard(app: FastifyInstance, opts: DashboardOptions): Guard {
  const policy: SessionPolicy = { ...DEFAULT_SESSION_POLICY, ...opts.session };
  const guard = makeGuard();
  app.register(dashboardCore, { db: opts.db, clock: opts.clock, policy });
  app.register(shellRoutes, { guard });
  app.register(sessionRoutes, { prefix: '/ui/api', db: opts.db, clock: opts.clock, lockout: opts.lockout, policy, loginRatePerMinute: opts.loginRatePerMinute ?? DEFAULT_LOGIN_RATE });
  app.register(guardedSignalsRoutes, { prefix: '/ui', guard, signals: opts.signals });
  app.register(liveRoutes, { prefix: '/ui/api', guard, ...opts.live });
  app.register(configTabRoutes, { prefix: '/ui/api', guard, ...opts.config });
  return guard;
}
