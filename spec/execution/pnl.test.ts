/** Equity curve, daily P&L (UTC days) and drawdown; the sums are done by hand in the comments. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { currentEquity, dailyPnl, equityCurve, maxDrawdown, utcDay } from '../../actors/execution/index.ts';

const s = suite('pnl');
const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

// Given out of order on purpose; realised order is a (11 March 23:59 UTC), b (12 March 00:01), c (12 March 10:00)
const trades = [
  { id: 'c', exitTime: Date.parse('2024-03-12T10:00:00Z'), pnl: 8.5 },
  { id: 'a', exitTime: Date.parse('2024-03-11T23:59:00Z'), pnl: 36.5 },
  { id: 'b', exitTime: Date.parse('2024-03-12T00:01:00Z'), pnl: -23.5 },
];

s('the equity curve adds each trade in the order it was realised', () => {
  // 1000 + 36.5 = 1036.5; − 23.5 = 1013; + 8.5 = 1021.5
  const curve = equityCurve(1000, trades);
  assert.equal(curve.map((p) => p.tradeId), ['a', 'b', 'c']);
  assert.equal(curve.map((p) => p.equity), [1036.5, 1013, 1021.5]);
  close(currentEquity(1000, trades), 1021.5);
});

s('daily P&L is grouped by the UTC day of the exit', () => {
  // 11 March: a = 36.5; 12 March: b + c = −23.5 + 8.5 = −15 (two minutes apart across UTC midnight)
  assert.equal(dailyPnl(trades), [
    { day: '2024-03-11', pnl: 36.5, trades: 1 },
    { day: '2024-03-12', pnl: -15, trades: 2 },
  ]);
  assert.is(utcDay(Date.parse('2024-03-11T23:59:59.999Z')), '2024-03-11');
});

s('max drawdown is the largest fall from a peak', () => {
  close(maxDrawdown(1000, trades), 23.5); // peak 1036.5 → 1013
  assert.is(maxDrawdown(1000, []), 0);
  assert.equal(dailyPnl([]), []);
});

s.run();
