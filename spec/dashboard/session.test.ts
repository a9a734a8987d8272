/**
 * Dashboard sessions through inject(): login against the Postgres users, the cookie's flags, only
 * a hash stored, expiry and idle timeout on the injected clock, logout, CSRF on every non-GET
 * /ui/api route, the login rate limits, the guard's 401/403, bad bodies named, the audit entries
 * and the security headers. Expected hashes are computed here with node:crypto, not by the code.
 */
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tailAudit } from '../../adapters/db/audit-log.repo.ts';
import { Agent, PASSWORDS, loggedIn, makeDashboard, setCookies, type DashFixture } from './fixture.ts';

const s = suite<{ f: DashFixture; t0: number }>('dashboard sessions');
// One server and database for the suite (users cost a scrypt hash each); each test starts clean.
s.before(async (ctx) => {
  ctx.f = await makeDashboard();
  ctx.t0 = ctx.f.clock.t;
});
s.before.each(async ({ f, t0 }) => {
  const db = f.db.database.db;
  await db.deleteFrom('dashboard_sessions').execute();
  await db.updateTable('auth_state').set({ failures: '[]', locked_until: null }).execute();
  await db.updateTable('users').set({ role: 'approver' }).where('name', '=', 'ann').execute();
  // a day later each test: earlier tests' audit entries and lock counts lie outside its window
  f.clock.t = Math.max(f.clock.t, t0) + 24 * 3_600_000;
  f.calls.length = 0;
});
s.after(async (ctx) => {
  await ctx.f.cleanup();
});

const code = (res: { json(): unknown }) => (res.json() as { error: { code: string; field?: string; message: string } }).error;

s('the bare host and /ui lead to the dashboard page, which is served without a session', async ({ f }) => {
  for (const url of ['/', '/ui']) {
    const res = await f.app.inject({ method: 'GET', url });
    assert.is(res.statusCode, 302, url);
    assert.is(res.headers.location, '/ui/', url);
  }
  const page = await f.app.inject({ method: 'GET', url: '/ui/' });
  assert.is(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
});

s('no session: every guarded route answers 401 in the shared error shape', async ({ f }) => {
  const a = new Agent(f.app);
  await a.fetchCsrf();
  for (const [method, url] of [['GET', '/ui/api/me'], ['GET', '/ui/api/signals'], ['GET', '/ui/api/state'], ['GET', '/ui/api/config'], ['POST', '/ui/api/orders/x/approve']] as const) {
    const res = await a.request(method, url, method === 'POST' ? { code: '123456' } : undefined);
    assert.is(res.statusCode, 401, url);
    assert.is(code(res).code, 'FAKEOUT_ERR_DASHBOARD_UNAUTHENTICATED', url);
  }
  assert.equal(f.calls, []);
});

s('a login sets an HttpOnly SameSite=Strict cookie under /ui, stores only its sha256, and audits it', async ({ f }) => {
  const a = new Agent(f.app);
  const res = await a.login('ann', PASSWORDS.ann);
  assert.is(res.statusCode, 200);
  const body = res.json() as { user: string; role: string; permissions: string[] };
  assert.is(body.user, 'ann');
  assert.is(body.role, 'approver');
  assert.ok(body.permissions.includes('orders.approve') && !body.permissions.includes('users.manage'));
  const line = setCookies(res).get('fakeout-session')!;
  assert.match(line, /HttpOnly/);
  assert.match(line, /SameSite=Strict/);
  assert.match(line, /Path=\/ui/);
  assert.not.match(line, /Secure/, 'plain http: no Secure flag (the browser would drop the cookie)');
  const id = a.cookies.get('fakeout-session')!;
  assert.is(Buffer.from(id, 'base64url').length, 32, '32 random bytes');
  const rows = await f.db.database.db.selectFrom('dashboard_sessions').selectAll().execute();
  assert.is(rows.length, 1);
  assert.is(rows[0]!.id_sha256, createHash('sha256').update(id).digest('hex'));
  assert.not.ok(JSON.stringify(rows).includes(id), 'the id itself is stored nowhere');
  const me = await a.request('GET', '/ui/api/me');
  assert.is(me.statusCode, 200);
  assert.is((me.json() as { user: string }).user, 'ann');
  const audit = await tailAudit(f.db.database.db, 5);
  const entry = audit.find((e) => e.action === 'session.login' && e.at === f.clock.t)!;
  assert.is(entry.actor, 'ann');
  assert.is(entry.details['remote'], '127.0.0.1');
});

s('behind an https proxy (trusted X-Forwarded-Proto) the session cookie is Secure', async () => {
  const f = await makeDashboard({ server: { trustProxy: true } });
  try {
    const a = new Agent(f.app);
    await a.fetchCsrf();
    const res = await a.request('POST', '/ui/api/login', { user: 'vic', password: PASSWORDS.vic }, { headers: { 'x-forwarded-proto': 'https' } });
    assert.is(res.statusCode, 200);
    assert.match(setCookies(res).get('fakeout-session')!, /Secure/);
  } finally {
    await f.cleanup();
  }
});

s('a wrong password is refused with one answer, audited with the reason, and counts towards the lock', async ({ f }) => {
  const a = new Agent(f.app);
  const res = await a.login('ann', 'not-the-password');
  assert.is(res.statusCode, 401);
  assert.is(code(res).code, 'FAKEOUT_ERR_AUTH_PASSWORD_WRONG');
  const unknown = await a.login('nobody', 'whatever-password');
  assert.is(unknown.statusCode, 401);
  assert.is(code(unknown).message, code(res).message, 'unknown user and wrong password look the same');
  assert.not.ok(setCookies(res).has('fakeout-session'));
  const refused = (await tailAudit(f.db.database.db, 10)).filter((e) => e.action === 'session.login_refused' && e.at === f.clock.t);
  assert.equal(refused.map((e) => [e.actor, e.details['why']]), [['ann', 'wrong password'], ['nobody', 'unknown user']]);
  const state = await f.db.database.db.selectFrom('auth_state').select('failures').where('user_name', '=', 'ann').executeTakeFirstOrThrow();
  assert.equal(state.failures, [f.clock.t]);
});

s('a locked user cannot log in, even with the right password (423)', async ({ f }) => {
  const a = new Agent(f.app);
  for (let i = 0; i < 5; i++) assert.is((await a.login('tom', 'wrong-password-x')).statusCode, 401);
  const res = await a.login('tom', PASSWORDS.tom);
  assert.is(res.statusCode, 423);
  assert.is(code(res).code, 'FAKEOUT_ERR_AUTH_LOCKED');
});

s('a session ends at its absolute expiry and after the idle timeout (401 saying which), and its row goes', async ({ f }) => {
  const a = await loggedIn(f.app, 'vic');
  f.clock.t += 29 * 60_000;
  assert.is((await a.request('GET', '/ui/api/me')).statusCode, 200, '29 min idle: still live (and refreshed)');
  f.clock.t += 29 * 60_000;
  assert.is((await a.request('GET', '/ui/api/me')).statusCode, 200, 'refreshed 29 min ago: still live');
  f.clock.t += 30 * 60_000;
  const idle = await a.request('GET', '/ui/api/me');
  assert.is(idle.statusCode, 401);
  assert.match(code(idle).message, /idle/);
  assert.is((await f.db.database.db.selectFrom('dashboard_sessions').selectAll().execute()).length, 0);

  const b = await loggedIn(f.app, 'vic');
  for (let i = 0; i < 30; i++) {
    f.clock.t += 29 * 60_000;
    const r = await b.request('GET', '/ui/api/me');
    if (r.statusCode !== 200) {
      assert.is(r.statusCode, 401);
      assert.match(code(r).message, /expired/);
      assert.ok(i * 29 * 60_000 < 12 * 3_600_000 && (i + 1) * 29 * 60_000 >= 12 * 3_600_000, `ended at step ${i + 1}, the first past 12 h`);
      return;
    }
  }
  assert.unreachable('the session never expired');
});

s('logout ends the session (row deleted, cookie cleared, audited); the old cookie is refused', async ({ f }) => {
  const a = await loggedIn(f.app, 'ann');
  const old = a.cookies.get('fakeout-session')!;
  const res = await a.request('POST', '/ui/api/logout');
  assert.is(res.statusCode, 200);
  assert.not.ok(a.cookies.has('fakeout-session'));
  assert.is((await f.db.database.db.selectFrom('dashboard_sessions').selectAll().execute()).length, 0);
  const replay = await f.app.inject({ method: 'GET', url: '/ui/api/me', headers: { cookie: `fakeout-session=${old}` } });
  assert.is(replay.statusCode, 401);
  assert.ok((await tailAudit(f.db.database.db, 3)).some((e) => e.action === 'session.logout' && e.actor === 'ann' && e.at === f.clock.t));
});

s('every non-GET /ui/api route refuses a missing or forged CSRF token with 403, and nothing happens', async ({ f }) => {
  const a = await loggedIn(f.app, 'ann');
  const posts: [string, unknown][] = [
    ['/ui/api/orders/o1/approve', { code: '123456' }],
    ['/ui/api/orders/o1/reject', { reason: 'no' }],
    ['/ui/api/config/proposals', { changes: { triggerScore: 70 }, reason: 'x' }],
    ['/ui/api/config/proposals/p/approve', { code: '123456' }],
    ['/ui/api/logout', {}],
    ['/ui/api/login', { user: 'ann', password: PASSWORDS.ann }],
  ];
  for (const [url, body] of posts) {
    for (const token of [null, 'forged-token', `${a.csrf.slice(0, -2)}xx`]) {
      const res = await a.request('POST', url, body, { csrf: token });
      assert.is(res.statusCode, 403, `${url} with ${token}`);
      assert.is(code(res).code, 'FAKEOUT_ERR_DASHBOARD_CSRF', url);
    }
  }
  assert.equal(f.calls, []);
  assert.is((await a.request('GET', '/ui/api/me')).statusCode, 200, 'still logged in: logout was refused too');
  // a token is bound to its secret cookie: another agent's valid token does not work with ours
  const b = new Agent(f.app);
  await b.fetchCsrf();
  const cross = await a.request('POST', '/ui/api/orders/o1/approve', { code: '123456' }, { csrf: b.csrf });
  assert.is(cross.statusCode, 403);
});

s('a CSRF token is bound to its session: with the same secret cookie but another session\'s cookie it is refused (403)', async ({ f }) => {
  const ann = await loggedIn(f.app, 'ann');
  const tom = await loggedIn(f.app, 'tom');
  // tom's browser carrying ann's secret cookie and ann's token (a planted or shared _csrf), but its own session
  const mixed = new Agent(f.app);
  mixed.cookies = new Map([...ann.cookies, ['fakeout-session', tom.cookies.get('fakeout-session')!]]);
  const refused = await mixed.request('POST', '/ui/api/breaker/trip', { reason: 'not mine' }, { csrf: ann.csrf });
  assert.is(refused.statusCode, 403);
  assert.is(code(refused).code, 'FAKEOUT_ERR_DASHBOARD_CSRF');
  // a token issued before login (bound to no session) with the secret it came with, after the login
  const anon = new Agent(f.app);
  await anon.fetchCsrf();
  const early = anon.csrf;
  const secret = anon.cookies.get('_csrf')!;
  assert.is((await anon.login('tom', PASSWORDS.tom)).statusCode, 200);
  anon.cookies.set('_csrf', secret);
  assert.is((await anon.request('POST', '/ui/api/breaker/trip', { reason: 'x' }, { csrf: early })).statusCode, 403, 'the pre-login token');
  assert.equal(f.calls, []);
  // each session's own token with its own cookies works; the same token after logout is refused
  assert.is((await tom.request('POST', '/ui/api/breaker/trip', { reason: 'mine' })).statusCode, 202);
  assert.is((await ann.request('POST', '/ui/api/breaker/trip', { reason: 'mine too' })).statusCode, 202);
  assert.equal(f.calls.map((c) => c.user), ['tom', 'ann']);
  const csrfBefore = ann.csrf;
  assert.is((await ann.request('POST', '/ui/api/logout', {})).statusCode, 200);
  await ann.fetchCsrf();
  assert.is((await ann.login('ann', PASSWORDS.ann)).statusCode, 200);
  assert.is((await ann.request('POST', '/ui/api/breaker/trip', { reason: 'new session' })).statusCode, 202);
  assert.is((await ann.request('POST', '/ui/api/breaker/trip', { reason: 'stale' }, { csrf: csrfBefore })).statusCode, 403, 'the old session\'s token');
  // sessions that end (past the 12 h lifetime): a POST with its token still reaches the guard (401,
  // log in again; not a CSRF 403), and the token of GET /csrf, whose answer clears the cookie, logs in
  f.clock.t += 13 * 3_600_000;
  const over = await tom.request('POST', '/ui/api/breaker/trip', { reason: 'late' });
  assert.equal([over.statusCode, code(over).code], [401, 'FAKEOUT_ERR_DASHBOARD_UNAUTHENTICATED']);
  await ann.fetchCsrf();
  assert.not.ok(ann.cookies.has('fakeout-session'), 'the ended session\'s cookie is cleared');
  assert.is((await ann.login('ann', PASSWORDS.ann)).statusCode, 200);
  assert.equal(f.calls.map((c) => (c.body as { reason: string }).reason), ['mine', 'mine too', 'new session']);
});

s('the guard answers 403 for a role that may not, and passes the session user to the service', async ({ f }) => {
  const vic = await loggedIn(f.app, 'vic');
  const tom = await loggedIn(f.app, 'tom');
  const ann = await loggedIn(f.app, 'ann');
  for (const a of [vic, tom]) {
    const res = await a.request('POST', '/ui/api/orders/o1/approve', { code: '123456' });
    assert.is(res.statusCode, 403);
    assert.is(code(res).code, 'FAKEOUT_ERR_AUTH_FORBIDDEN');
  }
  assert.is((await vic.request('POST', '/ui/api/config/proposals', { changes: { triggerScore: 70 }, reason: 'x' })).statusCode, 403, 'a viewer may not propose');
  assert.is((await tom.request('POST', '/ui/api/config/proposals/p1/approve', { code: '123456' })).statusCode, 403, 'a trader may not approve config');
  assert.equal(f.calls, []);
  const ok = await ann.request('POST', '/ui/api/orders/o1/approve', { code: '123456' });
  assert.is(ok.statusCode, 202);
  assert.equal(f.calls, [{ kind: 'approve', id: 'o1', body: { code: '123456' }, user: 'ann' }]);
  const viewerReads = await vic.request('GET', '/ui/api/state');
  assert.is(viewerReads.statusCode, 200);
});

s('a role change applies to an open session at once', async ({ f }) => {
  const ann = await loggedIn(f.app, 'ann');
  await f.db.database.db.updateTable('users').set({ role: 'viewer' }).where('name', '=', 'ann').execute();
  const res = await ann.request('POST', '/ui/api/orders/o1/approve', { code: '123456' });
  assert.is(res.statusCode, 403);
});

s('bad bodies and queries are 400 naming the field, before any service call', async ({ f }) => {
  const a = new Agent(f.app);
  await a.fetchCsrf();
  const cases: [string, unknown, string][] = [
    ['/ui/api/login', { user: 'ann' }, 'password'],
    ['/ui/api/login', { password: 'x' }, 'user'],
    ['/ui/api/login', { user: 'ann', password: 'x', remember: true }, 'remember'],
    ['/ui/api/login', { user: 'a b', password: 'x' }, 'user'],
    ['/ui/api/login', [1, 2], 'body'],
  ];
  for (const [url, body, field] of cases) {
    const res = await a.request('POST', url, body);
    assert.is(res.statusCode, 400, JSON.stringify(body));
    assert.is(code(res).code, 'FAKEOUT_ERR_DASHBOARD_INVALID');
    assert.is(code(res).field, field, JSON.stringify(body));
  }
  const ann = await loggedIn(f.app, 'ann');
  const more: [string, 'GET' | 'POST', unknown, string][] = [
    ['/ui/api/orders/o1/approve', 'POST', { code: 123456 }, 'code'],
    ['/ui/api/orders/o1/approve', 'POST', { code: '123456', user: 'ada' }, 'user'],
    ['/ui/api/orders/o1/reject', 'POST', {}, 'reason'],
    ['/ui/api/config/proposals/p/approve', 'POST', {}, 'code'],
    ['/ui/api/chart?symbol=BTC-PERP', 'GET', undefined, 'timeframe'],
    ['/ui/api/chart?symbol=BTC-PERP&timeframe=1m&limit=5000', 'GET', undefined, 'limit'],
    ['/ui/api/chart?symbol=BTC-PERP&timeframe=1m&x=1', 'GET', undefined, 'x'],
    ['/ui/api/signals?limit=0', 'GET', undefined, 'limit'],
  ];
  for (const [url, method, body, field] of more) {
    const res = await ann.request(method, url, body);
    assert.is(res.statusCode, 400, url);
    assert.is(code(res).field, field, url);
  }
  assert.equal(f.calls, []);
});

s('security headers with a CSP of self only on /ui; the rest of the server is untouched', async ({ f }) => {
  const page = await f.app.inject({ method: 'GET', url: '/ui/' });
  assert.is(page.statusCode, 200);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.not.match(csp, /unsafe-inline|unsafe-eval|upgrade-insecure-requests/);
  assert.is(page.headers['x-content-type-options'], 'nosniff');
  const health = await f.app.inject({ method: 'GET', url: '/healthz' });
  assert.is(health.headers['content-security-policy'], undefined);
});

s('a process without decisions answers 503 for approve, not 404 or a crash', async () => {
  const f = await makeDashboard({ decisions: false });
  try {
    const ann = await loggedIn(f.app, 'ann');
    const res = await ann.request('POST', '/ui/api/orders/o1/approve', { code: '123456' });
    assert.is(res.statusCode, 503);
    assert.is(code(res).code, 'FAKEOUT_ERR_DASHBOARD_UNAVAILABLE');
  } finally {
    await f.cleanup();
  }
});

s.run();
