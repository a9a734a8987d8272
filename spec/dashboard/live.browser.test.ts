/**
 * The dashboard in a real Chromium (playwright-core, spec/helpers/browser.ts) against a whole
 * running app (its own nats-server, embedded PGlite, real HTTP): log in; a webhook bar that makes
 * a signal shows up in the open page's feed without a reload; the gated order it makes waits for
 * approval, a wrong TOTP code shows the refusal, a valid one (from the independent RFC 6238
 * implementation in spec/auth/reference-totp.ts) approves it and it fills on the next bar; a
 * viewer sees no approve and no breaker control and is answered 403 by the API; a trader trips the
 * breaker (a missing reason named) and the state shows open, the approver resets it with a TOTP
 * code (a wrong one refused) and it shows closed; a cross-site form POST and a
 * POST without the CSRF token are refused; the Live and Config tabs render with data and no
 * console errors; a screenshot of every tab goes to spec/.screenshots/ (git-ignored).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createAuthService } from '../../actors/auth/auth.service.ts';
import { lockoutPolicy } from '../../actors/auth/lockout.ts';
import { referenceCode, stepOf } from '../auth/reference-totp.ts';
import { REPO, startTestApp, writeFtxSlice, type FtxRow, type TestApp } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { until } from '../e2e/sse-client.ts';

const SYMBOL = 'BTC-PERP';
const SECRET = 'test-secret-123';
const SHOTS = join(REPO, 'spec', '.screenshots');
/** the first 1m signal of the FTX file is on row 133 (spec/e2e/signals.e2e.test.ts); row 134 closes its bar */
const FIRST_SIGNAL_ROW = 133;
const PASSWORDS = { ann: 'ann-dashboard-pass-1', vic: 'vic-dashboard-pass-2', tom: 'tom-dashboard-pass-3' };
const SEED = Buffer.alloc(20, 7);
const TABS = ['live', 'config', 'analytics', 'monitor', 'security', 'actors'];

interface Ctx { t: TestApp; url: string; dir: string; rows: FtxRow[]; browser: Browser; errors: string[] }
const s = suite<Ctx>('dashboard in a browser');

s.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'fakeout-dash-'));
  ctx.rows = writeFtxSlice(ctx.dir, 200).rows;
  ctx.t = await startTestApp({
    kind: 'pglite',
    env: { FAKEOUT_TIMEFRAMES: '1m', FAKEOUT_WEBHOOK_MAX_AGE_DAYS: '3650', FAKEOUT_GATED_TRADES: '1', FAKEOUT_NOISE_BPS: '0', FAKEOUT_SIGNAL_MAX_AGE: '86400', FAKEOUT_APPROVAL_TTL: '86400', FAKEOUT_BREAKER_COOLDOWN: '0' },
  });
  ctx.url = ctx.t.app.httpUrl()!;
  const db = ctx.t.app.database.db;
  const auth = createAuthService({ db, clock: { now: () => Date.now() }, lockout: lockoutPolicy(5, 900), secretsDir: join(ctx.dir, 'secrets'), operator: 'test', random: (k) => Buffer.alloc(k, 7) });
  await auth.addUser('ann', 'approver', PASSWORDS.ann);
  await auth.addUser('vic', 'viewer', PASSWORDS.vic);
  await auth.addUser('tom', 'trader', PASSWORDS.tom);
  await auth.enrollTotp('ann');
  ctx.browser = await launchBrowser();
  ctx.errors = [];
  mkdirSync(SHOTS, { recursive: true });
});
s.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.t?.cleanup();
  rmSync(ctx.dir, { recursive: true, force: true });
});

async function postBar(url: string, r: FtxRow): Promise<number> {
  const res = await fetch(`${url}/webhook/tradingview`, {
    method: 'POST', headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ secret: SECRET, symbol: SYMBOL, interval: '1', time: new Date(r.ts).toISOString(), open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** A page that records its console errors and uncaught exceptions into `errors`. */
async function openPage(context: BrowserContext, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return page;
}

async function login(page: Page, url: string, user: keyof typeof PASSWORDS): Promise<void> {
  await page.goto(`${url}/ui/`);
  await page.fill('#login-form input[name=user]', user);
  await page.fill('#login-form input[name=password]', PASSWORDS[user]);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#tab[data-tab=live][data-ready=true]', { timeout: 15_000 });
}

let ann: Page;
let annContext: BrowserContext;

s('an approver logs in; the Live tab renders with no console errors; a webhook signal appears without a reload', async (ctx) => {
  // a few bars short of the first signal, so the feed starts empty whatever closes a bar early
  for (const r of ctx.rows.slice(0, FIRST_SIGNAL_ROW - 5)) assert.is(await postBar(ctx.url, r), 202);
  await ctx.t.app.waitForIdle({ timeoutMs: 30_000, pollMs: 100 });
  annContext = await ctx.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  ann = await openPage(annContext, ctx.errors);
  await login(ann, ctx.url, 'ann');
  assert.is(await ann.textContent('#who'), 'ann (approver)');
  assert.not.ok(await ann.isVisible('#login'), 'the login form is gone once logged in');
  assert.is(await ann.locator('#signal-feed tr').count(), 0, 'no signal yet');
  await ann.waitForFunction(() => Number(document.getElementById('chart')?.dataset['bars']) > 100, undefined, { timeout: 10_000 });
  assert.ok((await ann.locator('#chart canvas').count()) > 0, 'lightweight-charts drew');
  const navigations: string[] = [];
  ann.on('framenavigated', (f) => navigations.push(f.url()));
  for (const r of ctx.rows.slice(FIRST_SIGNAL_ROW - 5, FIRST_SIGNAL_ROW + 2)) assert.is(await postBar(ctx.url, r), 202);
  await ann.waitForSelector('#signal-feed tr[data-id]', { timeout: 20_000 });
  const id = await ann.getAttribute('#signal-feed tr[data-id]', 'data-id');
  assert.match(String(id), new RegExp(`^${SYMBOL}:1m:`));
  assert.equal(navigations, [], 'the page was not reloaded');
  await ann.waitForFunction(() => (document.getElementById('chart')?.dataset['markerKinds'] ?? '').includes('signal'), undefined, { timeout: 10_000 });
  assert.equal(ctx.errors, []);
});

s('the gated order waits; a wrong code shows the refusal; a valid code approves it and it fills', async (ctx) => {
  await ann.waitForSelector('#pending tr[data-order] button.approve', { timeout: 20_000 });
  const order = (await ann.getAttribute('#pending tr[data-order]', 'data-order'))!;
  assert.match(order, /:entry$/);
  const row = ann.locator(`#pending tr[data-order="${order}"]`);
  const before = ctx.errors.length;
  const now = stepOf(Date.now());
  // a code that is right for no step in the ±1 window
  let wrong = '000000';
  while ([now - 1, now, now + 1].some((st) => referenceCode(SEED, st) === wrong)) wrong = String(Number(wrong) + 1).padStart(6, '0');
  await row.locator('input.totp').fill(wrong);
  await row.locator('button.approve').click();
  await ann.waitForSelector('#decision-message.error', { timeout: 10_000 });
  assert.match(String(await ann.textContent('#decision-message')), /wrong code/);
  // the browser logs the refused request (401) itself; nothing else may appear
  assert.ok(ctx.errors.slice(before).every((e) => /Failed to load resource.*401/.test(e)), ctx.errors.slice(before).join('\n'));
  ctx.errors.length = before;

  await row.locator('input.totp').fill(referenceCode(SEED, stepOf(Date.now())));
  await row.locator('button.approve').click();
  await ann.waitForSelector('#decision-message.ok', { timeout: 10_000 });
  // the paper broker fills at the next bar
  for (const r of ctx.rows.slice(FIRST_SIGNAL_ROW + 2, FIRST_SIGNAL_ROW + 6)) assert.is(await postBar(ctx.url, r), 202);
  await ann.waitForSelector(`#recent-orders tr[data-order="${order}"][data-status=filled], #recent-orders tr[data-order="${order}"][data-status=closed]`, { timeout: 20_000 });
  const filled = await ctx.t.app.database.db.selectFrom('fills').select('client_order_id').where('client_order_id', '=', order).execute();
  assert.is(filled.length, 1, 'one fill in the database');
  assert.is(await ann.locator(`#pending tr[data-order="${order}"]`).count(), 0, 'no longer waiting');
  assert.equal(ctx.errors, []);
});

s('a viewer sees no approve or breaker control, and the approve and breaker APIs answer 403 for them', async (ctx) => {
  const context = await ctx.browser.newContext();
  try {
    const page = await openPage(context, ctx.errors);
    await login(page, ctx.url, 'vic');
    await page.waitForSelector('#pending tr');
    assert.is(await page.locator('button.approve').count(), 0);
    await page.waitForSelector('#breaker-state');
    assert.is(await page.locator('#breaker-controls button, #breaker-controls input').count(), 0, 'no trip or reset control');
    for (const [path, body] of [['/orders/anything/approve', { code: '123456' }], ['/breaker/trip', { reason: 'x' }], ['/breaker/reset', { code: '123456' }]] as const) {
      const res = await page.evaluate(async ([p, b]) => {
        const { token } = await (await fetch('/ui/api/csrf')).json();
        const r = await fetch(`/ui/api${p}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token }, body: JSON.stringify(b) });
        return { status: r.status, body: await r.json() };
      }, [path, body] as const);
      assert.is(res.status, 403, path);
      assert.is(res.body.error.code, 'FAKEOUT_ERR_AUTH_FORBIDDEN', path);
    }
    ctx.errors.length = 0; // the 403 above is logged by the browser as a failed resource
  } finally {
    await context.close();
  }
});

const breakerShows = (page: Page, state: string) =>
  page.waitForFunction((st) => document.getElementById('breaker-state')?.textContent === st, state, { timeout: 20_000 });

s('a trader trips the breaker (the reason required) and it shows open; the approver resets it with a TOTP code and it shows closed', async (ctx) => {
  const db = ctx.t.app.database.db;
  const context = await ctx.browser.newContext();
  try {
    const tom = await openPage(context, ctx.errors);
    await login(tom, ctx.url, 'tom');
    await breakerShows(tom, 'closed');
    // the CSRF secret gone (as after a server restart the HMAC key is): the page gets a new token and retries once
    await context.clearCookies({ name: '_csrf' });
    assert.is(await tom.locator('#breaker-reset').count(), 0, 'a trader may trip, not reset');
    await tom.click('#breaker-trip');
    await tom.waitForSelector('#breaker-message.error');
    assert.match(String(await tom.textContent('#breaker-message')), /reason/);
    await tom.fill('#breaker-reason', 'drill from the browser');
    await tom.click('#breaker-trip');
    await tom.waitForSelector('#breaker-message.ok');
    await breakerShows(tom, 'open');
  } finally {
    await context.close();
  }
  await breakerShows(ann, 'open');
  const now = stepOf(Date.now());
  let wrong = '000000';
  while ([now - 1, now, now + 1, now + 2].some((st) => referenceCode(SEED, st) === wrong)) wrong = String(Number(wrong) + 1).padStart(6, '0');
  await ann.fill('#breaker-code', wrong);
  await ann.click('#breaker-reset');
  await ann.waitForSelector('#breaker-message.error');
  assert.match(String(await ann.textContent('#breaker-message')), /wrong code/);
  // the next step's code: the approval above may have used up this step's
  await ann.fill('#breaker-code', referenceCode(SEED, now + 1));
  await ann.click('#breaker-reset');
  await ann.waitForSelector('#breaker-message.ok');
  await breakerShows(ann, 'closed');
  const audit = await db.selectFrom('audit_log').select(['actor', 'action']).where('action', 'in', ['breaker.trip_published', 'breaker.reset_requested', 'breaker.reset']).orderBy('seq').execute();
  assert.equal(audit.filter((e) => e.action !== 'breaker.reset').map((e) => `${e.actor} ${e.action}`), ['tom breaker.trip_published', 'ann breaker.reset_requested']);
  assert.ok(audit.some((e) => e.action === 'breaker.reset'), 'the breaker machine closed it (audited by the gateway)');
  // the refused requests (400, 401, the 403 retried) are logged by the browser; nothing else may appear
  assert.ok(ctx.errors.every((e) => /Failed to load resource.*40[013]/.test(e)), ctx.errors.join('\n'));
  ctx.errors.length = 0;
});

s('a cross-site form POST and a same-site POST without the CSRF token are refused', async (ctx) => {
  // a page from another site posting a form at the dashboard with the approver's browser
  const evil = await annContext.newPage();
  await evil.setContent(`<form id="f" method="POST" action="${ctx.url}/ui/api/logout" enctype="text/plain"><input name='{"x":"' value='"}'></form>`);
  await Promise.all([evil.waitForNavigation(), evil.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit())]);
  assert.match(String(await evil.textContent('body')), /FAKEOUT_ERR_DASHBOARD_CSRF/);
  await evil.close();
  const res = await ann.evaluate(async () => (await fetch('/ui/api/logout', { method: 'POST' })).status);
  assert.is(res, 403);
  ctx.errors.length = 0; // the refused requests above
  const me = await ann.evaluate(async () => (await fetch('/ui/api/me')).status);
  assert.is(me, 200, 'still logged in: neither logout happened');
});

s('the Config tab checks a change against the rules (naming the parameter) and records a proposal', async (ctx) => {
  await ann.evaluate(() => { location.hash = '#config'; });
  await ann.waitForSelector('#tab[data-tab=config][data-ready=true]');
  await ann.fill('input[data-name=triggerScore]', '250');
  await ann.click('#config-check');
  await ann.waitForSelector('#config-message.error');
  assert.match(String(await ann.textContent('#config-message')), /triggerScore/);
  ctx.errors.length = 0; // the refused check (400) is logged by the browser
  await ann.fill('input[data-name=triggerScore]', '75');
  await ann.fill('#config-reason', 'fewer, stronger signals');
  await ann.click('#config-propose');
  await ann.waitForSelector('#config-proposals tr[data-proposal]');
  assert.match(String(await ann.textContent('#config-proposals tr[data-proposal]')), /triggerScore = 75.*fewer, stronger signals.*proposed/);
  const stored = await ctx.t.app.database.db.selectFrom('config_proposals').select(['proposed_by', 'state']).execute();
  assert.equal(stored, [{ proposed_by: 'ann', state: 'proposed' }]);
  assert.equal(ctx.errors, []);
});

s('every tab renders (Live and Config with data, no console errors) and is saved as a screenshot', async (ctx) => {
  for (const id of TABS) {
    await ann.evaluate((h) => { location.hash = h; }, `#${id}`);
    await ann.waitForSelector(`#tab[data-tab=${id}][data-ready=true]`, { timeout: 15_000 });
    if (id === 'config') {
      assert.is(await ann.locator('#config-params tr').count(), 16, 'every governed parameter');
      assert.ok(Number(await ann.textContent('#config-params td[data-param=triggerScore]')) > 0);
      assert.ok((await ann.locator('#config-history tr').count()) >= 1, 'the seeded version');
    }
    await ann.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    // A table whose body does not sit under its header is unreadable (a layout class once turned
    // the monitor's tables into two side-by-side columns): each first body cell starts at its header's left edge, below it.
    const misplaced = await ann.evaluate(() => [...document.querySelectorAll('#tab table')].flatMap((t) => {
      const th = t.querySelector('thead th');
      const td = t.querySelector('tbody tr > :first-child');
      if (!th || !td) return [];
      const a = th.getBoundingClientRect();
      const b = td.getBoundingClientRect();
      return Math.abs(a.left - b.left) <= 1 && b.top >= a.bottom - 1 ? [] : [`${th.textContent} (${a.left},${a.bottom}) vs ${td.textContent} (${b.left},${b.top})`];
    }));
    assert.equal(misplaced, [], `${id}: every table's body under its header`);
    // A JS value rendered as text ("null", "undefined", "NaN") is a rendering bug, not data.
    const stray = await ann.evaluate(() => {
      const out: string[] = [];
      const walk = document.createTreeWalker(document.querySelector('#tab')!, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) if (/^(null|undefined|NaN|\[object Object\])$/.test((n.textContent ?? '').trim())) out.push(n.parentElement?.tagName ?? '?');
      return out;
    });
    assert.equal(stray, [], `${id}: no stray null/undefined/NaN text`);
    await ann.screenshot({ path: join(SHOTS, `dashboard-${id}.png`), fullPage: true });
  }
  assert.equal(ctx.errors, []);
});

s.run();
