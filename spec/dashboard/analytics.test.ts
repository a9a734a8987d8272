/**
 * The Analytics tab's API on a real database (PGlite and Postgres): heatmap, histogram with the
 * trigger line, breakdown by regime, P&L by period, the paged signal list, the guard, and the
 * answers' size with 100,000 stored signals. Expected numbers are derived by hand in the comments
 * next to the seed (2024-01-01 is a Monday; New York is UTC-5 in January, UTC-4 in July).
 */
import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { breakdownLines, heatmapGrid, histogramBins, pnlLines } from '../../adapters/http/dashboard/analytics-figures.ts';
import { analyticsRoutes } from '../../adapters/http/dashboard/analytics.routes.ts';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/database.ts';
import { dashboardApp, get, H, insertSignalRows, positionRow, T0, type SignalSeed } from './analytics-fixture.ts';

const figures = suite('analytics figures');

figures('heatmap: a dense 7 × 24 grid, Monday first, groups added into their cell', () => {
  const h = heatmapGrid('UTC', [{ dow: 1, hour: 9, count: 2 }, { dow: 7, hour: 23, count: 1 }, { dow: 3, hour: 0, count: 4 }]);
  assert.is(h.counts.length, 7);
  assert.ok(h.counts.every((r) => r.length === 24));
  assert.is(h.counts[0]![9], 2);
  assert.is(h.counts[6]![23], 1);
  assert.is(h.counts[2]![0], 4);
  assert.is(h.total, 7);
  assert.is(h.max, 4);
  assert.is(h.counts.flat().filter((n) => n === 0).length, 168 - 3);
  assert.throws(() => heatmapGrid('UTC', [{ dow: 0, hour: 1, count: 1 }]), /outside the week/);
});

figures('histogram: contiguous bars from the lowest to the highest bin, empty ones as zeros', () => {
  // bins 5 and 8 of width 10: bars at 50, 60, 70, 80 with counts 3, 0, 0, 1
  const h = histogramBins(10, [{ bin: 8, count: 1 }, { bin: 5, count: 3 }], 70, 1);
  assert.equal(h.edges, [50, 60, 70, 80]);
  assert.equal(h.counts, [3, 0, 0, 1]);
  assert.is(h.total, 4);
  assert.is(h.trigger, 70);
  assert.equal(histogramBins(0.1, [{ bin: 3, count: 1 }], null, 0).edges, [0.3]);
  assert.throws(() => histogramBins(1, [{ bin: 0, count: 1 }, { bin: 600, count: 1 }], null, 0), /wider bin/);
});

figures('breakdown: win rate and average R per trade, untagged named, most signals first', () => {
  const lines = breakdownLines([
    { key: 'asia', signals: 1, avgScore: 80, trades: 0, wins: 0, pnl: 0, sumR: 0 },
    { key: null, signals: 3, avgScore: 70, trades: 4, wins: 1, pnl: -10, sumR: -1 },
    { key: 'london', signals: 3, avgScore: 75, trades: 2, wins: 2, pnl: 30, sumR: 3 },
  ]);
  assert.equal(lines.map((l) => l.key), ['london', 'untagged', 'asia']);
  assert.is(lines[0]!.winRate, 1);
  assert.is(lines[0]!.avgR, 1.5);
  assert.is(lines[1]!.winRate, 0.25);
  assert.is(lines[1]!.avgR, -0.25);
  assert.is(lines[2]!.winRate, null);
  assert.is(lines[2]!.avgR, null);
});

figures('pnl: oldest first with a running sum', () => {
  const lines = pnlLines([{ bucket: '2024-01-02T00:00', trades: 1, wins: 0, pnl: -20 }, { bucket: '2024-01-01T00:00', trades: 2, wins: 1, pnl: 50.1 }]);
  assert.equal(lines.map((l) => [l.bucket, l.cumulative]), [['2024-01-01T00:00', 50.1], ['2024-01-02T00:00', 30.1]]);
});

figures.run();

// The seed. UTC weekday/hour; New York local in brackets.
const A: SignalSeed = { symbol: 'BTC', at: T0 + 9 * H, score: 72, session: 'london', volatility: 'high', trend: 'up' }; // Mon 09 [Mon 04]
const B: SignalSeed = { symbol: 'BTC', at: T0 + 9.5 * H, score: 75, session: 'london', volatility: 'high', trend: 'up' }; // Mon 09 [Mon 04]
const C: SignalSeed = { symbol: 'BTC', at: T0 + 14 * H, score: 81, session: 'newyork', volatility: 'normal', trend: 'up' }; // Mon 14 [Mon 09]
const Hs: SignalSeed = { symbol: 'ETH', at: T0 + 14 * H, score: 40, session: 'newyork', volatility: 'normal', trend: 'flat' }; // Mon 14 [Mon 09], ties C
const D: SignalSeed = { symbol: 'BTC', at: T0 + 47.5 * H, score: 90, session: 'asia', volatility: 'low', trend: 'down' }; // Tue 23 [Tue 18]
const F: SignalSeed = { symbol: 'ETH', at: T0 + (5 * 24 + 2) * H, score: 88, session: 'asia', volatility: 'high', trend: 'flat' }; // Sat 02 [Fri 21]
const E: SignalSeed = { symbol: 'BTC', at: T0 + (6 * 24 + 23) * H, score: 70 }; // Sun 23 [Sun 18], untagged
const G: SignalSeed = { symbol: 'BTC', at: Date.UTC(2024, 6, 1, 12), score: 65, session: 'newyork', volatility: 'normal', trend: 'down' }; // Mon 12 [Mon 08, EDT]
const SEEDS = [A, B, C, Hs, D, F, E, G];
const id = (s: SignalSeed) => `${s.symbol}:1m:${s.at}`;
// Closed trades: A +100 (1R), B -50 (-0.5R), C +30 (0.3R), D -20 (-0.2R), G 0 (0R); E open; F and H never traded.
// Close times (UTC): A Jan 1 10:00, B Jan 1 20:00, C Jan 2 01:00, D Jan 3 03:00, G Jul 1 13:00.
const CLOSED = [
  [A, T0 + 10 * H, 100, 1], [B, T0 + 20 * H, -50, -0.5], [C, T0 + 25 * H, 30, 0.3], [D, T0 + 51 * H, -20, -0.2], [G, Date.UTC(2024, 6, 1, 13), 0, 0],
] as const;
// Scored bars for the histogram (width 10): bins 1:1, 3:1, 4:1, 5:2, 6:2, 7:3, 8:2, 9:1.
const SCORES = [12, 37, 49.9, 50, 55, 69.9, 65, 70, 72, 75, 81, 88, 90];

async function seed(t: TestDatabase) {
  const db = t.database.db;
  await insertSignalRows(db, SEEDS);
  await db.insertInto('positions').values([
    ...CLOSED.map(([s, closedAt, pnl, r]) => positionRow(id(s), { symbol: s.symbol, status: 'closed', openedAt: s.at, closedAt, pnl, r })),
    positionRow(id(E), { symbol: 'BTC', status: 'open', openedAt: E.at }),
  ]).execute();
  await db.insertInto('scores').values(SCORES.map((score, i) => ({
    id: `BTC:1m:${T0 + i * 60_000}`, symbol: 'BTC', timeframe: '1m', open_time: T0 + i * 60_000, score, direction: null, components: '{}', features: '{}',
  }))).execute();
}

const cell = (counts: number[][], day: number, hour: number) => counts[day]![hour];

for (const kind of testDatabaseKinds) {
  const routes = suite<{ t: TestDatabase; app: Awaited<ReturnType<typeof dashboardApp>> }>(`analytics routes (${kind})`);
  routes.before(async (ctx) => {
    ctx.t = await createTestDatabase(kind);
    await seed(ctx.t);
    ctx.app = await dashboardApp(analyticsRoutes, { guard: (await import('./analytics-fixture.ts')).testGuard, db: ctx.t.database.db, defaultTriggerScore: 60 });
  });
  routes.after(async (ctx) => {
    await ctx.app?.close();
    await ctx.t?.cleanup();
  });

  routes('heatmap in UTC counts each signal in its bar-open weekday and hour', async ({ app }) => {
    const { status, body, action } = await get(app, '/analytics/heatmap');
    assert.is(status, 200);
    assert.is(action, 'view');
    assert.is(body.zone, 'UTC');
    assert.is(body.total, 8);
    assert.is(body.max, 2);
    assert.is(cell(body.counts, 0, 9), 2);
    assert.is(cell(body.counts, 0, 12), 1);
    assert.is(cell(body.counts, 0, 14), 2);
    assert.is(cell(body.counts, 1, 23), 1);
    assert.is(cell(body.counts, 5, 2), 1);
    assert.is(cell(body.counts, 6, 23), 1);
  });

  routes('heatmap in New York shifts by the offset in force on each date (EST in January, EDT in July)', async ({ app }) => {
    const { body } = await get(app, '/analytics/heatmap?tz=America/New_York');
    assert.is(body.zone, 'America/New_York');
    assert.is(body.total, 8);
    assert.is(cell(body.counts, 0, 4), 2);
    assert.is(cell(body.counts, 0, 8), 1); // G: 12:00 UTC in July is 08:00 EDT
    assert.is(cell(body.counts, 0, 9), 2);
    assert.is(cell(body.counts, 1, 18), 1);
    assert.is(cell(body.counts, 4, 21), 1); // F: Saturday 02:00 UTC is Friday 21:00 in New York
    assert.is(cell(body.counts, 6, 18), 1);
    assert.is(cell(body.counts, 0, 9 + 5), 0);
  });

  routes('heatmap filtered by symbol, in Tokyo', async ({ app }) => {
    const { body } = await get(app, '/analytics/heatmap?tz=Asia/Tokyo&symbol=ETH');
    assert.is(body.total, 2);
    assert.is(cell(body.counts, 5, 11), 1); // F: Sat 02:00 UTC + 9
    assert.is(cell(body.counts, 0, 23), 1); // H: Mon 14:00 UTC + 9
  });

  routes('a time zone that is not an IANA zone is refused with 400 naming tz', async ({ app }) => {
    const { status, body } = await get(app, '/analytics/heatmap?tz=Mars/Olympus');
    assert.is(status, 400);
    assert.is(body.error.code, 'FAKEOUT_ERR_API_INVALID_QUERY');
    assert.is(body.error.field, 'tz');
    const unknown = await get(app, '/analytics/heatmap?zone=UTC');
    assert.is(unknown.status, 400);
    assert.is(unknown.body.error.field, 'zone');
  });

  routes('histogram: bins of the scored bars and the trigger line from the governed config', async ({ app, t }) => {
    const before = await get(app, '/analytics/histogram?width=10');
    assert.is(before.status, 200);
    assert.equal(before.body.edges, [10, 20, 30, 40, 50, 60, 70, 80, 90]);
    assert.equal(before.body.counts, [1, 0, 1, 1, 2, 2, 3, 2, 1]);
    assert.is(before.body.total, 13);
    // no governed version stored yet: the start-up trigger (60); scores >= 60: 69.9 65 70 72 75 81 88 90
    assert.is(before.body.trigger, 60);
    assert.is(before.body.configVersion, null);
    assert.is(before.body.atOrAboveTrigger, 8);
    await t.database.db.insertInto('config_versions').values({ version: 3, params: JSON.stringify({ triggerScore: 70 }), applied_at: T0, applied_by: 'alice', proposal_id: null, kv_revision: 3 }).execute();
    const after = await get(app, '/analytics/histogram?width=10');
    assert.is(after.body.trigger, 70);
    assert.is(after.body.configVersion, 3);
    assert.is(after.body.atOrAboveTrigger, 6); // 70 72 75 81 88 90
    const bad = await get(app, '/analytics/histogram?width=0');
    assert.is(bad.status, 400);
    assert.is(bad.body.error.field, 'width');
  });

  routes('breakdown by session joins the closed trades of each group', async ({ app }) => {
    const { body } = await get(app, '/analytics/breakdown?by=session');
    assert.equal(body.lines, [
      // C, H, G: avg (81 + 40 + 65) / 3; trades C +30 (0.3R), G 0 (0R)
      { key: 'newyork', signals: 3, avgScore: 62, trades: 2, winRate: 0.5, pnl: 30, avgR: 0.15 },
      // D, F: avg 89; one trade D -20
      { key: 'asia', signals: 2, avgScore: 89, trades: 1, winRate: 0, pnl: -20, avgR: -0.2 },
      { key: 'london', signals: 2, avgScore: 73.5, trades: 2, winRate: 0.5, pnl: 50, avgR: 0.25 },
      // E: its position is still open
      { key: 'untagged', signals: 1, avgScore: 70, trades: 0, winRate: null, pnl: 0, avgR: null },
    ]);
    const trend = await get(app, '/analytics/breakdown?by=trend&symbol=BTC');
    // BTC: up A B C, down D G, untagged E
    assert.equal(trend.body.lines.map((l: { key: string; signals: number; pnl: number }) => [l.key, l.signals, l.pnl]), [['up', 3, 80], ['down', 2, -20], ['untagged', 1, 0]]);
    const bad = await get(app, '/analytics/breakdown?by=moon');
    assert.is(bad.body.error.field, 'by');
  });

  routes('P&L by day, newest page first, each page oldest first with its running sum', async ({ app }) => {
    const p1 = await get(app, '/analytics/pnl?period=day&limit=2');
    assert.equal(p1.body.buckets.map((b: { bucket: string; pnl: number; cumulative: number }) => [b.bucket, b.pnl, b.cumulative]), [['2024-01-03T00:00', -20, -20], ['2024-07-01T00:00', 0, -20]]);
    assert.is(p1.body.next, '2024-01-03T00:00');
    const p2 = await get(app, `/analytics/pnl?period=day&limit=2&before=${p1.body.next}`);
    assert.equal(p2.body.buckets.map((b: { bucket: string; trades: number; wins: number; pnl: number }) => [b.bucket, b.trades, b.wins, b.pnl]), [['2024-01-01T00:00', 2, 1, 50], ['2024-01-02T00:00', 1, 1, 30]]);
    assert.is(p2.body.next, null);
  });

  routes('P&L by day in New York and by week', async ({ app }) => {
    // New York: A 05:00, B 15:00, C 20:00 on Jan 1; D 22:00 Jan 2; G 09:00 Jul 1
    const ny = await get(app, '/analytics/pnl?period=day&tz=America/New_York');
    assert.equal(ny.body.buckets.map((b: { bucket: string; trades: number; pnl: number }) => [b.bucket, b.trades, b.pnl]), [['2024-01-01T00:00', 3, 80], ['2024-01-02T00:00', 1, -20], ['2024-07-01T00:00', 1, 0]]);
    const week = await get(app, '/analytics/pnl?period=week');
    // ISO weeks start on Monday; 2024-01-01 and 2024-07-01 are both Mondays
    assert.equal(week.body.buckets.map((b: { bucket: string; trades: number; pnl: number }) => [b.bucket, b.trades, b.pnl]), [['2024-01-01T00:00', 4, 60], ['2024-07-01T00:00', 1, 0]]);
  });

  routes('the signal list is keyset-paged newest first, ties by id, with no row repeated or skipped', async ({ app }) => {
    const p1 = await get(app, '/analytics/signals?limit=5');
    assert.equal(p1.body.signals.map((s: { id: string }) => s.id), [G, E, F, D, Hs].map(id));
    assert.is(p1.body.next, `${Hs.at}:${id(Hs)}`);
    const p2 = await get(app, `/analytics/signals?limit=5&before=${encodeURIComponent(p1.body.next)}`);
    assert.equal(p2.body.signals.map((s: { id: string }) => s.id), [C, B, A].map(id));
    assert.is(p2.body.next, null);
    assert.is(p2.body.signals[2].pnl, 100);
    const eth = await get(app, '/analytics/signals?symbol=ETH');
    assert.equal(eth.body.signals.map((s: { id: string }) => s.id), [F, Hs].map(id));
    const asia = await get(app, '/analytics/signals?session=asia');
    assert.equal(asia.body.signals.map((s: { id: string }) => s.id), [F, D].map(id));
    assert.is((await get(app, '/analytics/signals?limit=201')).body.error.field, 'limit');
    assert.is((await get(app, '/analytics/signals?before=nonsense')).body.error.field, 'before');
  });

  routes('uPlot is served from the package, as the research report uses it', async ({ app }) => {
    const js = await get(app, '/analytics/assets/uplot.js');
    assert.is(js.status, 200);
    assert.match(String(js.body), /uPlot/);
    assert.is((await get(app, '/analytics/assets/uplot.css')).status, 200);
  });

  routes('every route answers 401 without a session and 403 for a role the guard refuses', async ({ app }) => {
    for (const path of ['/analytics/heatmap', '/analytics/histogram', '/analytics/breakdown', '/analytics/pnl', '/analytics/signals', '/analytics/assets/uplot.js']) {
      const anon = await get(app, path, null);
      assert.is(anon.status, 401, path);
      assert.is(anon.body.error.code, 'FAKEOUT_ERR_AUTH_UNKNOWN_USER');
      const wrong = await get(app, path, 'intruder');
      assert.is(wrong.status, 403, path);
      assert.is(wrong.body.error.code, 'FAKEOUT_ERR_AUTH_FORBIDDEN');
    }
  });

  routes.run();
}

const big = suite<{ t: TestDatabase; app: Awaited<ReturnType<typeof dashboardApp>> }>('analytics with 100,000 signals (pglite)');
big.before(async (ctx) => {
  ctx.t = await createTestDatabase('pglite');
  // one INSERT … SELECT: the rows are made by the database, not shipped from the test
  await sql`INSERT INTO signals (id, symbol, timeframe, open_time, direction, score, entry, stop, target, features, session, volatility_regime, trend_regime)
    SELECT 'S' || lpad(i::text, 6, '0'), 'BTC', '1m', ${T0}::bigint + i::bigint * 60000, 'long', 60 + (i % 40), 100, 99, 102, '{}'::jsonb,
           (ARRAY['asia','london','newyork'])[1 + i % 3], (ARRAY['low','normal','high'])[1 + i % 3], (ARRAY['up','down','flat'])[1 + i % 3]
    FROM generate_series(1, 100000) AS i`.execute(ctx.t.database.db);
  await sql`INSERT INTO scores (id, symbol, timeframe, open_time, score, direction, components, features)
    SELECT 'S' || lpad(i::text, 6, '0'), 'BTC', '1m', ${T0}::bigint + i::bigint * 60000, (i % 1000) / 10.0, null, '{}'::jsonb, '{}'::jsonb
    FROM generate_series(1, 100000) AS i`.execute(ctx.t.database.db);
  const { testGuard } = await import('./analytics-fixture.ts');
  ctx.app = await dashboardApp(analyticsRoutes, { guard: testGuard, db: ctx.t.database.db, defaultTriggerScore: 70 });
});
big.after(async (ctx) => {
  await ctx.app?.close();
  await ctx.t?.cleanup();
});

big('heatmap, histogram and breakdown stay a few KB; the list is one page', async ({ app }) => {
  const heat = await get(app, '/analytics/heatmap?tz=Europe/London');
  assert.is(heat.body.total, 100_000);
  assert.ok(heat.bytes < 4_000, `heatmap ${heat.bytes} bytes`);
  const hist = await get(app, '/analytics/histogram?width=1');
  assert.is(hist.body.total, 100_000);
  assert.is(hist.body.counts.length, 100); // scores 0.0 .. 99.9
  assert.ok(hist.bytes < 4_000, `histogram ${hist.bytes} bytes`);
  const breakdown = await get(app, '/analytics/breakdown?by=volatility');
  assert.equal(breakdown.body.lines.map((l: { signals: number }) => l.signals), [33334, 33333, 33333]);
  assert.ok(breakdown.bytes < 2_000);
  const list = await get(app, '/analytics/signals');
  assert.is(list.body.signals.length, 50);
  assert.is(list.body.signals[0].id, 'S100000');
  assert.ok(list.body.next !== null);
  assert.ok(list.bytes < 20_000, `page ${list.bytes} bytes`);
});

big.run();
