/**
 * The approval surface over real HTTP on a running app (real Postgres, the app's own nats-server):
 * who may list, approve, reject and reset; what each refusal answers and audits; and that a
 * granted decision is exactly one message on ORDERS with the contract's subject, id and body,
 * read back as the read-only `ops` NATS user. TOTP codes come from spec/auth/reference-totp.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuthService } from '../../actors/auth/auth.service.ts';
import { lockoutPolicy } from '../../actors/auth/lockout.ts';
import { tailAudit, type AuditRecord } from '../../adapters/db/audit-log.repo.ts';
import { insertOrder, type OrderRecord } from '../../adapters/db/orders.repo.ts';
import { connectNats } from '../../adapters/nats/index.ts';
import { referenceCode, stepOf } from '../auth/reference-totp.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-22', victor: 'victor-password-3', dana: 'dana-password-44', carol: 'carol-password-5' };
type Name = keyof typeof PASSWORDS;
/** Enrolment secrets handed to the service by the injected random source: user n gets 20 bytes of n. */
const SEEDS: Partial<Record<Name, Buffer>> = {};
const code = (name: Name) => referenceCode(SEEDS[name]!, stepOf(Date.now()));

const T_ORDER = 1_700_000_000_000;
function pending(signalId: string, symbol: string, status = 'pending_approval', createdAt = T_ORDER): OrderRecord {
  return {
    clientOrderId: `${signalId}:entry`, signalId, leg: 'entry', symbol, side: 'buy', qty: 2, status, decisionPrice: 100,
    modelled: { halfSpreadBps: 1, impactBps: 1, liquidityMultiplier: 1, noiseBps: 0, totalBps: 2 }, config: {}, createdAt, updatedAt: createdAt,
  };
}
const O1 = pending('BTC/USDT:5m:1', 'BTC/USDT', 'pending_approval', T_ORDER);
const O2 = pending('SPY:1m:2', 'SPY', 'pending_approval', T_ORDER + 1);
const O3 = pending('ETH:1m:3', 'ETH', 'filled', T_ORDER + 2);
const O4 = pending('EURUSD:1m:4', 'EUR.USD', 'pending_approval', T_ORDER + 3);

interface Ctx {
  t: TestApp;
  url: string;
  nc: NatsConnection;
  jsm: JetStreamManager;
}

async function post(ctx: Ctx, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ctx.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}
const approve = (ctx: Ctx, o: OrderRecord | string, body: unknown) => post(ctx, `/api/orders/${encodeURIComponent(typeof o === 'string' ? o : o.clientOrderId)}/approve`, body);

/** Messages on ORDERS, read back by sequence as the read-only ops user. */
async function ordersMessages(ctx: Ctx): Promise<{ subject: string; id: string | undefined; body: any }[]> {
  const info = await ctx.jsm.streams.info('ORDERS');
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await ctx.jsm.streams.getMessage('ORDERS', { seq });
    if (m) out.push({ subject: m.subject, id: m.header?.get('Nats-Msg-Id'), body: m.json() });
  }
  return out;
}

async function auditSince(ctx: Ctx, seq: number): Promise<AuditRecord[]> {
  return (await tailAudit(ctx.t.app.database.db, 1000)).filter((r) => r.seq > seq);
}
async function lastAuditSeq(ctx: Ctx): Promise<number> {
  return (await tailAudit(ctx.t.app.database.db, 1))[0]?.seq ?? 0;
}

const s = suite<Ctx>('approval surface over HTTP');

s.before(async (ctx) => {
  // no cooldown: a reset after the kill switch is not refused for the cooldown (test at the end)
  ctx.t = await startTestApp({ env: { FAKEOUT_BREAKER_COOLDOWN: '0' } });
  ctx.url = ctx.t.app.httpUrl()!;
  const db = ctx.t.app.database.db;
  let n = 0;
  let enrolling: Name = 'alice';
  const auth = createAuthService({
    db, clock: { now: () => Date.now() }, lockout: lockoutPolicy(5, 900), operator: 'cli:test',
    secretsDir: mkdtempSync(join(tmpdir(), 'fakeout-orders-qr-')),
    random: (k) => (SEEDS[enrolling] = Buffer.alloc(k, ++n)),
  });
  for (const [name, role] of [['alice', 'approver'], ['bob', 'approver'], ['victor', 'viewer'], ['dana', 'admin'], ['carol', 'approver']] as const) {
    await auth.addUser(name, role, PASSWORDS[name]);
    enrolling = name;
    await auth.enrollTotp(name);
  }
  for (const o of [O1, O2, O3, O4]) await insertOrder(db, o);
  const embedded = ctx.t.app.messaging.embedded!;
  const ops = embedded.credentials('ops');
  ctx.nc = await connectNats({ servers: embedded.url, user: ops.user, pass: ops.pass, name: 'test-ops' });
  ctx.jsm = await jetstreamManager(ctx.nc);
});

s.after(async (ctx) => {
  await ctx.nc?.close();
  await ctx.t?.cleanup();
});

s('lists the orders waiting for approval, oldest first, to any user with a password, and refuses without one', async (ctx) => {
  const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
  const res = await fetch(`${ctx.url}/api/orders?status=pending`, { headers: { authorization: basic('victor', PASSWORDS.victor) } });
  assert.is(res.status, 200);
  const body = (await res.json()) as { orders: { clientOrderId: string; symbol: string; qty: number }[] };
  assert.equal(body.orders.map((o) => o.clientOrderId), [O1.clientOrderId, O2.clientOrderId, O4.clientOrderId]);
  assert.equal([body.orders[0]!.symbol, body.orders[0]!.qty], ['BTC/USDT', 2]);
  const anonymous = await fetch(`${ctx.url}/api/orders?status=pending`);
  assert.is(anonymous.status, 401);
  assert.is(((await anonymous.json()) as any).error.field, 'authorization');
  const wrong = await fetch(`${ctx.url}/api/orders`, { headers: { authorization: basic('victor', 'not-the-password') } });
  assert.equal([wrong.status, ((await wrong.json()) as any).error.code], [401, 'FAKEOUT_ERR_AUTH_PASSWORD_WRONG']);
  const badStatus = await fetch(`${ctx.url}/api/orders?status=filled`, { headers: { authorization: basic('victor', PASSWORDS.victor) } });
  assert.equal([badStatus.status, ((await badStatus.json()) as any).error.field], [400, 'status']);
});

s('approve publishes exactly one message with the contract subject, id and body', async (ctx) => {
  const before = Date.now();
  const res = await approve(ctx, O1, { user: 'alice', password: PASSWORDS.alice, code: code('alice') });
  assert.equal(res, { status: 202, body: { clientOrderId: O1.clientOrderId, decision: 'approved', published: true } });
  const msgs = await ordersMessages(ctx);
  assert.is(msgs.length, 1);
  const [m] = msgs;
  assert.is(m!.subject, 'orders.approved.BTC_USDT');
  // one id per decision attempt: order, person and time (a refused attempt cannot collapse a later one)
  assert.is(m!.id, `approved:BTC/USDT:5m:1:entry:alice:${m!.body.at}`);
  assert.equal(Object.keys(m!.body).sort(), ['at', 'clientOrderId', 'role', 'symbol', 'user']);
  assert.equal([m!.body.clientOrderId, m!.body.symbol, m!.body.user, m!.body.role], [O1.clientOrderId, 'BTC/USDT', 'alice', 'approver']);
  assert.ok(m!.body.at >= before && m!.body.at <= Date.now());
});

s('refuses a reused TOTP code and records the attempt', async (ctx) => {
  const seq = await lastAuditSeq(ctx);
  // alice's code of this step was used by the approval above
  const res = await approve(ctx, O2, { user: 'alice', password: PASSWORDS.alice, code: code('alice') });
  assert.equal([res.status, res.body.error.code], [401, 'FAKEOUT_ERR_AUTH_TOTP_REUSED']);
  const refusals = (await auditSince(ctx, seq)).filter((r) => r.action === 'approval.refused');
  assert.equal(refusals.map((r) => [r.actor, r.subject, r.details.code]), [['alice', `order:${O2.clientOrderId}`, 'FAKEOUT_ERR_AUTH_TOTP_REUSED']]);
  assert.is((await ordersMessages(ctx)).length, 1);
});

s("refuses another user's code as wrong and publishes nothing", async (ctx) => {
  const res = await approve(ctx, O2, { user: 'alice', password: PASSWORDS.alice, code: code('bob') });
  assert.equal([res.status, res.body.error.code], [401, 'FAKEOUT_ERR_AUTH_TOTP_WRONG']);
  assert.is((await ordersMessages(ctx)).length, 1);
});

s('refuses a viewer with 403, audits it and publishes nothing', async (ctx) => {
  const seq = await lastAuditSeq(ctx);
  const res = await approve(ctx, O2, { user: 'victor', password: PASSWORDS.victor, code: '123456' });
  assert.equal([res.status, res.body.error.code], [403, 'FAKEOUT_ERR_AUTH_FORBIDDEN']);
  assert.equal((await auditSince(ctx, seq)).map((r) => [r.actor, r.action, r.details.code]), [['victor', 'approval.refused', 'FAKEOUT_ERR_AUTH_FORBIDDEN']]);
  assert.is((await ordersMessages(ctx)).length, 1);
});

s('refuses an unknown order (404) and one not pending (409) before the code is spent', async (ctx) => {
  const bobs = code('bob');
  const unknown = await approve(ctx, 'no-such-signal:entry', { user: 'bob', password: PASSWORDS.bob, code: bobs });
  assert.equal([unknown.status, unknown.body.error.code, unknown.body.error.field], [404, 'FAKEOUT_ERR_ORDER_UNKNOWN', 'id']);
  const decided = await approve(ctx, O3, { user: 'bob', password: PASSWORDS.bob, code: bobs });
  assert.equal([decided.status, decided.body.error.code], [409, 'FAKEOUT_ERR_ORDER_NOT_PENDING']);
  const codes = (await tailAudit(ctx.t.app.database.db, 2)).map((r) => [r.actor, r.subject, r.details.code]);
  assert.equal(codes, [['bob', 'order:no-such-signal:entry', 'FAKEOUT_ERR_ORDER_UNKNOWN'], ['bob', `order:${O3.clientOrderId}`, 'FAKEOUT_ERR_ORDER_NOT_PENDING']]);
  assert.is((await ordersMessages(ctx)).length, 1);
  // the same code still approves a pending order: the refusals above did not use it up
  assert.is((await approve(ctx, O2, { user: 'bob', password: PASSWORDS.bob, code: bobs })).status, 202);
  assert.equal((await ordersMessages(ctx)).map((m) => m.subject), ['orders.approved.BTC_USDT', 'orders.approved.SPY']);
});

s('reject publishes the reason; a missing reason is refused naming it', async (ctx) => {
  const missing = await post(ctx, `/api/orders/${encodeURIComponent(O4.clientOrderId)}/reject`, { user: 'dana', password: PASSWORDS.dana });
  assert.equal([missing.status, missing.body.error.code, missing.body.error.field], [400, 'FAKEOUT_ERR_ORDER_INVALID', 'reason']);
  const res = await post(ctx, `/api/orders/${encodeURIComponent(O4.clientOrderId)}/reject`, { user: 'dana', password: PASSWORDS.dana, reason: 'spread too wide' });
  assert.equal(res, { status: 202, body: { clientOrderId: O4.clientOrderId, decision: 'rejected', published: true } });
  const m = (await ordersMessages(ctx)).at(-1)!;
  assert.equal([m.subject, m.id], ['orders.rejected.EUR_USD', `rejected:${O4.clientOrderId}:dana:${m.body.at}`]);
  assert.equal(Object.keys(m.body).sort(), ['at', 'clientOrderId', 'reason', 'symbol', 'user']);
  assert.equal([m.body.user, m.body.reason, m.body.symbol], ['dana', 'spread too wide', 'EUR.USD']);
});

s('wrong passwords count towards the lock: the fifth locks the user (423) before the password is checked', async (ctx) => {
  for (let i = 0; i < 5; i++) {
    const res = await approve(ctx, 'whatever:entry', { user: 'carol', password: 'guess-number-' + i, code: '000000' });
    assert.equal([res.status, res.body.error.code], [401, 'FAKEOUT_ERR_AUTH_PASSWORD_WRONG']);
  }
  const locked = await approve(ctx, 'whatever:entry', { user: 'carol', password: PASSWORDS.carol, code: code('carol') });
  assert.equal([locked.status, locked.body.error.code], [423, 'FAKEOUT_ERR_AUTH_LOCKED']);
  const unknownUser = await approve(ctx, 'whatever:entry', { user: 'mallory', password: 'x', code: '000000' });
  assert.equal([unknownUser.status, unknownUser.body.error.code], [401, 'FAKEOUT_ERR_AUTH_PASSWORD_WRONG']);
});

s('refuses approving a live order past its approval window by wall clock (409 EXPIRED) before the code is checked; a replayed one of the same age is still approvable', async (ctx) => {
  const now = Date.now();
  // received 10 s after its bar closed (live: ≤ FAKEOUT_SIGNAL_MAX_AGE 300 s), 3 h ago (> FAKEOUT_APPROVAL_TTL 3600 s)
  const live = { ...pending('SPY:1m:live', 'SPY'), config: { decidedAt: now - 3 * 3600_000 - 10_000, receivedAt: now - 3 * 3600_000 } };
  // the same decision time with no receipt stamp: a replay, decided by the data clock only
  const replay = { ...pending('SPY:1m:replay', 'SPY'), config: { decidedAt: now - 3 * 3600_000 - 10_000 } };
  await insertOrder(ctx.t.app.database.db, live);
  await insertOrder(ctx.t.app.database.db, replay);
  const count = (await ordersMessages(ctx)).length;
  const res = await approve(ctx, live, { user: 'bob', password: PASSWORDS.bob, code: '000000' });
  assert.equal([res.status, res.body.error.code], [409, 'FAKEOUT_ERR_ORDER_EXPIRED']);
  assert.equal((await tailAudit(ctx.t.app.database.db, 1)).map((r) => [r.actor, r.subject, r.details.code]), [['bob', `order:${live.clientOrderId}`, 'FAKEOUT_ERR_ORDER_EXPIRED']]);
  assert.is((await ordersMessages(ctx)).length, count);
  // the replayed order is not refused for its age: the wrong code is what stops it
  const other = await approve(ctx, replay, { user: 'bob', password: PASSWORDS.bob, code: '000000' });
  assert.is(other.body.error.code, 'FAKEOUT_ERR_AUTH_TOTP_WRONG');
});

s('breaker reset: refused while the breaker is closed (409, code not spent); after a trip it verifies the approver with a code and publishes orders.reset.breaker', async (ctx) => {
  const danas = code('dana');
  const messages = (await ordersMessages(ctx)).length;
  const closed = await post(ctx, '/api/breaker/reset', { user: 'dana', password: PASSWORDS.dana, code: danas });
  assert.equal([closed.status, closed.body.error.code, closed.body.error.field], [409, 'FAKEOUT_ERR_BREAKER_NOT_OPEN', 'breaker']);
  assert.equal((await tailAudit(ctx.t.app.database.db, 1)).map((r) => [r.actor, r.action, r.details.code]), [['dana', 'approval.refused', 'FAKEOUT_ERR_BREAKER_NOT_OPEN']]);
  assert.is((await ordersMessages(ctx)).length, messages, 'nothing published');
  // the kill switch opens it; with FAKEOUT_BREAKER_COOLDOWN=0 its cooldown is over at once
  assert.is((await post(ctx, '/api/breaker/trip', { user: 'dana', password: PASSWORDS.dana, reason: 'test' })).status, 202);
  await ctx.t.app.waitForIdle({ timeoutMs: 30_000, pollMs: 50 });
  // the same code: the refusal above did not use it up
  const res = await post(ctx, '/api/breaker/reset', { user: 'dana', password: PASSWORDS.dana, code: danas });
  assert.is(res.status, 202);
  const m = (await ordersMessages(ctx)).filter((x) => x.subject === 'orders.reset.breaker').at(-1)!;
  assert.equal([m.subject, m.id], ['orders.reset.breaker', `reset:dana:${res.body.at}`]);
  assert.equal(m.body, { user: 'dana', role: 'admin', at: res.body.at });
  // the gateway closed it; tripped again, the code dana just used is refused as reused
  await ctx.t.app.waitForIdle({ timeoutMs: 30_000, pollMs: 50 });
  assert.is((await post(ctx, '/api/breaker/trip', { user: 'dana', password: PASSWORDS.dana, reason: 'again' })).status, 202);
  await ctx.t.app.waitForIdle({ timeoutMs: 30_000, pollMs: 50 });
  const reused = await post(ctx, '/api/breaker/reset', { user: 'dana', password: PASSWORDS.dana, code: danas });
  assert.equal([reused.status, reused.body.error.code], [401, 'FAKEOUT_ERR_AUTH_TOTP_REUSED']);
});

s.run();
