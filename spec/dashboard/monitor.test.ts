/**
 * The System monitor tab's API on a real database (PGlite and Postgres): slippage realised vs
 * modelled per period with the ratio against its threshold, low-liquidity share per period,
 * the breaker from the gateway's checkpoint and its audited history, consumer lag and clock
 * offset from the live figures, and the guard. Expected figures are worked by hand beside the seed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendAudits } from '../../adapters/db/audit-log.repo.ts';
import { saveCheckpoint } from '../../adapters/db/checkpoints.repo.ts';
import { listMonitorStates, saveMonitorState } from '../../adapters/db/monitors.repo.ts';
import { breakerFromCheckpoint, liquiditySeries, slippageSeries } from '../../adapters/http/dashboard/monitor-figures.ts';
import { monitorRoutes, type LiveFigures } from '../../adapters/http/dashboard/monitor.routes.ts';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/database.ts';
import { dashboardApp, get, H, T0, testGuard } from './analytics-fixture.ts';

const M = 60_000;
const figures = suite('monitor figures');

figures('slippage ratio per period is Σ realised / Σ modelled, null when nothing was modelled', () => {
  const s = slippageSeries([
    { bucket: '2024-01-01T02:00', fills: 1, realisedSum: 9, modelledSum: 3 },
    { bucket: '2024-01-01T01:00', fills: 2, realisedSum: 7, modelledSum: 6 },
    { bucket: '2024-01-01T03:00', fills: 1, realisedSum: 1, modelledSum: 0 },
  ], 1.5);
  assert.equal(s.map((p) => [p.bucket, p.ratio, p.over]), [['2024-01-01T01:00', 1.166667, false], ['2024-01-01T02:00', 3, true], ['2024-01-01T03:00', null, false]]);
  assert.equal([s[0]!.realisedBps, s[0]!.modelledBps], [3.5, 3]);
});

figures('low-liquidity share per period against its threshold', () => {
  const s = liquiditySeries([{ bucket: 'b', signals: 4, low: 1 }, { bucket: 'a', signals: 3, low: 1 }], 0.3);
  assert.equal(s.map((p) => [p.bucket, p.share, p.over]), [['a', 0.333333, true], ['b', 0.25, false]]);
});

figures('the breaker from a gateway checkpoint: state, holding trip, history newest first; garbage is unknown', () => {
  const v = breakerFromCheckpoint({
    breaker: { value: 'open', context: { trip: { at: 2, trips: [{ condition: 'slippage', reason: 'r2' }] }, history: [{ at: 1, trips: [{ condition: 'errorRate', reason: 'r1' }] }, { at: 2, trips: [{ condition: 'slippage', reason: 'r2' }] }], lastReset: null } },
  });
  assert.is(v.state, 'open');
  assert.equal(v.trip, { at: 2, trips: [{ condition: 'slippage', reason: 'r2' }] });
  assert.equal(v.history.map((t) => t.at), [2, 1]);
  assert.equal(breakerFromCheckpoint(undefined), { state: 'unknown', trip: null, history: [], lastReset: null });
  assert.is(breakerFromCheckpoint({ breaker: { value: 'closed', context: { history: 'no' } } }).state, 'closed');
});

figures.run();

function fill(n: number, leg: 'entry' | 'exit', at: number, realised: number | null, modelled: number) {
  return {
    fill_id: `o${n}:fill`, client_order_id: `o${n}`, signal_id: `s${n}`, leg, symbol: n === 3 ? 'ETH' : 'BTC', side: 'buy', qty: 1, price: 100, fees: 0,
    filled_at: at, modelled_bps: modelled, realised_bps: realised, detail: '{}',
  };
}

async function seed(db: TestDatabase['database']['db']) {
  await db.insertInto('orders').values([1, 2, 3, 4, 5].map((n) => ({
    client_order_id: `o${n}`, signal_id: `s${n}`, leg: n === 4 ? 'exit' : 'entry', symbol: n === 3 ? 'ETH' : 'BTC', side: 'buy', qty: 1, status: 'filled',
    decision_price: 100, modelled_slippage_bps: 1, modelled: '{}', config: '{}', created_at: T0, updated_at: T0,
  }))).execute();
  await db.insertInto('fills').values([
    fill(1, 'entry', T0 + H + 10 * M, 3, 2), // hour 01
    fill(2, 'entry', T0 + H + 40 * M, null, 4), // hour 01: no realised figure, counts as its modelled 4
    fill(3, 'entry', T0 + 2 * H + 5 * M, 9, 3), // hour 02 (ETH)
    fill(4, 'exit', T0 + 2 * H + 10 * M, 100, 1), // exits are left out
    fill(5, 'entry', T0 + 3 * H, 1, 0), // hour 03: modelled 0, no ratio
  ]).execute();
  const tag = (i: number, at: number, low: boolean) => ({ signal_id: `L${i}`, symbol: 'BTC', timeframe: '1m', open_time: at, low, reasons: low ? '["thin_volume"]' : '[]', volume: 1, threshold: 2 });
  await db.insertInto('signal_liquidity').values([
    tag(1, T0 + M, true), tag(2, T0 + 2 * M, false), tag(3, T0 + 3 * M, false), // hour 00: 1 of 3
    tag(4, T0 + H, false), tag(5, T0 + H + M, true), tag(6, T0 + H + 2 * M, false), tag(7, T0 + H + 3 * M, false), // hour 01: 1 of 4
  ]).execute();
  await saveMonitorState(db, { monitor: 'slippage', state: 'alert', value: 1.9, threshold: 1.5, since: T0 + 2 * H, figures: { fills: 4 } });
  await saveCheckpoint(db, 'execution-gateway', 42, {
    version: 1,
    breaker: {
      value: 'open', status: 'active',
      context: {
        trip: { at: T0 + 2 * H, trips: [{ condition: 'slippage', reason: 'ratio 1.9 > 1.5', figures: {} }] },
        history: [{ at: T0 + H, trips: [{ condition: 'errorRate', reason: 'errors', figures: {} }] }, { at: T0 + 2 * H, trips: [{ condition: 'slippage', reason: 'ratio 1.9 > 1.5', figures: {} }] }],
        lastReset: { user: 'bob', role: 'approver', at: T0 + 1.5 * H },
      },
    },
  });
  await appendAudits(db, [
    { at: T0 + H, actor: 'execution-gateway', action: 'breaker.tripped', subject: 'breaker', details: { trips: [] } }, // seq 1
    { at: T0 + H + M, actor: 'bob', action: 'order.approved', subject: 'o1' }, // seq 2
    { at: T0 + 1.5 * H, actor: 'execution-gateway', action: 'breaker.reset', subject: 'breaker', details: { user: 'bob' } }, // seq 3
    { at: T0 + 1.6 * H, actor: 'x', action: 'breakerXreset', subject: 'breaker' }, // seq 4: not a breaker.* action
    { at: T0 + 2 * H, actor: 'execution-gateway', action: 'breaker.tripped', subject: 'breaker', details: { trips: [] } }, // seq 5
  ]);
}

const LIVE: LiveFigures = {
  consumers: [{ consumer: 'bar-builder', pending: 3 }, { consumer: 'raw-archiver', pending: 0 }, { consumer: 'scoring-engine', pending: 12 }],
  clock: { verdict: 'warn', offsetMs: 120, sinceLastGoodMs: 5000, warnMs: 100, tripMs: 500, at: T0 },
};

for (const kind of testDatabaseKinds) {
  const routes = suite<{ t: TestDatabase; app: Awaited<ReturnType<typeof dashboardApp>> }>(`monitor routes (${kind})`);
  routes.before(async (ctx) => {
    ctx.t = await createTestDatabase(kind);
    const db = ctx.t.database.db;
    await seed(db);
    // start-up slippage threshold 2: the stored monitor's 1.5 must win; liquidity has no stored state: 0.3 from here
    ctx.app = await dashboardApp(monitorRoutes, { guard: testGuard, db, listMonitors: () => listMonitorStates(db), thresholds: { slippageRatio: 2, lowLiquidityShare: 0.3 }, live: () => LIVE });
  });
  routes.after(async (ctx) => {
    await ctx.app?.close();
    await ctx.t?.cleanup();
  });

  routes('summary: monitors with thresholds, the breaker from the checkpoint, consumers by lag, the clock', async ({ app }) => {
    const { status, body, action } = await get(app, '/monitor/summary');
    assert.is(status, 200);
    assert.is(action, 'view');
    assert.equal(body.monitors.map((m: { monitor: string; state: string }) => [m.monitor, m.state]), [['slippage', 'alert']]);
    assert.equal(body.thresholds, { slippageRatio: 1.5, lowLiquidityShare: 0.3 });
    assert.is(body.breaker.state, 'open');
    assert.is(body.breaker.trip.trips[0].condition, 'slippage');
    assert.equal(body.breaker.history.map((t: { at: number }) => t.at), [T0 + 2 * H, T0 + H]);
    assert.equal(body.breaker.lastReset, { user: 'bob', at: T0 + 1.5 * H });
    assert.equal(body.consumers.map((c: { consumer: string }) => c.consumer), ['scoring-engine', 'bar-builder', 'raw-archiver']);
    assert.is(body.clock.offsetMs, 120);
  });

  routes('slippage per hour: entry fills only, ratio against the stored threshold', async ({ app }) => {
    const { body } = await get(app, '/monitor/slippage?period=hour');
    assert.is(body.threshold, 1.5);
    assert.equal(body.points.map((p: { bucket: string; fills: number; ratio: number | null; over: boolean }) => [p.bucket, p.fills, p.ratio, p.over]), [
      ['2024-01-01T01:00', 2, 1.166667, false], // (3 + 4) / (2 + 4)
      ['2024-01-01T02:00', 1, 3, true], // 9 / 3
      ['2024-01-01T03:00', 1, null, false], // modelled 0
    ]);
    const day = await get(app, '/monitor/slippage?period=day');
    // 4 entry fills: (3 + 4 + 9 + 1) / (2 + 4 + 3 + 0) = 17 / 9
    assert.equal(day.body.points.map((p: { fills: number; ratio: number }) => [p.fills, p.ratio]), [[4, 1.888889]]);
    const eth = await get(app, '/monitor/slippage?period=hour&symbol=ETH');
    assert.equal(eth.body.points.map((p: { bucket: string }) => p.bucket), ['2024-01-01T02:00']);
  });

  routes('slippage series is paged newest first', async ({ app }) => {
    const p1 = await get(app, '/monitor/slippage?period=hour&limit=2');
    assert.equal(p1.body.points.map((p: { bucket: string }) => p.bucket), ['2024-01-01T02:00', '2024-01-01T03:00']);
    assert.is(p1.body.next, '2024-01-01T02:00');
    const p2 = await get(app, `/monitor/slippage?period=hour&limit=2&before=${p1.body.next}`);
    assert.equal(p2.body.points.map((p: { bucket: string }) => p.bucket), ['2024-01-01T01:00']);
    assert.is(p2.body.next, null);
  });

  routes('low-liquidity share per hour against 30 %', async ({ app }) => {
    const { body } = await get(app, '/monitor/liquidity?period=hour');
    assert.is(body.threshold, 0.3);
    assert.equal(body.points.map((p: { bucket: string; signals: number; low: number; share: number; over: boolean }) => [p.bucket, p.signals, p.low, p.share, p.over]), [
      ['2024-01-01T00:00', 3, 1, 0.333333, true],
      ['2024-01-01T01:00', 4, 1, 0.25, false],
    ]);
    // in Kolkata (UTC+5:30) the hours become 05:00 (L1-L3: 05:31-05:33) and 06:00 (L4-L7: 06:30-06:33)
    const ist = await get(app, '/monitor/liquidity?period=hour&tz=Asia/Kolkata');
    assert.equal(ist.body.points.map((p: { bucket: string; signals: number }) => [p.bucket, p.signals]), [['2024-01-01T05:00', 3], ['2024-01-01T06:00', 4]]);
  });

  routes('breaker history: breaker.* audit entries only, newest first, paged by seq', async ({ app }) => {
    const p1 = await get(app, '/monitor/breaker?limit=2');
    assert.equal(p1.body.entries.map((e: { seq: number; action: string }) => [e.seq, e.action]), [[5, 'breaker.tripped'], [3, 'breaker.reset']]);
    assert.is(p1.body.next, 3);
    const p2 = await get(app, `/monitor/breaker?limit=2&before=${p1.body.next}`);
    assert.equal(p2.body.entries.map((e: { seq: number }) => e.seq), [1]);
    assert.is(p2.body.next, null);
  });

  routes('bad queries are refused naming the field', async ({ app }) => {
    assert.is((await get(app, '/monitor/slippage?period=year')).body.error.field, 'period');
    assert.is((await get(app, '/monitor/liquidity?tz=Nowhere/Land')).body.error.field, 'tz');
    assert.is((await get(app, '/monitor/breaker?before=-1')).body.error.field, 'before');
    assert.is((await get(app, '/monitor/summary?x=1')).body.error.field, 'x');
  });

  routes('every route answers 401 without a session and 403 for a role the guard refuses', async ({ app }) => {
    for (const path of ['/monitor/summary', '/monitor/slippage', '/monitor/liquidity', '/monitor/breaker']) {
      assert.is((await get(app, path, null)).status, 401, path);
      assert.is((await get(app, path, 'intruder')).status, 403, path);
    }
  });

  routes.run();
}
