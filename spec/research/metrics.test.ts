/** The report's summary numbers on the hand-built fixture (spec/research/fixtures.ts); every expected value is worked out here by hand. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dailyReturns, exposureOf, scoreBucket, summarize } from '../../actors/research/metrics.ts';
import { at, buildResult, HOUR, T0, trade } from './fixtures.ts';

const s = suite('research metrics');
const close = (a: number | null, b: number, eps = 1e-9): void => assert.ok(a !== null && Math.abs(a - b) < eps, `${a} ≈ ${b}`);

s('counts, win rate, expectancy and profit factor add up by hand', () => {
  const m = summarize(buildResult());
  // pnl +50, −30, −40, +60: 2 wins, 2 losses; R 1 − 0.6 − 0.8 + 1.2 = 0.8 over 4 = 0.2
  assert.is(m.trades, 4);
  assert.is(m.wins, 2);
  assert.is(m.losses, 2);
  close(m.winRate, 0.5);
  close(m.expectancyR, 0.2);
  close(m.netPnl, 40);
  close(m.grossProfit, 110);
  close(m.grossLoss, -70);
  close(m.profitFactor, 110 / 70);
  // modelled (2 + 4 + 2 + 4) / 4 = 3 bps; realised (3 + 5 + 1 + 7) / 4 = 4 bps
  close(m.avgModelledSlippageBps, 3);
  close(m.avgRealisedSlippageBps, 4);
});

s('the drawdown is the largest fall from a running peak, as a fraction of that peak and in money', () => {
  // equity 1000 → 1050 → 1020 → 980 → 1040: peak 1050, trough 980, fall 70 = 6.67 % of 1050
  const m = summarize(buildResult());
  close(m.maxDrawdown, 70 / 1050);
  close(m.maxDrawdownAbs, 70);
  // 100 → 50 (−50, 50 % of 100) → 1000 → 900 (−100, 10 % of 1000): the fraction and the money come from different falls
  const r = buildResult({ startingEquity: 100, trades: [
    trade({ signalId: 'a', entryTime: at(11, 1), exitTime: at(11, 2), pnl: -50, r: -1 }),
    trade({ signalId: 'b', entryTime: at(11, 3), exitTime: at(11, 4), pnl: 950, r: 19 }),
    trade({ signalId: 'c', entryTime: at(11, 5), exitTime: at(11, 6), pnl: -100, r: -2 }),
  ] });
  const d = summarize(r);
  close(d.maxDrawdown, 0.5);
  close(d.maxDrawdownAbs, 100);
});

s('a curve that only rises has no drawdown', () => {
  const m = summarize(buildResult({ trades: [trade({ signalId: 'a', pnl: 10, r: 1 })] }));
  assert.is(m.maxDrawdown, 0);
  assert.is(m.maxDrawdownAbs, 0);
});

s('exposure counts overlapping trades once', () => {
  // window 11th 00:00 → 14th 12:00 = 84 h; t1 08–12 and t2 10–16 overlap: 08–16 = 8 h; t3 2 h; t4 6 h → 16 h
  close(summarize(buildResult()).exposure, 16 / 84);
  // nested (2–3 inside 1–5) and one clipped by the window's end (9–12 in a 0–10 window): 4 h + 1 h of 10 h
  const trades = [{ entryTime: 1 * HOUR, exitTime: 5 * HOUR }, { entryTime: 2 * HOUR, exitTime: 3 * HOUR }, { entryTime: 9 * HOUR, exitTime: 12 * HOUR }];
  close(exposureOf(trades, 0, 10 * HOUR), 0.5);
  assert.is(exposureOf(trades, 5, 5), null);
});

s('the profit factor is null, not Infinity, when no trade lost', () => {
  const m = summarize(buildResult({ trades: [trade({ signalId: 'a', pnl: 10, r: 1 }), trade({ signalId: 'b', entryTime: at(12, 1), pnl: 5, r: 0.5 })] }));
  assert.is(m.profitFactor, null);
  assert.is(m.losses, 0);
  assert.ok(m.notes.some((n) => n.includes('Profit factor n/a')));
  assert.not.throws(() => JSON.parse(JSON.stringify(m)));
});

s('with no trades the ratios are null and the counts zero', () => {
  const m = summarize(buildResult({ trades: [] }));
  assert.is(m.trades, 0);
  assert.is(m.winRate, null);
  assert.is(m.expectancyR, null);
  assert.is(m.profitFactor, null);
  assert.is(m.avgModelledSlippageBps, null);
  assert.is(m.exposure, 0);
  assert.is(m.maxDrawdown, 0);
  // four days of flat equity: returns 0, 0, 0, 0 have no deviation
  assert.is(m.sharpe, null);
  assert.is(m.sortino, null);
  assert.equal(m.breakdowns.direction, []);
});

s('Sharpe and Sortino are computed on daily UTC returns with equity carried over a day without trades', () => {
  // day-end equity: start 1000; 11th 1020 (t1, t2); 12th 980 (t3); 13th 1040 (t4); 14th 1040 (nothing, carried)
  const marks = [1000, 1020, 980, 1040, 1040];
  const rets = marks.slice(1).map((e, i) => e / marks[i]! - 1);
  assert.equal(dailyReturns(buildResult().equity, T0, at(14, 12)).length, 4);
  dailyReturns(buildResult().equity, T0, at(14, 12)).forEach((r, i) => close(r, rets[i]!));
  // naive: mean, sample standard deviation (n − 1), downside deviation over all n days (target 0)
  let total = 0;
  for (const r of rets) total += r;
  const m = total / 4;
  let sq = 0;
  let down = 0;
  for (const r of rets) {
    sq += (r - m) * (r - m);
    if (r < 0) down += r * r;
  }
  const sharpe = (m / Math.sqrt(sq / 3)) * Math.sqrt(365);
  const sortino = (m / Math.sqrt(down / 4)) * Math.sqrt(365);
  const sum = summarize(buildResult());
  assert.is(sum.dailyReturns, 4);
  close(sum.sharpe, sharpe);
  close(sum.sortino, sortino);
  // the numbers themselves, by hand: r = 0.02, −0.039216, 0.061224, 0; mean 0.010502; sample sd 0.041813;
  // downside deviation √(0.039216² / 4) = 0.019608; × √365 = 19.105 → Sharpe ≈ 4.80, Sortino ≈ 10.23
  close(sum.sharpe, 4.80, 0.01);
  close(sum.sortino, 10.23, 0.01);
});

s('a trade closing at 00:00 UTC counts in the new day', () => {
  const r = buildResult({ trades: [trade({ signalId: 'a', entryTime: at(11, 23), exitTime: at(12, 0), pnl: 100, r: 1 })], to: at(12, 12) });
  // marks: start 1000; 11th 1000; 12th 1100 → returns 0, 0.1
  const rets = dailyReturns(r.equity, r.meta.from, r.meta.to);
  assert.is(rets.length, 2);
  close(rets[0]!, 0);
  close(rets[1]!, 0.1);
  // fewer than 2 returns: one day only
  assert.is(summarize(buildResult({ to: at(11, 23), trades: [trade({ signalId: 'a', pnl: 5, r: 1 })] })).sharpe, null);
});

s('breakdowns group trades by regime, direction and score bucket, with null regimes as n/a', () => {
  const b = summarize(buildResult()).breakdowns;
  assert.equal(b.direction.map((r) => [r.key, r.trades, r.wins, r.netPnl]), [['long', 3, 2, 70], ['short', 1, 0, -30]]);
  close(b.direction[0]!.expectancyR, (1 - 0.8 + 1.2) / 3);
  close(b.direction[0]!.winRate, 2 / 3);
  assert.equal(b.volatility.map((r) => [r.key, r.trades, r.netPnl]), [['high', 1, -30], ['normal', 2, 110], ['n/a', 1, -40]]);
  assert.equal(b.trend.map((r) => r.key), ['down', 'flat', 'up', 'n/a']);
  assert.equal(b.session.map((r) => [r.key, r.trades, r.netPnl]), [['london', 2, 10], ['new_york', 2, 30]]);
  // scores 72, 65, 85, 78
  assert.equal(b.scoreBucket.map((r) => [r.key, r.trades, r.netPnl]), [['60-69', 1, -30], ['70-79', 2, 110], ['80-89', 1, -40]]);
  assert.equal([scoreBucket(0), scoreBucket(79.9), scoreBucket(90), scoreBucket(100)], ['0-9', '70-79', '90-100', '90-100']);
});

s('the notes say the gate was simulated and how many warm-up bars were left out', () => {
  const notes = summarize(buildResult({ warmupBars: 30 })).notes;
  assert.ok(notes.some((n) => n.includes('simulated approve-all')));
  assert.ok(notes.some((n) => n.includes('first 30 bars')));
});

s.run();
