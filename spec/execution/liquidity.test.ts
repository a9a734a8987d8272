/** The trailing volume percentile and the low-liquidity verdict; percentiles by nearest rank, by hand. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bar } from '../../actors/domain/messages.ts';
import { LiquidityTracker, nearestRankPercentile } from '../../actors/execution/index.ts';
import { tradingSessions } from '../../adapters/time/sessions.ts';

const s = suite('liquidity');
const MONDAY_1230 = Date.parse('2024-03-11T12:30:00Z'); // London and New York open
const b = (volume: number, timeframe: Bar['timeframe'] = '1m', symbol = 'SPY') => ({ symbol, timeframe, volume });

s('nearest-rank percentile picks the value at rank ceil(p/100 · n)', () => {
  const v = [5, 1, 4, 2, 3];
  assert.is(nearestRankPercentile(v, 10), 1); // ceil(0.5) = 1
  assert.is(nearestRankPercentile(v, 40), 2); // ceil(2) = 2
  assert.is(nearestRankPercentile(v, 50), 3); // ceil(2.5) = 3
  assert.is(nearestRankPercentile(v, 99), 5);
});

s('a bar below the trailing percentile is thin; the window is bounded; warm-up applies no volume test', () => {
  const t = new LiquidityTracker({ window: 5, percentile: 40, minSamples: 3 });
  const open = tradingSessions(MONDAY_1230);
  t.update(b(10));
  t.update(b(20));
  assert.equal(t.isLowLiquidity(b(1), open), { low: false, reasons: [], threshold: null }); // 2 < minSamples
  t.update(b(30));
  // [10, 20, 30], p40 → rank ceil(1.2) = 2 → 20
  assert.equal(t.isLowLiquidity(b(15), open), { low: true, reasons: ['thin_volume'], threshold: 20 });
  assert.is(t.isLowLiquidity(b(20), open).low, false);
  for (const v of [40, 50, 60]) t.update(b(v));
  // window keeps the last 5: [20, 30, 40, 50, 60] → rank 2 → 30
  assert.is(t.threshold(b(0)), 30);
  // another timeframe has its own window
  assert.is(t.threshold(b(0, '1h')), null);
});

s('a bar outside every main session is low liquidity (weekends, the gap after New York)', () => {
  const t = new LiquidityTracker();
  const saturday = tradingSessions(Date.parse('2024-03-09T12:30:00Z'));
  assert.equal(t.isLowLiquidity(b(1e9), saturday).reasons, ['off_session']);
  // Monday 22:00 UTC: Tokyo 07:00, London 22:00, New York 18:00 EDT: all closed
  assert.equal(t.isLowLiquidity(b(1e9), tradingSessions(Date.parse('2024-03-11T22:00:00Z'))).reasons, ['off_session']);
  assert.equal(t.isLowLiquidity(b(1e9), tradingSessions(MONDAY_1230)).low, false);
});

s('a snapshot restores the same windows through JSON', () => {
  const t = new LiquidityTracker({ window: 4, percentile: 50, minSamples: 2 });
  for (const v of [3, 1, 2]) t.update(b(v));
  t.update(b(7, '5m', 'BTC/USDT'));
  const back = LiquidityTracker.restore(JSON.parse(JSON.stringify(t.snapshot())));
  assert.equal(back.snapshot(), t.snapshot());
  assert.is(back.threshold(b(0)), 2); // [3, 1, 2] → rank ceil(1.5) = 2 → 2
});

s.run();
