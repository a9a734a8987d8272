/**
 * The Live tab's breaker controls through inject(): `POST /ui/api/breaker/trip` `{ reason }` for
 * trader, approver and admin, `POST /ui/api/breaker/reset` `{ code }` for approver and admin (403
 * for the others, before any service call), bad bodies a 400 naming the field, CSRF on both, 503
 * without decisions; and, with the real approvals service behind them, the same checks, audit and
 * publish as `/api/breaker/*`: the session's user, a wrong TOTP refused, a valid one (from the
 * independent RFC 6238 code of spec/auth/reference-totp.ts) publishes the reset.
 * The role table below is written out by hand, not read from actors/auth/roles.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApprovalsService } from '../../actors/auth/approvals.service.ts';
import { createAuthService } from '../../actors/auth/auth.service.ts';
import { lockoutPolicy } from '../../actors/auth/lockout.ts';
import { tailAudit } from '../../adapters/db/audit-log.repo.ts';
import { referenceCode, stepOf } from '../auth/reference-totp.ts';
import { loggedIn, makeDashboard, type DashFixture, type Who } from './fixture.ts';

const error = (res: { json(): unknown }) => (res.json() as { error: { code: string; field?: string; message: string } }).error;

const s = suite<{ f: DashFixture }>('dashboard breaker routes');
s.before(async (ctx) => {
  ctx.f = await makeDashboard();
});
s.before.each(({ f }) => {
  f.calls.length = 0;
});
s.after(async (ctx) => {
  await ctx.f.cleanup();
});

// by hand: the kill switch for anyone trusted with orders, the reset for approvers and admins
const MAY: Record<Who, { trip: boolean; reset: boolean }> = {
  vic: { trip: false, reset: false },
  tom: { trip: true, reset: false },
  ann: { trip: true, reset: true },
  ada: { trip: true, reset: true },
};

s('trip is for trader, approver and admin, reset for approver and admin; the others get 403 and nothing is called', async ({ f }) => {
  for (const who of Object.keys(MAY) as Who[]) {
    f.calls.length = 0;
    const a = await loggedIn(f.app, who);
    const trip = await a.request('POST', '/ui/api/breaker/trip', { reason: `drill by ${who}` });
    const reset = await a.request('POST', '/ui/api/breaker/reset', { code: '123456' });
    assert.is(trip.statusCode, MAY[who].trip ? 202 : 403, `${who} trip`);
    assert.is(reset.statusCode, MAY[who].reset ? 202 : 403, `${who} reset`);
    for (const [res, may] of [[trip, MAY[who].trip], [reset, MAY[who].reset]] as const) {
      if (!may) assert.is(error(res).code, 'FAKEOUT_ERR_AUTH_FORBIDDEN', who);
    }
    const expected = [
      ...(MAY[who].trip ? [{ kind: 'breaker.trip', body: { reason: `drill by ${who}` }, user: who }] : []),
      ...(MAY[who].reset ? [{ kind: 'breaker.reset', body: { code: '123456' }, user: who }] : []),
    ];
    assert.equal(f.calls, expected, who);
  }
});

s('a missing or blank reason, a missing code and unknown fields are 400 naming the field, before any call', async ({ f }) => {
  const ada = await loggedIn(f.app, 'ada');
  const cases: [string, unknown, string][] = [
    ['/ui/api/breaker/trip', {}, 'reason'],
    ['/ui/api/breaker/trip', { reason: '   ' }, 'reason'],
    ['/ui/api/breaker/trip', { reason: 7 }, 'reason'],
    ['/ui/api/breaker/trip', { reason: 'x', user: 'vic' }, 'user'],
    ['/ui/api/breaker/reset', {}, 'code'],
    ['/ui/api/breaker/reset', { code: 123456 }, 'code'],
    ['/ui/api/breaker/reset', { code: '123456', password: 'x' }, 'password'],
  ];
  for (const [url, body, field] of cases) {
    const res = await ada.request('POST', url, body);
    assert.is(res.statusCode, 400, JSON.stringify(body));
    assert.is(error(res).code, 'FAKEOUT_ERR_DASHBOARD_INVALID');
    assert.is(error(res).field, field, JSON.stringify(body));
    assert.match(error(res).message, new RegExp(`^${field}:`));
  }
  assert.equal(f.calls, []);
});

s('both need the CSRF token and a session', async ({ f }) => {
  const ada = await loggedIn(f.app, 'ada');
  for (const url of ['/ui/api/breaker/trip', '/ui/api/breaker/reset']) {
    const res = await ada.request('POST', url, { reason: 'x', code: '1' }, { csrf: null });
    assert.is(res.statusCode, 403, url);
    assert.is(error(res).code, 'FAKEOUT_ERR_DASHBOARD_CSRF');
    const anon = await f.app.inject({ method: 'POST', url, payload: { reason: 'x' } });
    assert.is(anon.statusCode, 403, `${url} without anything: the CSRF check comes first`);
  }
  assert.equal(f.calls, []);
});

s('a process without decisions answers 503 for trip and reset', async () => {
  const f = await makeDashboard({ decisions: false });
  try {
    const ada = await loggedIn(f.app, 'ada');
    assert.is((await ada.request('POST', '/ui/api/breaker/trip', { reason: 'x' })).statusCode, 503);
    assert.is(error(await ada.request('POST', '/ui/api/breaker/reset', { code: '123456' })).code, 'FAKEOUT_ERR_DASHBOARD_UNAVAILABLE');
  } finally {
    await f.cleanup();
  }
});

s('with the real approvals service: the session user trips and resets, a wrong code is refused and audited, a valid one publishes', async () => {
  const seed = Buffer.alloc(20, 9);
  const published: { subject: string; id: string; value: Record<string, unknown> }[] = [];
  let breaker = { state: 'closed', cooldownEndsAt: null as number | null, clock: 0 };
  let service: ReturnType<typeof createApprovalsService> | undefined;
  const f = await makeDashboard({
    dashboard: {
      live: {
        bars: async () => [], markers: async () => [], series: async () => [], pending: async () => [], recentOrders: async () => [],
        state: async () => ({ gate: 'gated', breaker, pending: 0 }),
        decisions: {
          approve: async () => ({}), reject: async () => ({}),
          tripBreaker: (body, session) => service!.tripBreaker(body, session),
          resetBreaker: (body, session) => service!.resetBreaker(body, session),
        },
      },
    },
  });
  try {
    const db = f.db.database.db;
    const lockout = lockoutPolicy(5, 900);
    const auth = createAuthService({ db, clock: f.clock, lockout, secretsDir: f.db.dataDir, operator: 'test', random: (k) => Buffer.alloc(k, 9) });
    await auth.enrollTotp('ann');
    service = createApprovalsService({
      db, clock: f.clock, lockout, auth,
      breaker: async () => breaker,
      publish: async (subject, id, value) => (published.push({ subject, id, value: value as Record<string, unknown> }), { seq: published.length, duplicate: false }),
    });
    const tom = await loggedIn(f.app, 'tom');
    const trip = await tom.request('POST', '/ui/api/breaker/trip', { reason: 'venue looks wrong' });
    assert.is(trip.statusCode, 202, trip.body);
    assert.equal(published.map((p) => [p.subject, p.value['by'], p.value['reason']]), [['risk.trip.manual', 'tom', 'by tom (trader): venue looks wrong']]);

    const ann = await loggedIn(f.app, 'ann');
    // the breaker (as committed) is still closed: nothing to reset, no code spent
    const early = await ann.request('POST', '/ui/api/breaker/reset', { code: referenceCode(seed, stepOf(f.clock.t)) });
    assert.is(early.statusCode, 409);
    assert.is(error(early).code, 'FAKEOUT_ERR_BREAKER_NOT_OPEN');
    breaker = { state: 'halfOpen', cooldownEndsAt: null, clock: f.clock.t };
    const now = stepOf(f.clock.t);
    let wrong = '000000';
    while ([now - 1, now, now + 1].some((st) => referenceCode(seed, st) === wrong)) wrong = String(Number(wrong) + 1).padStart(6, '0');
    const refused = await ann.request('POST', '/ui/api/breaker/reset', { code: wrong });
    assert.is(refused.statusCode, 401);
    assert.is(error(refused).code, 'FAKEOUT_ERR_AUTH_TOTP_WRONG');
    assert.match(error(refused).message, /wrong code/);
    assert.is(published.length, 1, 'nothing published for the refusals');
    const ok = await ann.request('POST', '/ui/api/breaker/reset', { code: referenceCode(seed, now) });
    assert.is(ok.statusCode, 202, ok.body);
    assert.equal(published.slice(1).map((p) => [p.subject, p.value['user'], p.value['role']]), [['orders.reset.breaker', 'ann', 'approver']]);
    const audit = (await tailAudit(db, 20)).map((e) => [e.actor, e.action, e.details['code'] ?? null]);
    for (const entry of [
      ['tom', 'breaker.trip_published', null],
      ['ann', 'approval.refused', 'FAKEOUT_ERR_BREAKER_NOT_OPEN'],
      ['ann', 'breaker.reset_requested', null],
    ]) assert.ok(audit.some((e) => JSON.stringify(e) === JSON.stringify(entry)), `audited ${JSON.stringify(entry)}: ${JSON.stringify(audit)}`);
  } finally {
    await f.cleanup();
  }
});

s.run();
