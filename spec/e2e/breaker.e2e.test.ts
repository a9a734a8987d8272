/**
 * The execution gate and the circuit breaker through a whole running app (its own nats-server, a
 * fresh Postgres, order-intake, execution-gateway (with the paper broker) and the HTTP approval surface).
 * The test plays the upstream pipeline: it stores crafted closed bars and publishes them on BARS,
 * their scores (with the signals) on SCORES and the signals on SIGNALS as the `pipeline` NATS user, and plays the humans over HTTP with TOTP codes from the
 * independent RFC 6238 implementation in spec/auth/reference-totp.ts.
 *
 * 1. Ten orders, each approved by a person with a valid code and filled by the paper broker, take
 *    the gate from gated to live (not nine); the next orders go to the broker with no approval.
 * 2. With a slippage window of 2 fills, two entry fills at realised/modelled 1.49 do not trip the
 *    breaker and two at 1.51 do (modelled bps by hand from docs/execution.md's cost model, the
 *    next bar's open chosen so that realised = ratio × modelled). While it is open, intents are
 *    held and nothing reaches the broker; it half-opens only after the cooldown on the data clock;
 *    a reset during the cooldown is refused up front (409, naming its end, the code not used);
 *    a wrong or reused code or a viewer cannot reset it; an approver's valid reset closes it, the
 *    gate is gated and the held intents are decided: stale ones expired, fresh ones pending.
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
import { barId, symbolToken, type Bar, type Direction, type Signal } from '../../actors/domain/messages.ts';
import { connectNats } from '../../adapters/nats/index.ts';
import { insertBars } from '../../adapters/db/index.ts';
import { scoreItem } from '../../ops/bench/gateway-bench-data.ts';
import { referenceCode, stepOf } from '../auth/reference-totp.ts';
import { gatewayMachines } from '../helpers/machines.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const MIN = 60_000;
/** Monday 2 March 2026, 14:00 UTC (London and New York open); the gateway decides by these data times only. */
const T0 = Date.UTC(2026, 2, 2, 14, 0);
const COOLDOWN_S = 600;
const MAX_AGE_S = 300;

/** An instrument the test trades: signals enter at `level` with the stop one `risk` away and the target two. */
interface Inst { symbol: string; level: number; risk: number; atr: number }
const A: Inst = { symbol: 'BTC-PERP', level: 40_000, risk: 200, atr: 40 };
const B: Inst = { symbol: 'BTC/USDT', level: 41_000, risk: 205, atr: 41 };
const SPY: Inst = { symbol: 'SPY', level: 470, risk: 1, atr: 0.47 };
const FX: Inst = { symbol: 'EURUSD', level: 1.1, risk: 0.001, atr: 0.0011 };

/**
 * By hand (docs/execution.md, the cost model) for A and B: crypto half spread 2/2 bps, impact
 * k·σ·sqrt(qty/V)·10⁴ with k = 0.5, σ = ATR/entry = 0.001 and the fill bar's volume V = 4 × qty,
 * no low-liquidity multiplier (m = 1), no noise: 1 + 0.5 · 0.001 · 0.5 · 10⁴ = 3.5 bps.
 */
const MODELLED_BPS = 2 / 2 + 0.5 * 0.001 * Math.sqrt(1 / 4) * 1e4;

const PASSWORDS: Record<string, string> = { ann: 'ann-password-1', ben: 'ben-password-22', cat: 'cat-password-333', dan: 'dan-password-4', eve: 'eve-password-55', vic: 'vic-password-6' };
const ROLES: Record<string, string> = { ann: 'approver', ben: 'approver', cat: 'approver', dan: 'approver', eve: 'admin', vic: 'viewer' };
const DECIDERS = ['ann', 'ben', 'cat', 'dan', 'eve'];
const SEEDS: Record<string, Buffer> = {};
const lastStep: Record<string, number> = {};

/**
 * A code nobody has used yet, for the first decider with one left: a code is good once per user
 * and step (±1 step window), so this takes the current or the next step of some user, waiting
 * for the clock when all are used up.
 */
async function freshCode(users = DECIDERS): Promise<{ user: string; code: string }> {
  for (;;) {
    const now = stepOf(Date.now());
    for (const user of users) {
      const step = Math.max((lastStep[user] ?? -Infinity) + 1, now);
      if (step > now + 1) continue;
      lastStep[user] = step;
      return { user, code: referenceCode(SEEDS[user]!, step) };
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** A price `x` risks from the level, in the trade's favour for x > 0. */
const px = (i: Inst, dir: Direction, x: number) => i.level + (dir === 'long' ? 1 : -1) * x * i.risk;

function barOf(i: Inst, openTime: number, prices: number[], volume: number): Bar {
  const [open, , , close] = prices as [number, number, number, number];
  return {
    id: barId(i.symbol, '1m', openTime), symbol: i.symbol, timeframe: '1m', openTime, closeTime: openTime + MIN,
    open, high: Math.max(...prices), low: Math.min(...prices), close, volume, count: 60,
  };
}
/** The failed-breakout bar: a wick 0.6 risk against the trade (short of the stop), closing back at the level. */
const signalBar = (i: Inst, dir: Direction, t: number) => barOf(i, t, [px(i, dir, 0.2), px(i, dir, 0.3), px(i, dir, -0.6), px(i, dir, 0)], 25);
/** Opens at the level (realised = modelled) and reaches the target: the entry and a winning bracket exit on one bar. */
const winningBar = (i: Inst, dir: Direction, t: number) => barOf(i, t, [px(i, dir, 0), px(i, dir, 2.2), px(i, dir, -0.1), px(i, dir, 2)], 50);
/** Opens at `open` and stays well inside stop and target. */
const quietBar = (i: Inst, dir: Direction, t: number, open: number, volume: number) => barOf(i, t, [open, px(i, dir, 0.5), px(i, dir, -0.3), px(i, dir, 0.2)], volume);
/** A later bar reaching the target (no gap: it opens below it). */
const targetBar = (i: Inst, dir: Direction, t: number) => barOf(i, t, [px(i, dir, 0.5), px(i, dir, 2.5), px(i, dir, 0.2), px(i, dir, 2)], 50);

/** The open that makes the entry fill's realised slippage `ratio` × modelled: fill = open·(1 ± m), realised vs the level. */
function openForRatio(i: Inst, dir: Direction, ratio: number): number {
  const m = MODELLED_BPS / 1e4;
  return dir === 'long' ? (i.level * (1 + ratio * m)) / (1 + m) : (i.level * (1 - ratio * m)) / (1 - m);
}

function signalOf(i: Inst, dir: Direction, bar: Bar): Signal {
  const { id, openTime, high, low, close, volume } = bar;
  return {
    id, symbol: i.symbol, timeframe: '1m', openTime, direction: dir, score: 82, entry: i.level, stop: px(i, dir, -1), target: px(i, dir, 2),
    features: {
      id, symbol: i.symbol, timeframe: '1m', openTime, close, high, low, rangeHigh: Math.max(px(i, dir, -0.4), px(i, dir, 1.5)), rangeLow: Math.min(px(i, dir, -0.4), px(i, dir, 1.5)),
      atr: i.atr, upperWickRatio: dir === 'short' ? 0.6 : 0.1, lowerWickRatio: dir === 'long' ? 0.6 : 0.1, breakoutUpAtr: dir === 'short' ? 1 : 0, breakoutDownAtr: dir === 'long' ? 1 : 0,
      closeBackInsideUpAtr: dir === 'short' ? 2 : 0, closeBackInsideDownAtr: dir === 'long' ? 2 : 0, volumeRatio: 1.4, volume, lookback: 20, regime: { session: 'off_hours', volatility: null, trend: null }, atrPercentile: null, trendSlopeAtr: null,
    },
  };
}

interface Ctx {
  t: TestApp;
  url: string;
  nc: NatsConnection;
  jsm: JetStreamManager;
  secretsDir: string;
  /** the test's own auth service on the app's database (enrols the users; spends a code by hand) */
  auth: ReturnType<typeof createAuthService>;
  /** the orders sent with no person's approval (test 1), filled and judged in test 2 */
  live: { a: string; b: string };
}
const s = suite<Ctx>('gate and circuit breaker end to end');

const idle = (ctx: Ctx) => ctx.t.app.waitForIdle({ timeoutMs: 60_000, pollMs: 100 });
const db = (ctx: Ctx) => ctx.t.app.database.db;

/**
 * Plays the upstream pipeline for these bars: stores them (as the bar-builder does; the paper
 * broker reads them there), publishes them on BARS, each one's score on SCORES with its signal if
 * it has one (what order intake reads), and the signals on SIGNALS.
 */
async function publish(ctx: Ctx, bars: Bar[], signals: Signal[] = []): Promise<void> {
  await insertBars(db(ctx), bars);
  await ctx.t.app.messaging.bus('pipeline').publishMany([
    ...bars.flatMap((b) => [{ subject: `bars.${symbolToken(b.symbol)}.1m`, id: b.id, value: b }, scoreItem(b, signals.find((x) => x.id === b.id))]),
    ...signals.map((x) => ({ subject: `signals.${symbolToken(x.symbol)}`, id: x.id, value: x })),
  ]);
}
/** Publishes the signal bar and its signal; answers the signal's order id. */
async function signal(ctx: Ctx, i: Inst, dir: Direction, t: number): Promise<string> {
  const bar = signalBar(i, dir, t);
  await publish(ctx, [bar], [signalOf(i, dir, bar)]);
  return `${bar.id}:entry`;
}

async function post(ctx: Ctx, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ctx.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}
async function approve(ctx: Ctx, coid: string): Promise<number> {
  const { user, code } = await freshCode();
  return (await post(ctx, `/api/orders/${encodeURIComponent(coid)}/approve`, { user, password: PASSWORDS[user], code })).status;
}

/** The gate's and the breaker's state values as GET /actors shows them. */
const machines = async (ctx: Ctx) => (await gatewayMachines(ctx.url))!;

async function statusOf(ctx: Ctx, coid: string): Promise<string | undefined> {
  return (await db(ctx).selectFrom('orders').select('status').where('client_order_id', '=', coid).executeTakeFirst())?.status;
}
async function brokerOrders(ctx: Ctx): Promise<string[]> {
  return (await db(ctx).selectFrom('broker_orders').select('client_order_id').orderBy('client_order_id').execute()).map((r) => r.client_order_id);
}
async function audit(ctx: Ctx, action: string): Promise<{ seq: number; actor: string; subject: string | null; details: any }[]> {
  return db(ctx).selectFrom('audit_log').select(['seq', 'actor', 'subject', 'details']).where('action', '=', action).orderBy('seq').execute();
}
/** Messages on ORDERS per subject under `filter`, read as the read-only ops user. */
async function ordersCount(ctx: Ctx, filter: string): Promise<number> {
  const info = await ctx.jsm.streams.info('ORDERS', { subjects_filter: filter });
  return Object.values(info.state.subjects ?? {}).reduce((a, n) => a + n, 0);
}

s.before(async (ctx) => {
  ctx.t = await startTestApp({
    env: {
      FAKEOUT_TIMEFRAMES: '1m',
      // the features never warm up on the test's few bars per symbol, so the pipeline makes no signals of its own
      FAKEOUT_LOOKBACK: '1000',
      // the cost model by hand: no noise, no low-liquidity multiplier, the documented defaults spelled out
      FAKEOUT_NOISE_BPS: '0', FAKEOUT_LOW_LIQ_MULTIPLIER: '1', FAKEOUT_IMPACT_K: '0.5', FAKEOUT_SPREAD_BPS_CRYPTO: '2',
      FAKEOUT_BREAKER_SLIPPAGE_WINDOW: '2', FAKEOUT_BREAKER_SLIPPAGE_RATIO: '1.5', FAKEOUT_BREAKER_COOLDOWN: String(COOLDOWN_S),
      FAKEOUT_SIGNAL_MAX_AGE: String(MAX_AGE_S),
    },
  });
  ctx.url = ctx.t.app.httpUrl()!;
  ctx.secretsDir = mkdtempSync(join(tmpdir(), 'fakeout-breaker-qr-'));
  let n = 0;
  let enrolling = '';
  const auth = createAuthService({
    db: db(ctx), clock: { now: () => Date.now() }, lockout: lockoutPolicy(5, 900), operator: 'cli:test', secretsDir: ctx.secretsDir,
    random: (k) => (SEEDS[enrolling] = Buffer.alloc(k, ++n)),
  });
  ctx.auth = auth;
  for (const name of Object.keys(PASSWORDS)) {
    await auth.addUser(name, ROLES[name]!, PASSWORDS[name]);
    enrolling = name;
    await auth.enrollTotp(name);
  }
  const embedded = ctx.t.app.messaging.embedded!;
  const ops = embedded.credentials('ops');
  ctx.nc = await connectNats({ servers: embedded.url, user: ops.user, pass: ops.pass, name: 'test-ops' });
  ctx.jsm = await jetstreamManager(ctx.nc);
});

s.after(async (ctx) => {
  await ctx.nc?.close();
  await ctx.t?.cleanup();
  if (ctx.secretsDir) rmSync(ctx.secretsDir, { recursive: true, force: true });
});

s('after ten approved fills (the default FAKEOUT_GATED_TRADES) the gate is live and the next orders go out with no approval', async (ctx) => {
  assert.is(ctx.t.app.config.gatedTrades, 10, 'the default');
  // rounds of one signal per symbol (one pending approval per symbol), five minutes of data apart
  const rounds = [[A, B, SPY, FX], [A, B, SPY, FX], [A], [B]];
  const approved: string[] = [];
  for (const [k, round] of rounds.entries()) {
    const t = T0 + k * 5 * MIN;
    const ids = await Promise.all(round.map((i) => signal(ctx, i, 'long', t)));
    await idle(ctx);
    assert.equal(await Promise.all(ids.map((id) => statusOf(ctx, id))), ids.map(() => 'pending_approval'), `round ${k}: waiting for a person`);
    for (const id of ids) assert.is(await approve(ctx, id), 202, `approve ${id}`);
    await idle(ctx);
    assert.equal(await Promise.all(ids.map((id) => statusOf(ctx, id))), ids.map(() => 'sent'));
    await publish(ctx, round.map((i) => winningBar(i, 'long', t + MIN)));
    await idle(ctx);
    approved.push(...ids);
    assert.is((await machines(ctx)).gate, approved.length < 10 ? 'gated' : 'live', `after ${approved.length} approved fills`);
  }
  assert.is(approved.length, 10);
  const rows = await db(ctx).selectFrom('orders').select(['client_order_id', 'status']).where('leg', '=', 'entry').orderBy('client_order_id').execute();
  assert.equal(rows.map((r) => [r.client_order_id, r.status]), [...approved].sort().map((id) => [id, 'closed']), 'ten trades, each closed at its target');
  const fills = await db(ctx).selectFrom('fills').select(['leg', 'client_order_id']).execute();
  assert.equal([fills.filter((f) => f.leg === 'entry').length, fills.filter((f) => f.leg === 'exit').length], [10, 10]);
  const grants = await audit(ctx, 'order.approved');
  // the approval surface's entry (actor the person) and the gateway's (actor execution-gateway), per order
  assert.equal(grants.filter((g) => g.actor !== 'execution-gateway').map((g) => g.subject).sort(), approved.map((id) => `order:${id}`).sort());
  assert.is((await audit(ctx, 'gate.live')).length, 1);
  assert.equal(await machines(ctx), { gate: 'live', breaker: 'closed' });

  // the 11th and 12th signals: sent to the broker at once, nobody asked
  const t = T0 + 20 * MIN;
  const sentBefore = await ordersCount(ctx, 'orders.sent.>');
  ctx.live = { a: await signal(ctx, A, 'long', t), b: await signal(ctx, B, 'short', t) };
  await idle(ctx);
  for (const id of [ctx.live.a, ctx.live.b]) {
    assert.is(await statusOf(ctx, id), 'sent');
    assert.ok((await brokerOrders(ctx)).includes(id), `${id} is at the broker`);
    assert.is((await audit(ctx, 'order.approved')).filter((g) => g.subject === `order:${id}` || g.subject === id).length, 0, 'no approval');
  }
  assert.is(await ordersCount(ctx, 'orders.sent.>'), sentBefore + 2);
  assert.is(await ordersCount(ctx, 'orders.approved.>'), 10);
});

s('the slippage breaker trips at 1.51 not 1.49, holds intents while open, and only a verified approver resets it after the cooldown', async (ctx) => {
  const t = T0 + 20 * MIN;
  const qty = async (coid: string) => (await db(ctx).selectFrom('orders').select('qty').where('client_order_id', '=', coid).executeTakeFirstOrThrow()).qty;
  const fillOf = async (coid: string) => db(ctx).selectFrom('fills').selectAll().where('client_order_id', '=', coid).executeTakeFirstOrThrow();
  const near = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) < 1e-6, `${what}: ${x} ≈ ${y}`);

  // 1.49: both entry fills of the live orders (the window of 2 is those two fills)
  await publish(ctx, [quietBar(A, 'long', t + MIN, openForRatio(A, 'long', 1.49), 4 * (await qty(ctx.live.a))), quietBar(B, 'short', t + MIN, openForRatio(B, 'short', 1.49), 4 * (await qty(ctx.live.b)))]);
  await idle(ctx);
  for (const id of [ctx.live.a, ctx.live.b]) {
    const f = await fillOf(id);
    near(f.modelled_bps, MODELLED_BPS, `${id} modelled bps`);
    near(f.realised_bps!, 1.49 * MODELLED_BPS, `${id} realised bps`);
  }
  assert.equal(await machines(ctx), { gate: 'live', breaker: 'closed' }, '1.49 does not trip');
  assert.is((await audit(ctx, 'breaker.tripped')).length, 0);
  // both reach their targets: two exit fills at the model's cost (realised = modelled, the window's ratio 1)
  await publish(ctx, [targetBar(A, 'long', t + 2 * MIN), targetBar(B, 'short', t + 2 * MIN)]);
  await idle(ctx);

  // the exits are not in the window (only entries are: docs/risk.md), so it is still the two 1.49 entries
  assert.equal(await machines(ctx), { gate: 'live', breaker: 'closed' }, 'exits at ratio 1 change nothing');
  // 1.51: two new live orders; the window is their two entry fills, 1.50 then 1.52 (A fills first:
  // its mark is first on ORDERS). Between them the window is b's 1.49 and a2's 1.50: 1.495, no trip.
  const a2 = await signal(ctx, A, 'long', t + 3 * MIN);
  const b2 = await signal(ctx, B, 'short', t + 3 * MIN);
  await idle(ctx);
  assert.equal([await statusOf(ctx, a2), await statusOf(ctx, b2)], ['sent', 'sent']);
  const F = t + 4 * MIN; // the trip's time: the fill bar of b2
  await publish(ctx, [quietBar(A, 'long', F, openForRatio(A, 'long', 1.5), 4 * (await qty(a2))), quietBar(B, 'short', F, openForRatio(B, 'short', 1.52), 4 * (await qty(b2)))]);
  await idle(ctx);
  assert.equal(await machines(ctx), { gate: 'paused', breaker: 'open' }, '1.51 trips');
  const [trip] = await audit(ctx, 'breaker.tripped');
  assert.is(trip!.details.at, F);
  const [cond] = trip!.details.trips as { condition: string; figures: Record<string, number> }[];
  assert.is(cond!.condition, 'slippage');
  near(cond!.figures.ratio!, 1.51, 'ratio');
  near(cond!.figures.modelledBps!, 2 * MODELLED_BPS, 'Σ modelled');
  near(cond!.figures.realisedBps!, 2 * 1.51 * MODELLED_BPS, 'Σ realised');
  assert.equal([cond!.figures.fills, cond!.figures.threshold], [2, 1.5]);
  assert.is((await audit(ctx, 'gate.paused')).length, 1);

  // while open: signals (three in a row, in this order on ORDERS, bars flowing) are held; nothing new reaches the broker
  const atBroker = await brokerOrders(ctx);
  const sent = await ordersCount(ctx, 'orders.sent.>');
  const early: string[] = [];
  for (const [i, dir] of [[A, 'long'], [B, 'short'], [SPY, 'long']] as const) early.push(await signal(ctx, i, dir, F + MIN));
  await idle(ctx);
  assert.equal(await Promise.all(early.map((id) => statusOf(ctx, id))), ['held', 'held', 'held']);
  assert.equal((await audit(ctx, 'intent.held')).map((h) => h.subject).sort(), [...early].sort());

  // a verified approver during the cooldown: the surface refuses it up front (409, naming the
  // cooldown's end by the gateway clock: the trip's time + COOLDOWN_S), publishes nothing and does not use the code
  const during = await freshCode(['ann']);
  const resetsBefore = await ordersCount(ctx, 'orders.reset.>');
  const cooling = await post(ctx, '/api/breaker/reset', { user: 'ann', password: PASSWORDS.ann, code: during.code });
  assert.equal([cooling.status, cooling.body.error?.code], [409, 'FAKEOUT_ERR_BREAKER_COOLDOWN']);
  assert.match(cooling.body.error.message, new RegExp(`until ${new Date(F + COOLDOWN_S * 1000).toISOString().replace(/\./g, '\\.')} by the gateway clock`));
  assert.equal((await audit(ctx, 'approval.refused')).slice(-1).map((r) => [r.actor, r.details.code, r.details.cooldownEndsAt]), [['ann', 'FAKEOUT_ERR_BREAKER_COOLDOWN', F + COOLDOWN_S * 1000]]);
  await idle(ctx);
  assert.is(await ordersCount(ctx, 'orders.reset.>'), resetsBefore, 'nothing published');
  assert.equal(await audit(ctx, 'breaker.resetRefused'), [], 'the breaker never saw it');
  // the code was not used: it verifies now (spent here, so it is the reused code below)
  await ctx.auth.verifyApproval('ann', during.code, 'breaker.reset', 'breaker');
  const fx = await signal(ctx, FX, 'long', F + (COOLDOWN_S - 120) * 1000); // decided one minute before the cooldown ends
  await idle(ctx);
  assert.equal(await machines(ctx), { gate: 'paused', breaker: 'open' }, 'still open a minute before the cooldown ends');
  const spy = await signal(ctx, SPY, 'long', F + (COOLDOWN_S - 60) * 1000); // decided exactly when it ends
  await idle(ctx);
  assert.equal(await machines(ctx), { gate: 'paused', breaker: 'halfOpen' }, 'half-open once the data clock passed the cooldown');
  assert.equal((await audit(ctx, 'breaker.cooldownElapsed')).map((c) => c.details.at), [F + COOLDOWN_S * 1000]);
  assert.equal([await statusOf(ctx, fx), await statusOf(ctx, spy)], ['held', 'held']);

  // refused resets change nothing: a wrong code, the code ann just used, a viewer
  const resets = await ordersCount(ctx, 'orders.reset.>');
  const refusedBefore = (await audit(ctx, 'approval.refused')).length;
  const valid = new Set([-1, 0, 1].map((d) => referenceCode(SEEDS.dan!, stepOf(Date.now()) + d)));
  let wrongCode = 0;
  while (valid.has(String(wrongCode).padStart(6, '0'))) wrongCode += 1;
  const wrong = await post(ctx, '/api/breaker/reset', { user: 'dan', password: PASSWORDS.dan, code: String(wrongCode).padStart(6, '0') });
  const reused = await post(ctx, '/api/breaker/reset', { user: 'ann', password: PASSWORDS.ann, code: during.code });
  const viewer = await post(ctx, '/api/breaker/reset', { user: 'vic', password: PASSWORDS.vic, code: referenceCode(SEEDS.vic!, stepOf(Date.now())) });
  assert.equal(
    [wrong, reused, viewer].map((r) => [r.status, r.body.error?.code]),
    [[401, 'FAKEOUT_ERR_AUTH_TOTP_WRONG'], [401, 'FAKEOUT_ERR_AUTH_TOTP_REUSED'], [403, 'FAKEOUT_ERR_AUTH_FORBIDDEN']],
  );
  const refusals = (await audit(ctx, 'approval.refused')).slice(refusedBefore);
  assert.equal(refusals.map((r) => [r.actor, r.subject, r.details.requested, r.details.code]), [
    ['dan', 'breaker', 'breaker.reset', 'FAKEOUT_ERR_AUTH_TOTP_WRONG'],
    ['ann', 'breaker', 'breaker.reset', 'FAKEOUT_ERR_AUTH_TOTP_REUSED'],
    ['vic', 'breaker', 'breaker.reset', 'FAKEOUT_ERR_AUTH_FORBIDDEN'],
  ]);
  await idle(ctx);
  assert.is(await ordersCount(ctx, 'orders.reset.>'), resets, 'nothing published');
  assert.equal(await machines(ctx), { gate: 'paused', breaker: 'halfOpen' });

  // nothing reached the broker while open, though bars and signals kept coming
  assert.equal(await brokerOrders(ctx), atBroker);
  assert.is(await ordersCount(ctx, 'orders.sent.>'), sent);

  // an approver's valid reset: closed, gated again, the held intents decided in arrival order
  const { user, code } = await freshCode(['ben', 'cat']);
  assert.is((await post(ctx, '/api/breaker/reset', { user, password: PASSWORDS[user], code })).status, 202);
  await idle(ctx);
  assert.equal(await machines(ctx), { gate: 'gated', breaker: 'closed' });
  assert.equal((await audit(ctx, 'breaker.reset')).map((r) => r.details.user), [user]);
  assert.equal(await Promise.all([...early, fx, spy].map((id) => statusOf(ctx, id))), ['expired', 'expired', 'expired', 'pending_approval', 'pending_approval'],
    `decided ${MAX_AGE_S * 1000 + 1} ms or more before the clock is stale; within it, waiting for a person`);
  assert.equal((await audit(ctx, 'intent.expired')).map((e) => e.subject), early);
  assert.equal((await audit(ctx, 'intent.released')).map((e) => [e.subject, e.details.decision]), [[fx, 'pending'], [spy, 'pending']]);
  assert.equal(await brokerOrders(ctx), atBroker, 'none sent without the gate');
  assert.is(await ordersCount(ctx, 'orders.sent.>'), sent);

  // through the gate again: an approval sends it
  assert.is(await approve(ctx, spy), 202);
  await idle(ctx);
  assert.is(await statusOf(ctx, spy), 'sent');
  assert.equal(await brokerOrders(ctx), [...atBroker, spy].sort());
  assert.is(await ordersCount(ctx, 'orders.sent.>'), sent + 1);
});

s.run();
