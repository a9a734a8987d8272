/**
 * The Actors tab (public/tabs/actors.js) in real Chromium, under the dashboard's CSP ('self'
 * only), over the real API plugin, a real supervisor of the test machines and a real transition
 * stream. The shell (DASH-CORE's app.js) is stood in for by a small harness page building the
 * same `ctx` (api, sse, can); the test guard reads a `test-role` cookie.
 */
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Fastify, { type FastifyInstance, type preHandlerAsyncHookHandler } from 'fastify';
import fastifyStatic from '@fastify/static';
import { dashboardActorsRoutes } from '../../adapters/http/dashboard/actors.routes.ts';
import { installErrorHandlers } from '../../adapters/http/errors.ts';
import { can, isRole, type Action } from '../../actors/auth/roles.ts';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { Supervisor, TransitionLog, systemDeps, type SupervisionEvent } from '../../supervision/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { harness } from '../supervision/supervision-fixtures.ts';

const s = suite('actors tab in chromium');
const PUBLIC = resolve(import.meta.dirname, '../../adapters/http/dashboard/public');

function cookieGuard(action: Action): preHandlerAsyncHookHandler {
  return async (request) => {
    const role = /(?:^|;\s*)test-role=([a-z]+)/.exec(request.headers.cookie ?? '')?.[1];
    if (role === undefined || !isRole(role)) throw new FakeoutError('FAKEOUT_ERR_AUTH_UNKNOWN_USER', 'log in first');
    if (!can(role, action)) throw new FakeoutError('FAKEOUT_ERR_AUTH_FORBIDDEN', `${role} may not ${action}`);
    (request as unknown as { dashboardUser: unknown }).dashboardUser = { user: `test-${role}`, role };
  };
}

const HARNESS_JS = `
import { mount } from '/ui/tabs/actors.js';
const role = /test-role=([a-z]+)/.exec(document.cookie)[1];
async function api(path, { method = 'GET', body } = {}) {
  const res = await fetch('/ui/api' + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json();
  if (!res.ok) { const e = new Error(data.error.message); e.code = data.error.code; e.status = res.status; throw e; }
  return data;
}
function sse(path, onEvent) {
  const es = new EventSource('/ui/api' + path);
  es.addEventListener('message', (e) => onEvent({ type: 'message', id: e.lastEventId, data: JSON.parse(e.data) }));
  return () => es.close();
}
await mount(document.getElementById('tab'), { user: { user: 'test-' + role, role }, can: (a) => a !== 'actors.fault' || role === 'admin', api, sse });
`;

async function server(): Promise<{ app: FastifyInstance; root: Supervisor; events: SupervisionEvent[]; audits: string[]; url: string }> {
  const h = harness();
  const events: SupervisionEvent[] = [];
  const audits: string[] = [];
  const log = new TransitionLog({ now: () => Date.now() });
  const group = (id: string, children: ReturnType<typeof h.worker>[]) => ({ kind: 'supervisor' as const, id, strategy: 'one_for_one' as const, intensity: { maxRestarts: 5, withinMs: 10_000 }, backoff: { initialMs: 20, maxMs: 20, jitter: 0 }, children });
  const root = new Supervisor(
    { ...group('fakeout', []), children: [group('pipeline', [h.worker('bar-builder'), h.worker('feature-engine')])] },
    systemDeps((e) => {
      events.push(e);
      log.record(e);
    }, { onIncarnation: (path, actor) => log.watch(path, actor) }),
  );
  await root.start();
  const app = Fastify({ logger: false });
  installErrorHandlers(app);
  // the dashboard's policy (DASH-CORE's helmet CSP): nothing but the page's own origin
  app.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:");
  });
  await app.register(fastifyStatic, { root: PUBLIC, prefix: '/ui/', decorateReply: false });
  app.get('/harness.html', async (_r, reply) => reply.type('text/html').send('<!doctype html><html><head><link rel="stylesheet" href="/ui/tabs/actors.css"></head><body><main id="tab"></main><script type="module" src="/harness.js"></script></body></html>'));
  app.get('/favicon.ico', async (_r, reply) => reply.code(204).send()); // the shell's page has its own; not the tab's business
  app.get('/harness.js', async (_r, reply) => reply.type('text/javascript').send(HARNESS_JS));
  await app.register(dashboardActorsRoutes, {
    prefix: '/ui/api',
    guard: cookieGuard,
    tree: () => log.view(root.tree()),
    transitions: log,
    fault: {
      tree: () => root.tree(),
      inject: (path, reason) => root.injectFault(path, reason),
      now: () => Date.now(),
      audit: async (e) => {
        audits.push(`${e.actor} ${e.subject}`);
      },
    },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, root, events, audits, url };
}

async function withTab(role: string, fn: (page: import('playwright-core').Page, w: Awaited<ReturnType<typeof server>>, problems: string[]) => Promise<void>): Promise<void> {
  const w = await server();
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'test-role', value: role, url: w.url }]);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${w.url}/harness.html`);
    await page.waitForSelector('[data-ready="true"] .actor-row[data-path="fakeout/pipeline/feature-engine"]', { timeout: 10_000 });
    await fn(page, w, problems);
  } finally {
    await browser.close();
    await w.app.close();
    await w.root.stop();
  }
}

s('renders the tree with states, statuses, uptime and restarts, without console errors; a viewer has no fault button', async () => {
  await withTab('viewer', async (page, _w, problems) => {
    const row = page.locator('.actor-row[data-path="fakeout/pipeline/bar-builder"]');
    assert.is(await row.locator('.actor-state').textContent(), 'running');
    assert.is(await row.locator('.badge').textContent(), 'running');
    assert.is(await row.locator('.actor-restarts').textContent(), '0 restarts');
    assert.match((await row.locator('.actor-uptime').textContent()) ?? '', /^\d+ s$/);
    assert.is(await page.locator('button.fault').count(), 0);
    // the recent transitions are there at once (from the tree), newest first, not empty until something moves
    const seqs = (await page.locator('#actors-recent tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq')))));
    assert.ok(seqs.length > 0, 'recent transitions shown on load');
    assert.equal(seqs, [...seqs].sort((a, b) => b - a), 'newest first');
    assert.match((await page.locator('#actors-recent').textContent()) ?? '', 'fakeout/pipeline/bar-builder');
    assert.equal(problems, []);
  });
});

s('an admin injects a fault after confirming; the tab shows the crash and the restart live', async () => {
  await withTab('admin', async (page, w, problems) => {
    page.once('dialog', (d) => void d.accept());
    await page.locator('button.fault[data-path="fakeout/pipeline/feature-engine"]').click();
    await page.waitForSelector('#actors-message.ok', { timeout: 5000 });
    assert.equal(w.audits, ['test-admin actor:fakeout/pipeline/feature-engine']);
    const restarts = page.locator('.actor-row[data-path="fakeout/pipeline/feature-engine"] .actor-restarts');
    await page.waitForFunction(() => document.querySelector('.actor-row[data-path="fakeout/pipeline/feature-engine"] .actor-restarts')?.textContent === '1 restart', undefined, { timeout: 5000 });
    assert.is(await restarts.textContent(), '1 restart');
    assert.ok(w.events.some((e) => e.type === 'restarted' && e.path === 'fakeout/pipeline/feature-engine'));
    const recent = (await page.locator('#actors-recent').textContent()) ?? '';
    assert.match(recent, 'crashed: fault injected: injected from the dashboard by test-admin');
    assert.match(recent, 'restarted #1');
    const seqs = await page.locator('#actors-recent tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-seq')));
    assert.is(new Set(seqs).size, seqs.length, 'no transition listed twice (first read and stream overlap)');
    assert.equal(problems, []);
  });
});

s('a dismissed confirm injects nothing', async () => {
  await withTab('admin', async (page, w) => {
    page.once('dialog', (d) => void d.dismiss());
    await page.locator('button.fault[data-path="fakeout/pipeline/bar-builder"]').click();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(w.audits, []);
    assert.equal(w.events.filter((e) => e.type === 'crashed'), []);
  });
});

s.run();
