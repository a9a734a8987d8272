/**
 * Wiring of the web dashboard (adapters/http/dashboard/) for the composition root: its reads
 * from this process's database (every role has it), and its decisions from the approval surface
 * where this process has one (roles all and gateway; elsewhere they answer 503). Also the first
 * admin of `npm start` (docs/operations.md, "Dashboard").
 */
import { randomBytes } from 'node:crypto';
import { chartMarkers, chartSeries, latestBars, listConfigProposals, listConfigVersions, listOrdersByStatus, recentOrders, type Database } from '../../adapters/db/index.ts';
import type { DashboardOptions } from '../../adapters/http/dashboard/index.ts';
import type { Clock } from '../../adapters/time/index.ts';
import { createAuthService } from '../auth/auth.service.ts';
import { lockoutPolicy } from '../auth/lockout.ts';
import type { Config } from '../domain/config.ts';
import { ORDER_STATUS } from '../execution/order-messages.ts';
import { committedGateway, pendingView } from './gateway-view.ts';
import type { SessionDecisionPorts } from './order-decisions.ts';

type Db = Database['db'];

/** The dashboard's options but the signals port (the same one as /api/signals, built beside the server). */
export function dashboardOptions(config: Readonly<Config>, clock: Clock, db: Db, decisions: SessionDecisionPorts | undefined): Omit<DashboardOptions, 'signals'> {
  return {
    db,
    clock,
    lockout: lockoutPolicy(config.authMaxFailures, config.authLockSeconds),
    session: { ttlMs: config.dashboardSessionHours * 3_600_000, idleMs: config.dashboardIdleMinutes * 60_000 },
    loginRatePerMinute: config.dashboardLoginRate,
    live: {
      bars: (symbol, timeframe, limit) => latestBars(db, symbol, timeframe, limit),
      markers: (q) => chartMarkers(db, q),
      series: () => chartSeries(db),
      pending: async () => (await listOrdersByStatus(db, ORDER_STATUS.pendingApproval, 100)).map(pendingView),
      recentOrders: (limit) => recentOrders(db, limit),
      // the gate and breaker as the execution gateway last committed them (its checkpoint)
      state: async () => ({ ...(await committedGateway(db)), pending: (await listOrdersByStatus(db, ORDER_STATUS.pendingApproval, 1000)).length }),
      decisions: decisions?.orders,
    },
    config: {
      versions: (limit) => listConfigVersions(db, limit),
      proposals: (limit) => listConfigProposals(db, { limit }),
      decisions: decisions?.config,
    },
  };
}

/** What `npm start` says about the first login. */
export type FirstAdmin =
  | { created: false }
  | { created: true; user: string; password: string; source: 'generated' | 'FAKEOUT_ADMIN_PASSWORD' };

export const FIRST_ADMIN = 'admin';

/**
 * Creates user `admin` (role admin) when no admin exists: with FAKEOUT_ADMIN_PASSWORD, else a
 * generated password (24 base64url characters, 144 bits) that the caller shows once and that is
 * stored only as its scrypt hash. Audited as `user.added` by `startup`.
 */
export async function ensureFirstAdmin(config: Readonly<Config>, clock: Clock, db: Db, dataDir: string): Promise<FirstAdmin> {
  const admins = await db.selectFrom('users').select('name').where('role', '=', 'admin').limit(1).execute();
  if (admins.length > 0) return { created: false };
  const taken = await db.selectFrom('users').select('name').where('name', '=', FIRST_ADMIN).executeTakeFirst();
  if (taken !== undefined) return { created: false };
  const password = config.adminPassword ?? randomBytes(18).toString('base64url');
  const auth = createAuthService({ db, clock, lockout: lockoutPolicy(config.authMaxFailures, config.authLockSeconds), secretsDir: `${dataDir}/secrets`, operator: 'startup' });
  await auth.addUser(FIRST_ADMIN, 'admin', password);
  return { created: true, user: FIRST_ADMIN, password, source: config.adminPassword === undefined ? 'generated' : 'FAKEOUT_ADMIN_PASSWORD' };
}
