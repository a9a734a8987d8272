/**
 * The execution side through a whole app (its own nats-server, a fresh Postgres, the replay of a
 * real FTX slice): signal → intent → pending approval → an approval on ORDERS (the contract
 * message) → sent → entry fill at the next bar's open (price by hand from the bar and the cost
 * model) → bracket exit → P&L; and the order-intake and gateway stages crashed mid-flow: no
 * second order or fill at the broker, counts and machine states kept.
 * Expected signals come from the tests' own aggregation (spec/e2e/expected.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readExecutionSummary } from '../../actors/app/execution-summary.ts';
import { approvedMsgId, approvedSubject } from '../../actors/execution/order-messages.ts';
import type { SupervisionEvent } from '../../supervision/index.ts';
import { startTestApp, writeFtxSlice } from '../helpers/app.ts';
import { expectedBars, expectedSignals } from './expected.ts';

const s = suite('execution gateway end to end');
const SYMBOL = 'BTC-PERP';
const MIN = 60_000;

s('a replayed signal waits for approval, fills at the next open after approval, exits by its bracket; crashes duplicate nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-exec-'));
  const { path, rows } = writeFtxSlice(dir, 300);
  const signals = expectedSignals(expectedBars(SYMBOL, rows, ['1m']).values());
  assert.ok(signals.length >= 2, 'the slice holds signals');
  const events: SupervisionEvent[] = [];
  const t = await startTestApp({
    replay: [{ path, symbol: SYMBOL }],
    onSupervision: (e) => events.push(e),
    // noise off and no low-liquidity multiplier, so the fill price is worked by hand below;
    // ages and TTL of a day: the replay's data clock runs hours in seconds
    env: { FAKEOUT_TIMEFRAMES: '1m', FAKEOUT_NOISE_BPS: '0', FAKEOUT_LOW_LIQ_MULTIPLIER: '1', FAKEOUT_SIGNAL_MAX_AGE: '86400', FAKEOUT_APPROVAL_TTL: '86400', FAKEOUT_GATED_TRADES: '1' },
  });
  try {
    await t.app.waitForIdle({ timeoutMs: 120_000 });
    const db = t.app.database.db;
    const first = signals[0]!;
    const coid = `${first.id}:entry`;
    const orders = await db.selectFrom('orders').selectAll().orderBy('created_at').execute();
    assert.equal(orders.map((o) => [o.client_order_id, o.status]), [[coid, 'pending_approval']], 'one pending order; the later signals were skipped');
    const skipped = await db.selectFrom('audit_log').select(['subject', 'details']).where('action', '=', 'intent.skipped').execute();
    assert.equal(skipped.map((r) => r.subject).sort(), signals.slice(1).map((x) => `${x.id}:entry`).sort());
    assert.ok(skipped.every((r) => (r.details as { reason: string }).reason === 'awaiting_approval'));

    // crash the gateway stage, then approve through the contract message
    const restartsBefore = events.filter((e) => e.type === 'restarted' && e.path.endsWith('execution-gateway')).length;
    assert.ok(t.app.supervisor.injectFault('fakeout/execution/execution-gateway', 'test'), 'the supervisor accepted the fault');
    const approvedAt = Date.now();
    await t.app.messaging.bus('gateway').publishMany([{
      subject: approvedSubject(SYMBOL), id: approvedMsgId(coid, 'ann', approvedAt), value: { clientOrderId: coid, symbol: SYMBOL, user: 'ann', role: 'approver', at: approvedAt },
    }]);
    await t.app.waitForIdle({ timeoutMs: 120_000 });
    assert.ok(events.filter((e) => e.type === 'restarted' && e.path.endsWith('execution-gateway')).length > restartsBefore, 'the gateway stage was restarted');

    const brokerOrders = await db.selectFrom('broker_orders').selectAll().orderBy('placed_at').execute();
    assert.equal(brokerOrders.map((o) => o.client_order_id).sort(), [coid, `${first.id}:exit`].sort(), 'one entry and one exit at the broker');
    const fills = await db.selectFrom('fills').selectAll().orderBy('filled_at').execute();
    assert.equal(fills.map((f) => f.leg), ['entry', 'exit'], 'each fill once');
    // each fill records the governed config version its order was sized with (version 1, the seed)
    const orderVersions = await db.selectFrom('orders').select(['client_order_id', 'config_version']).execute();
    const versionOf = new Map(orderVersions.map((o) => [o.client_order_id, o.config_version]));
    assert.equal(fills.map((f) => [f.leg, f.config_version, versionOf.get(f.client_order_id)]), [['entry', 1, 1], ['exit', 1, 1]]);

    // By hand. The approval was applied when the gateway clock stood at the last intent's
    // decision time (the close of the last signal bar), so the entry fills at that bar's next open.
    const last = signals[signals.length - 1]!;
    const fillRow = rows.find((r) => r.ts === last.openTime + MIN)!;
    const riskPerUnit = Math.abs(first.entry - first.stop);
    // sized on the price risk plus the crypto defaults both ways (half spread 1 bps + fee 10 bps),
    // capped at 4 × equity of notional
    const sizedOn = riskPerUnit + (2 * first.entry * (1 + 10)) / 1e4;
    const qty = Math.floor(Math.min((100_000 * 0.005) / sizedOn, (4 * 100_000) / first.entry) / 0.0001 + 1e-9) * 0.0001;
    const sigma = first.features.atr / first.entry;
    const bps = 2 / 2 + 0.5 * sigma * Math.sqrt(Math.min(qty / fillRow.volume, 1)) * 1e4; // crypto half spread + impact
    const sign = first.direction === 'long' ? 1 : -1;
    const entry = fills[0]!;
    assert.ok(Math.abs(entry.qty - qty) < 1e-9, `qty ${entry.qty} ≈ ${qty}`);
    assert.is(Number(entry.filled_at), fillRow.ts);
    assert.ok(Math.abs(entry.price - fillRow.open * (1 + (sign * bps) / 1e4)) < 1e-6, `entry ${entry.price} ≈ ${fillRow.open} moved ${bps} bps`);
    const exit = fills[1]!;
    const detail = exit.detail as { exitReason: string };
    assert.ok(['stop', 'target', 'time'].includes(detail.exitReason));
    const position = await db.selectFrom('positions').selectAll().executeTakeFirstOrThrow();
    assert.is(position.status, 'closed');
    const pnl = sign * (exit.price - entry.price) * qty - entry.fees - exit.fees;
    assert.ok(Math.abs(position.pnl! - pnl) < 1e-6, `pnl ${position.pnl} ≈ ${pnl}`);
    assert.ok(Math.abs(position.r! - pnl / (riskPerUnit * qty)) < 1e-9);
    const order = await db.selectFrom('orders').select('status').where('client_order_id', '=', coid).executeTakeFirstOrThrow();
    assert.is(order.status, 'closed');

    // one approved fill of FAKEOUT_GATED_TRADES=1: the gate went live, and it survives a crash of both stages
    const node = JSON.stringify(await (await fetch(`${t.app.httpUrl()}/actors`)).json());
    assert.match(node, /"id":"gate","path":"[^"]*execution-gateway\/gate","kind":"worker","status":"running","state":"live"/);
    assert.match(node, /"id":"breaker","path":"[^"]*","kind":"worker","status":"running","state":"closed"/);
    assert.ok(t.app.supervisor.injectFault('fakeout/execution/order-intake', 'test'));
    assert.ok(t.app.supervisor.injectFault('fakeout/execution/execution-gateway', 'test'));
    await t.app.waitForIdle({ timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 1500));
    await t.app.waitForIdle({ timeoutMs: 120_000 });
    assert.match(JSON.stringify(t.app.tree()), /"id":"gate","path":"[^"]*","kind":"worker","status":"running","state":"live"/);
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM fills`.execute(db);
    assert.is(after.rows[0]!.n, 2, 'no fill twice after the crashes');
    const summary = await readExecutionSummary(db);
    assert.equal([summary.fills, summary.closedTrades, summary.openPositions, summary.gate, summary.breaker], [2, 1, 0, 'live', 'closed']);
    assert.ok(Math.abs(summary.pnl - pnl) < 1e-6 && Math.abs(summary.equity! - (100_000 + pnl)) < 1e-6);
    const audit = await db.selectFrom('audit_log').select('action').execute();
    assert.ok(audit.some((a) => a.action === 'gate.live'));
  } finally {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
