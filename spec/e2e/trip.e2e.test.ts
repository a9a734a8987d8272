/**
 * The breaker's generic trip through a whole running app (its own nats-server with the project's
 * nats.conf, a fresh Postgres, the gateway, the HTTP approval surface): a TEST PUBLISHER
 * connected as the `pipeline` user (as the later monitors are) publishes `risk.trip.test`, and the
 * breaker opens, the gate pauses, the next intent is held and nothing reaches the broker. A
 * malformed trip (not even JSON) still trips and is audited `breaker.trip_malformed`. The server
 * refuses `risk.trip.manual` to the pipeline user. The kill switch over HTTP trips it for a
 * trader and refuses a viewer and a request without a reason.
 */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuthService } from '../../actors/auth/auth.service.ts';
import { lockoutPolicy } from '../../actors/auth/lockout.ts';
import { connectNats } from '../../adapters/nats/index.ts';
import { gatewayMachines } from '../helpers/machines.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 14, 0);
const PASSWORDS: Record<string, string> = { ann: 'ann-password-1', tom: 'tom-password-22', vic: 'vic-password-333' };
const ROLES: Record<string, string> = { ann: 'approver', tom: 'trader', vic: 'viewer' };

interface Ctx { t: TestApp; url: string; nc: NatsConnection; js: JetStreamClient; dir: string }
const s = suite<Ctx>('breaker trip end to end');
const db = (ctx: Ctx) => ctx.t.app.database.db;
const idle = (ctx: Ctx) => ctx.t.app.waitForIdle({ timeoutMs: 60_000, pollMs: 100 });

const machines = async (ctx: Ctx) => (await gatewayMachines(ctx.url))!;
async function audit(ctx: Ctx, action: string) {
  return db(ctx).selectFrom('audit_log').select(['seq', 'actor', 'details']).where('action', '=', action).orderBy('seq').execute();
}
async function post(ctx: Ctx, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ctx.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}
/** An intent as order-intake would publish it (user gateway), long BTC-PERP on the 1m bar at T0 + k minutes. */
async function intent(ctx: Ctx, k: number): Promise<string> {
  const signalId = `BTC-PERP:1m:${T0 + k * MIN}`;
  const value = {
    kind: 'intent', id: `intent:${signalId}`, signalId, symbol: 'BTC-PERP', timeframe: '1m', direction: 'long',
    openTime: T0 + k * MIN, entry: 40_000, stop: 39_800, target: 40_400, atr: 40, score: 82,
  };
  await ctx.t.app.messaging.bus('gateway').publishMany([{ subject: 'orders.intent.BTC-PERP', id: value.id, value }]);
  return `${signalId}:entry`;
}

s.before(async (ctx) => {
  ctx.t = await startTestApp({ env: { FAKEOUT_TIMEFRAMES: '1m', FAKEOUT_LOOKBACK: '1000', FAKEOUT_BREAKER_COOLDOWN: '600' } });
  ctx.url = ctx.t.app.httpUrl()!;
  ctx.dir = mkdtempSync(join(tmpdir(), 'fakeout-trip-'));
  const auth = createAuthService({ db: db(ctx), clock: { now: () => Date.now() }, lockout: lockoutPolicy(5, 900), operator: 'cli:test', secretsDir: ctx.dir });
  for (const name of Object.keys(PASSWORDS)) await auth.addUser(name, ROLES[name]!, PASSWORDS[name]);
  // the test publisher: its own connection as the pipeline user, as a monitor would be
  const embedded = ctx.t.app.messaging.embedded!;
  const pipeline = embedded.credentials('pipeline');
  ctx.nc = await connectNats({ servers: embedded.url, user: pipeline.user, pass: pipeline.pass, name: 'test-trip-publisher' });
  ctx.js = jetstream(ctx.nc);
});

s.after(async (ctx) => {
  await ctx.nc?.close();
  await ctx.t?.cleanup();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

s('a test publisher as the pipeline user trips the breaker: the gate pauses, the next intent is held, nothing reaches the broker', async (ctx) => {
  const first = await intent(ctx, 0); // gated: waits for a person; sets the gateway clock to T0 + 1 min
  await idle(ctx);
  assert.equal(await machines(ctx), { gate: 'gated', breaker: 'closed' });
  const ack = await ctx.js.publish('risk.trip.test', JSON.stringify({ at: Date.now(), reason: 'test publisher', figures: { n: 1 } }), { msgID: 'trip:test:1' });
  assert.is(ack.stream, 'ORDERS', 'the trip subject is carried by ORDERS');
  await idle(ctx);
  assert.equal(await machines(ctx), { gate: 'paused', breaker: 'open' });
  const [req] = await audit(ctx, 'breaker.trip_requested');
  assert.equal([req!.actor, req!.details.source, req!.details.reason, req!.details.figures], ['execution-gateway', 'test', 'test publisher', { n: 1 }]);
  const [tripped] = await audit(ctx, 'breaker.tripped');
  assert.is(tripped!.details.at, T0 + MIN, 'tripped at the gateway clock');

  const held = await intent(ctx, 5);
  await idle(ctx);
  const status = async (coid: string) => (await db(ctx).selectFrom('orders').select('status').where('client_order_id', '=', coid).executeTakeFirst())?.status;
  assert.is(await status(held), 'held');
  assert.is(await status(first), 'pending_approval');
  assert.equal(await db(ctx).selectFrom('broker_orders').select('client_order_id').execute(), [], 'nothing at the broker');
});

s('a trip whose body is not JSON still trips (restarting the cooldown) and is audited breaker.trip_malformed', async (ctx) => {
  await ctx.js.publish('risk.trip.integrity', new TextEncoder().encode('{"reason": "chain broken at 12"'), { msgID: 'trip:integrity:garbled' });
  await idle(ctx);
  const [m] = await audit(ctx, 'breaker.trip_malformed');
  assert.ok(m !== undefined, 'audited');
  assert.is(m!.details.source, 'integrity');
  assert.match(String(m!.details.problem), /^body: not JSON/);
  assert.equal(await machines(ctx), { gate: 'paused', breaker: 'open' });
  assert.is((await audit(ctx, 'breaker.tripped')).length, 2, 'a second trip');
});

s('the server refuses risk.trip.manual to the pipeline user: only the approval surface trips as a person', async (ctx) => {
  let refused: unknown;
  try {
    await ctx.js.publish('risk.trip.manual', JSON.stringify({ at: 1, reason: 'forged' }), { msgID: 'trip:manual:forged', timeout: 3_000 });
  } catch (err) {
    refused = err;
  }
  assert.ok(refused !== undefined, 'refused');
  await idle(ctx);
  assert.is((await audit(ctx, 'breaker.trip_requested')).filter((r) => r.details.source === 'manual').length, 0);
});

s('the kill switch: a trader trips it with a password and a reason; a viewer and a request without a reason are refused and audited', async (ctx) => {
  const viewer = await post(ctx, '/api/breaker/trip', { user: 'vic', password: PASSWORDS.vic, reason: 'curious' });
  assert.equal([viewer.status, viewer.body.error.code], [403, 'FAKEOUT_ERR_AUTH_FORBIDDEN']);
  const noReason = await post(ctx, '/api/breaker/trip', { user: 'ann', password: PASSWORDS.ann });
  assert.equal([noReason.status, noReason.body.error.code, noReason.body.error.field], [400, 'FAKEOUT_ERR_BREAKER_INVALID', 'reason']);
  const wrong = await post(ctx, '/api/breaker/trip', { user: 'tom', password: 'not-his-password', reason: 'x' });
  assert.is(wrong.status, 401);
  const refusals = (await audit(ctx, 'approval.refused')).map((r) => [r.actor, r.details.requested, r.details.code]);
  assert.equal(refusals, [['vic', 'breaker.trip', 'FAKEOUT_ERR_AUTH_FORBIDDEN'], ['ann', 'breaker.trip', 'FAKEOUT_ERR_BREAKER_INVALID'], ['tom', 'breaker.trip', 'FAKEOUT_ERR_AUTH_PASSWORD_WRONG']]);

  const ok = await post(ctx, '/api/breaker/trip', { user: 'tom', password: PASSWORDS.tom, reason: 'drill' });
  assert.equal([ok.status, ok.body.trip, ok.body.published, ok.body.user], [202, 'requested', true, 'tom']);
  await idle(ctx);
  const manual = (await audit(ctx, 'breaker.trip_requested')).filter((r) => r.details.source === 'manual');
  assert.equal(manual.map((r) => [r.details.by, r.details.reason]), [['tom', 'by tom (trader): drill']]);
  const [published] = await audit(ctx, 'breaker.trip_published');
  assert.equal([published!.actor, published!.details.natsSubject, published!.details.reason], ['tom', 'risk.trip.manual', 'drill']);
  assert.equal(await machines(ctx), { gate: 'paused', breaker: 'open' });
  assert.is((await audit(ctx, 'breaker.tripped')).length, 3);
});

s.run();
