/**
 * The three DASH-DATA tab modules in real Chromium: a tiny harness page (no shell) mounts
 * analytics.js, monitor.js and security.js with a fake ctx whose api() calls the real plugins on
 * a seeded PGlite, under a CSP of 'self' only. Each tab must render its panels with data, uPlot
 * must draw canvases, and the console must stay free of errors.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NATS_CONF } from '../../actors/app/messaging.ts';
import { appendAudits } from '../../adapters/db/audit-log.repo.ts';
import { listMonitorStates } from '../../adapters/db/monitors.repo.ts';
import type { DashboardGuard } from '../../adapters/http/dashboard/analytics-query.ts';
import { analyticsRoutes } from '../../adapters/http/dashboard/analytics.routes.ts';
import { monitorRoutes } from '../../adapters/http/dashboard/monitor.routes.ts';
import { securityRoutes } from '../../adapters/http/dashboard/security.routes.ts';
import { installErrorHandlers } from '../../adapters/http/errors.ts';
import { withPage } from '../helpers/browser.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { H, insertSignalRows, T0 } from './analytics-fixture.ts';

const PUBLIC = join(import.meta.dirname, '../../adapters/http/dashboard/public/tabs');
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:";

const HARNESS_JS = `
const ctx = {
  user: { user: 'alice', role: 'admin' },
  async api(path) {
    const res = await fetch('/ui/api' + path);
    const body = await res.json();
    if (!res.ok) { const e = new Error(body.error.message); e.code = body.error.code; e.status = res.status; throw e; }
    return body;
  },
  sse() { return () => undefined; },
};
const done = [];
for (const id of ['analytics', 'monitor', 'security']) {
  const el = document.createElement('div');
  el.id = 'tab-' + id;
  document.body.append(el);
  const mod = await import('/ui/tabs/' + id + '.js');
  done.push(mod.mount(el, ctx));
}
await Promise.all(done);
document.body.dataset.mounted = 'yes';
`;

const s = suite('DASH-DATA tabs in chromium');

s('analytics, monitor and security render with data and no console errors under CSP self', async () => {
  const t = await createTestDatabase('pglite');
  const db = t.database.db;
  const app = Fastify({ logger: false });
  try {
    await insertSignalRows(db, [
      { symbol: 'BTC', at: T0 + 9 * H, score: 72, session: 'london', volatility: 'high', trend: 'up' },
      { symbol: 'ETH', at: T0 + 30 * H, score: 81, session: 'newyork', volatility: 'normal', trend: 'down' },
    ]);
    await db.insertInto('scores').values([55, 72, 81].map((score, i) => ({ id: `s${i}`, symbol: 'BTC', timeframe: '1m', open_time: T0 + i * H, score, direction: null, components: '{}', features: '{}' }))).execute();
    await appendAudits(db, [
      { at: T0, actor: 'gateway', action: 'secret.read', subject: 'secret:apiKey' },
      { at: T0 + H, actor: 'execution-gateway', action: 'breaker.tripped', subject: 'breaker', details: { trips: [] } },
    ]);
    const guard: DashboardGuard = () => async () => undefined; // the harness is an admin
    installErrorHandlers(app);
    await app.register(analyticsRoutes, { guard, db, defaultTriggerScore: 70, prefix: '/ui/api' });
    await app.register(monitorRoutes, { guard, db, listMonitors: () => listMonitorStates(db), thresholds: { slippageRatio: 1.5, lowLiquidityShare: 0.3 }, live: () => ({ consumers: [{ consumer: 'bar-builder', pending: 2 }], clock: null }), prefix: '/ui/api' });
    await app.register(securityRoutes, { guard, db, natsConfPath: NATS_CONF, prefix: '/ui/api' });
    app.get('/ui/tabs/:file', async (request, reply) => {
      const file = (request.params as { file: string }).file;
      if (!/^[a-z]+\.js$/.test(file)) return reply.code(404).send('no');
      return reply.type('text/javascript; charset=utf-8').header('content-security-policy', CSP).send(await readFile(join(PUBLIC, file), 'utf8'));
    });
    // the browser asks for it by itself; the harness has none
    app.get('/favicon.ico', async (_r, reply) => reply.code(204).send());
    app.get('/harness.js', async (_r, reply) => reply.type('text/javascript; charset=utf-8').send(HARNESS_JS));
    app.get('/', async (_r, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send('<!doctype html><html><head><title>harness</title></head><body><script type="module" src="/harness.js"></script></body></html>'));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });

    await withPage(async (page) => {
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
      await page.goto(url);
      await page.waitForSelector('body[data-mounted="yes"]', { timeout: 30_000 });
      const text = (id: string) => page.locator(`#tab-${id}`).innerText();
      const analytics = await text('analytics');
      assert.match(analytics, /2 signals, UTC/);
      assert.match(analytics, /trigger 70\.0/);
      assert.match(analytics, /london/);
      const monitor = await text('monitor');
      assert.match(monitor, /Breaker: unknown/);
      assert.match(monitor, /bar-builder/);
      assert.match(monitor, /breaker\.tripped/);
      const security = await text('security');
      assert.match(security, /pipeline/);
      assert.match(security, /risk\.trip\.manual/);
      assert.match(security, /intact: 2 entries verified/);
      assert.match(security, /secret:apiKey/);
      // uPlot drew the histogram (the heatmap is a table, not a canvas)
      assert.ok((await page.locator('#tab-analytics canvas').count()) >= 1, 'no uPlot canvas in analytics');
      assert.equal(problems, []);
    });
  } finally {
    await app.close();
    await t.cleanup();
  }
});

s.run();
