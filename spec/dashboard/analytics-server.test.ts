/**
 * The wiring in buildHttpServer: the three DASH-DATA APIs are served under /ui/api only when a
 * dashboard guard is given (never unguarded), and then through it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NATS_CONF } from '../../actors/app/messaging.ts';
import { createMetrics } from '../../adapters/metrics/index.ts';
import { buildHttpServer, type HttpServerOptions } from '../../adapters/http/server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { testGuard } from './analytics-fixture.ts';

const s = suite<{ t: TestDatabase }>('dashboard data APIs in buildHttpServer');
s.before(async (ctx) => { ctx.t = await createTestDatabase('pglite'); });
s.after(async (ctx) => { await ctx.t?.cleanup(); });

const PATHS = ['/ui/api/analytics/heatmap', '/ui/api/monitor/summary', '/ui/api/security/nats'];

function options(t: TestDatabase, guard: HttpServerOptions['dashboardGuard']): HttpServerOptions {
  const db = t.database.db;
  return {
    logger: { level: 'silent' }, webhookSecret: '', actorsTree: () => ({}), metrics: createMetrics(),
    ...(guard === undefined ? {} : { dashboardGuard: guard }),
    dashboardAnalytics: { db, defaultTriggerScore: 70 },
    dashboardMonitor: { db, listMonitors: async () => [], thresholds: { slippageRatio: 1.5, lowLiquidityShare: 0.3 } },
    dashboardSecurity: { db, natsConfPath: NATS_CONF },
  };
}

s('without a guard the routes do not exist', async ({ t }) => {
  const app = buildHttpServer(options(t, undefined));
  try {
    for (const url of PATHS) assert.is((await app.inject({ url, headers: { 'x-test-role': 'admin' } })).statusCode, 404, url);
  } finally { await app.close(); }
});

s('with a guard they answer through it', async ({ t }) => {
  const app = buildHttpServer(options(t, testGuard));
  try {
    for (const url of PATHS) {
      assert.is((await app.inject({ url })).statusCode, 401, url);
      const ok = await app.inject({ url, headers: { 'x-test-role': 'viewer' } });
      assert.is(ok.statusCode, 200, url);
      assert.is(ok.headers['x-test-action'], 'view');
    }
  } finally { await app.close(); }
});

s.run();
