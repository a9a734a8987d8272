import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BarBuilder, bucketStart, closedBuckets } from '../../actors/bars/index.ts';
import type { BarEvent, MarketEvent, Timeframe } from '../../actors/domain/messages.ts';
import { seededRandom } from './seeded-random.ts';

const s = suite('bucket rules');

// H = 2024-01-01T00:00:00Z, aligned to every timeframe up to 1d.
const H = Date.UTC(2024, 0, 1);
const M = 60_000;
const ALL: Timeframe[] = ['1m', '5m', '15m', '1h'];
const bar = (ts: number, timeframe: Timeframe, symbol = 'SPY'): BarEvent =>
  ({ kind: 'bar', symbol, ts, timeframe, open: 10, high: 11, low: 9, close: 10.5, volume: 1 });

s('a 1m bar in the middle of an hour closes only its own minute', () => {
  // 00:07 + 1m = 00:08: not the end of 00:05–00:10, 00:00–00:15 or 00:00–01:00
  assert.equal(closedBuckets(bar(H + 7 * M, '1m'), ALL), [{ timeframe: '1m', openTime: H + 7 * M, closeTime: H + 8 * M }]);
});

s('the last 1m bar of an hour closes 1m, 5m, 15m and 1h, finest first', () => {
  // 00:59 + 1m = 01:00 ends 00:59–01:00, 00:55–01:00, 00:45–01:00 and 00:00–01:00
  assert.equal(closedBuckets(bar(H + 59 * M, '1m'), ['1h', '1m', '15m', '5m']), [
    { timeframe: '1m', openTime: H + 59 * M, closeTime: H + 60 * M },
    { timeframe: '5m', openTime: H + 55 * M, closeTime: H + 60 * M },
    { timeframe: '15m', openTime: H + 45 * M, closeTime: H + 60 * M },
    { timeframe: '1h', openTime: H, closeTime: H + 60 * M },
  ]);
});

s('a 5m bar never builds 1m bars, and closes 15m only at a quarter hour', () => {
  assert.equal(closedBuckets(bar(H + 5 * M, '5m'), ALL).map((c) => c.timeframe), ['5m']);
  assert.equal(closedBuckets(bar(H + 10 * M, '5m'), ALL).map((c) => c.timeframe), ['5m', '15m']);
});

s('a bar of a timeframe that is not configured closes nothing it cannot tile', () => {
  // 4h does not divide 1h; with only 1h configured a 4h bar builds nothing
  assert.equal(closedBuckets(bar(H + 4 * 60 * M, '4h'), ['1h']), []);
  assert.equal(closedBuckets(bar(H + 20 * 60 * M, '4h'), ['1h', '1d']).map((c) => c.timeframe), ['1d']);
});

s('a tick closes nothing by itself', () => {
  assert.equal(closedBuckets({ kind: 'tick', symbol: 'SPY', ts: H + 59 * M + 59_999, price: 1, size: 1 }, ALL), []);
});

s('agrees with the bar builder: the bars an input emits for its own buckets are exactly closedBuckets', () => {
  // Random 1m and 5m bars, in order with random gaps. Bars the builder emits for EARLIER buckets
  // (closed because this input came after a gap) are outside closedBuckets' promise and ignored.
  const rnd = seededRandom(20240101);
  const builder = new BarBuilder({ timeframes: ALL });
  let end = H; // where the previous input bar ended: the next starts there or later (never late)
  let checked = 0;
  for (let i = 0; i < 2000; i++) {
    const tf: Timeframe = rnd() < 0.8 ? '1m' : '5m';
    const step = tf === '1m' ? M : 5 * M;
    const ts = Math.ceil(end / step) * step + step * (rnd() < 0.9 ? 0 : Math.floor(rnd() * 7));
    end = ts + step;
    const event: MarketEvent = bar(ts, tf);
    const emitted = builder
      .apply(event)
      .filter((b) => b.openTime === bucketStart(ts, b.closeTime - b.openTime))
      .map((b) => ({ timeframe: b.timeframe, openTime: b.openTime, closeTime: b.closeTime }));
    assert.equal(emitted, closedBuckets(event, ALL), `input ${tf} at ${new Date(ts).toISOString()}`);
    checked += emitted.length;
  }
  assert.ok(checked > 2000, 'higher timeframes were closed too');
});

s.run();
