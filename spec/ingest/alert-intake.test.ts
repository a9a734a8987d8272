/**
 * Webhook intake end to end through the real route, a real nats-server and the real RAW stream:
 * the envelope's three time stamps, corrected time in the plausibility judgment, `timenow`, and
 * FAKEOUT_WEBHOOK_SKEW_ACTION (refuse / flag) with fakeout_webhook_time_skew_total.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { WebhookSkewAction } from '../../actors/domain/config.ts';
import { symbolToken, type RawEnvelope } from '../../actors/domain/messages.ts';
import { createAlertIntake } from '../../actors/ingest/alert-intake.ts';
import { timeLimitsFromConfig } from '../../actors/ingest/plausibility.ts';
import { buildHttpServer } from '../../adapters/http/index.ts';
import { createMetrics, type Metrics } from '../../adapters/metrics/index.ts';
import { createBus, type NatsBus } from '../../adapters/nats/bus.ts';
import { CorrectedClock, type Clock } from '../../adapters/time/clock.ts';
import { startTestJetStream, type TestNats } from '../helpers/nats-server.ts';

const SECRET = 'intake-test-secret-91c2';
const URL = '/webhook/tradingview';
/** the fake system clock's reading: 2024-05-01T12:00:00Z */
const SYS = Date.parse('2024-05-01T12:00:00Z');
const OFFSET = 1500;
/** 1 s of skew, so that the 1.5 s offset decides plausibility */
const LIMITS = timeLimitsFromConfig({ timeSkewSeconds: 1, webhookMaxAgeDays: 7, replayMaxGapDays: 31, timeFloor: '1980-01-01' });
const iso = (ms: number): string => new Date(ms).toISOString();

interface Ctx {
  t: TestNats;
  ingest: NatsBus;
  reader: NatsBus;
}

/** A route over a real intake; the clock is a CorrectedClock over a fixed system reading with +1500 ms accepted. */
function route(ctx: Ctx, opts: { skewAction?: WebhookSkewAction; clock?: Clock } = {}): { app: FastifyInstance; metrics: Metrics } {
  let clock = opts.clock;
  if (clock === undefined) {
    const corrected = new CorrectedClock({ now: () => SYS });
    corrected.accept(OFFSET, SYS - 10_000);
    clock = corrected;
  }
  const metrics = createMetrics();
  const acceptAlert = createAlertIntake({
    bus: ctx.ingest, clock, zone: 'UTC', timeLimits: LIMITS, timeframes: ['1m', '5m'], ...(opts.skewAction === undefined ? {} : { skewAction: opts.skewAction }),
  });
  const app = buildHttpServer({
    logger: { level: 'silent', stream: { write: () => undefined } },
    webhookSecret: SECRET, acceptAlert, actorsTree: () => ({ id: 'root', children: [] }), metrics,
  });
  return { app, metrics };
}

async function stored(ctx: Ctx, symbol: string): Promise<RawEnvelope | undefined> {
  return (await ctx.reader.lastMessage('RAW', `raw.tradingview.${symbolToken(symbol)}`))?.value as RawEnvelope | undefined;
}

async function skewCount(metrics: Metrics, action: 'refused' | 'flagged'): Promise<number> {
  const { values } = await metrics.webhookTimeSkew.get();
  return values.find((v) => v.labels.action === action)?.value ?? Number.NaN;
}

const s = suite<Ctx>('alert intake (stamps, timenow, skew)');
s.before(async (ctx) => {
  const { t } = await startTestJetStream();
  ctx.t = t;
  ctx.ingest = await createBus(await t.connect('ingest'));
  ctx.reader = await createBus(await t.connect('pipeline'));
});
s.after(async (ctx) => ctx.t?.cleanup());

s('stamps receivedAt = system reading, correctedAt = system + 1500, clockOffsetMs = 1500, and judges by corrected time', async (ctx) => {
  const { app } = route(ctx);
  // the tick is 2 s after the system reading: beyond 1 s of skew by the system clock, within it by corrected time (0.5 s)
  const ts = SYS + 2000;
  const res = await app.inject({ method: 'POST', url: URL, payload: { secret: SECRET, symbol: 'STAMPUSD', price: 101.5, time: iso(ts), timenow: iso(SYS + 1500) } });
  assert.is(res.statusCode, 202, res.body);
  const env = await stored(ctx, 'STAMPUSD');
  assert.ok(env, 'the envelope is on RAW');
  assert.is(env.receivedAt, SYS);
  assert.is(env.correctedAt, SYS + 1500);
  assert.is(env.clockOffsetMs, 1500);
  assert.equal(env.origin, { remote: '127.0.0.1', timenow: SYS + 1500 });
  // timenow is not part of the event, and the id still hashes only the event
  const event = { kind: 'tick', symbol: 'STAMPUSD', ts, price: 101.5, size: 1 };
  assert.equal(env.event, event);
  assert.is(env.id, `tv:${createHash('sha256').update(JSON.stringify(event)).digest('hex').slice(0, 32)}`);
  assert.is(res.json().id, env.id);
  assert.is(env.flags, undefined);
  await app.close();
});

s('the same alert is refused by an uncorrected clock at the same system reading (the control)', async (ctx) => {
  const { app, metrics } = route(ctx, { clock: { now: () => SYS } });
  const res = await app.inject({ method: 'POST', url: URL, payload: { secret: SECRET, symbol: 'CONTROLUSD', price: 101.5, time: iso(SYS + 2000) } });
  assert.is(res.statusCode, 400);
  assert.is(res.json().error.field, 'time');
  assert.is(await stored(ctx, 'CONTROLUSD'), undefined);
  assert.is(await skewCount(metrics, 'refused'), 1);
  await app.close();
});

s('a plain clock stamps offset 0: correctedAt = receivedAt', async (ctx) => {
  const { app } = route(ctx, { clock: { now: () => SYS } });
  const res = await app.inject({ method: 'POST', url: URL, payload: { secret: SECRET, symbol: 'PLAINUSD', price: 7, time: iso(SYS - 5000) } });
  assert.is(res.statusCode, 202, res.body);
  const env = await stored(ctx, 'PLAINUSD');
  assert.equal([env?.receivedAt, env?.correctedAt, env?.clockOffsetMs], [SYS, SYS, 0]);
  assert.equal(env?.origin, { remote: '127.0.0.1' });
  await app.close();
});

s('skew refuse (the default): a bar ending 1 min after corrected now gets 400 naming time, nothing is published, refused is counted', async (ctx) => {
  const { app, metrics } = route(ctx);
  // the 1m bar opens at corrected now (SYS + 1.5 s) rounded to the minute: it ends ~58.5 s after corrected now
  const open = SYS;
  const res = await app.inject({ method: 'POST', url: URL, payload: { secret: SECRET, symbol: 'SKEWREF', time: iso(open), interval: '1', open: 10, high: 11, low: 9, close: 10.5 } });
  assert.is(res.statusCode, 400);
  assert.is(res.json().error.code, 'FAKEOUT_ERR_WEBHOOK_INVALID');
  assert.is(res.json().error.field, 'time');
  assert.match(res.json().error.message, /ends after now \(2024-05-01T12:00:01\.500Z\) \+ 1 s of clock skew/);
  assert.is(await stored(ctx, 'SKEWREF'), undefined);
  assert.equal([await skewCount(metrics, 'refused'), await skewCount(metrics, 'flagged')], [1, 0]);
  await app.close();
});

s('skew refuse: a timenow 5 s ahead of corrected now gets 400 naming timenow', async (ctx) => {
  const { app, metrics } = route(ctx);
  const res = await app.inject({ method: 'POST', url: URL, payload: { secret: SECRET, symbol: 'NOWREF', price: 3, time: iso(SYS - 60_000), timenow: iso(SYS + 1500 + 5000) } });
  assert.is(res.statusCode, 400);
  assert.is(res.json().error.field, 'timenow');
  assert.match(res.json().error.message, /^timenow: the alert fired at 2024-05-01T12:00:06\.500Z, 5 s ahead of now \(2024-05-01T12:00:01\.500Z\)/);
  assert.is(await stored(ctx, 'NOWREF'), undefined);
  assert.is(await skewCount(metrics, 'refused'), 1);
  await app.close();
});

s('a timenow exactly at the skew limit (1 s behind corrected now) is accepted', async (ctx) => {
  const { app, metrics } = route(ctx);
  const res = await app.inject({ method: 'POST', url: URL, payload: { secret: SECRET, symbol: 'NOWEDGE', price: 3, time: iso(SYS - 60_000), timenow: SYS + 500 } });
  assert.is(res.statusCode, 202, res.body);
  assert.is((await stored(ctx, 'NOWEDGE'))?.origin.timenow, SYS + 500);
  assert.is(await skewCount(metrics, 'refused'), 0);
  await app.close();
});

s('skew flag: the alert is accepted, stored flagged time_skew with the reason, never closes a bar, and flagged is counted', async (ctx) => {
  const { app, metrics } = route(ctx, { skewAction: 'flag' });
  const res = await app.inject({
    method: 'POST', url: URL,
    payload: { secret: SECRET, symbol: 'SKEWFLAG', time: iso(SYS), interval: '1', open: 10, high: 11, low: 9, close: 10.5, timenow: iso(SYS - 120_000) },
  });
  assert.is(res.statusCode, 202, res.body);
  assert.equal(res.json().flags, ['time_skew']);
  assert.equal(res.json().closes, []);
  const env = await stored(ctx, 'SKEWFLAG');
  assert.ok(env);
  assert.equal(env.flags, ['time_skew']);
  // both problems are in the reason, each under its field
  assert.match(env.flagReason ?? '', /^time: the 1m bar .* ends after now .*; timenow: the alert fired at 2024-05-01T11:58:00\.000Z, 121500 ms behind now/);
  assert.equal([env.receivedAt, env.correctedAt, env.clockOffsetMs], [SYS, SYS + 1500, 1500]);
  assert.equal([await skewCount(metrics, 'flagged'), await skewCount(metrics, 'refused')], [1, 0]);
  await app.close();
});

s('skew flag still refuses a time before the floor (not a time at all), and does not count it as skew', async (ctx) => {
  const { app, metrics } = route(ctx, { skewAction: 'flag' });
  const res = await app.inject({ method: 'POST', url: URL, payload: { secret: SECRET, symbol: 'FLOORUSD', price: 3, time: 0 } });
  assert.is(res.statusCode, 400);
  assert.is(res.json().error.field, 'time');
  assert.is(await stored(ctx, 'FLOORUSD'), undefined);
  assert.equal([await skewCount(metrics, 'flagged'), await skewCount(metrics, 'refused')], [0, 0]);
  await app.close();
});

s.run();
