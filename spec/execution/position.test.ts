/**
 * Position exits and P&L. The pricer here is a fixed 0.05 against the order and a fee of 1, so
 * every expected number is simple arithmetic worked in the comments (the cost model has its own
 * test). Long example: decision 100, stop 98, target 104, 10 units filled at 100.10 with fee 1,
 * so the initial risk is |100 − 98| × 10 = 20.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bar } from '../../actors/domain/messages.ts';
import { type ExitPricer, Position, type PositionSpec, quoteMarketFill, DEFAULT_COST_MODEL } from '../../actors/execution/index.ts';

const s = suite('position');
const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);
const T0 = Date.parse('2024-03-11T14:00:00Z');
const MIN = 60_000;

function bar(i: number, open: number, high: number, low: number, c: number, symbol = 'SPY'): Bar {
  const openTime = T0 + i * MIN;
  return { id: `${symbol}:1m:${openTime}`, symbol, timeframe: '1m', openTime, closeTime: openTime + MIN, open, high, low, close: c, volume: 1000, count: 1 };
}

const pricer: ExitPricer = (t) => ({ price: t.side === 'sell' ? t.triggerPrice - 0.05 : t.triggerPrice + 0.05, fees: 1 });
const longSpec: PositionSpec = { id: 'SPY:1m:sig', symbol: 'SPY', timeframe: '1m', direction: 'long', decisionPrice: 100, stop: 98, target: 104, timeStopBars: 20 };
// bar 1 is the bar after the signal: its open filled the entry
const openLong = (spec: Partial<PositionSpec> = {}) => Position.open({ ...longSpec, ...spec }, { price: 100.1, qty: 10, fees: 1, time: T0 + MIN });
const entryBar = bar(1, 100, 100.8, 99.5, 100.4);

s('a bar touching both stop and target is a stop-out at the stop', () => {
  const p = openLong();
  assert.is(p.onBar(entryBar, pricer), null);
  const t = p.onBar(bar(2, 100.5, 104.5, 97.5, 103), pricer)!;
  assert.is(t.reason, 'stop');
  assert.is(t.gap, false);
  close(t.exitPrice, 97.95); // stop 98 − 0.05
  close(t.pnl, -23.5); // (97.95 − 100.10) × 10 − 1 − 1
  close(t.initialRisk, 20);
  close(t.r, -1.175); // −23.5 / 20
  assert.is(t.exitTime, T0 + 3 * MIN); // bar 2's close time
  assert.not.ok(p.isOpen);
});

s('a gap through the stop fills at the open, not at the stop', () => {
  const p = openLong();
  p.onBar(entryBar, pricer);
  const t = p.onBar(bar(2, 97, 97.5, 96, 97.2), pricer)!;
  assert.is(t.reason, 'stop');
  assert.is(t.gap, true);
  close(t.exitPrice, 96.95); // open 97 − 0.05
  close(t.pnl, -33.5); // (96.95 − 100.10) × 10 − 2
  close(t.r, -1.675);
  assert.is(t.exitTime, T0 + 2 * MIN); // at bar 2's open
});

s('the target exits at the target; P&L in currency and R', () => {
  const p = openLong();
  p.onBar(entryBar, pricer);
  const t = p.onBar(bar(2, 101, 104.2, 100.5, 104.1), pricer)!;
  assert.is(t.reason, 'target');
  close(t.exitPrice, 103.95);
  close(t.pnl, 36.5); // (103.95 − 100.10) × 10 − 2
  close(t.r, 1.825);
});

s('the time stop closes at the close of bar N, the entry bar counting as bar 1', () => {
  const p = openLong({ timeStopBars: 3 });
  assert.is(p.onBar(entryBar, pricer), null);
  assert.is(p.onBar(bar(2, 100.4, 101, 99.9, 100.9), pricer), null);
  const t = p.onBar(bar(3, 100.9, 101.5, 100.6, 101.2), pricer)!;
  assert.is(t.reason, 'time');
  assert.is(t.barsHeld, 3);
  close(t.exitPrice, 101.15); // close 101.2 − 0.05
  close(t.pnl, 8.5); // (101.15 − 100.10) × 10 − 2
  close(t.r, 0.425);
});

s('a short stops out first on a bar touching both, paying up on the buy-back', () => {
  // decision 50, stop 51, target 48; 4 units sold at 49.90, fee 0.5; risk 1 × 4 = 4
  const p = Position.open({ ...longSpec, direction: 'short', decisionPrice: 50, stop: 51, target: 48 }, { price: 49.9, qty: 4, fees: 0.5, time: T0 + MIN });
  const t = p.onBar(bar(1, 49.9, 51.2, 47.9, 49), pricer)!;
  assert.is(t.reason, 'stop');
  close(t.exitPrice, 51.05); // 51 + 0.05
  close(t.pnl, -6.1); // −(51.05 − 49.90) × 4 − 0.5 − 1
  close(t.r, -1.525);
});

s('the entry bar can stop out (its low comes after the fill) but cannot gap', () => {
  const p = openLong();
  const t = p.onBar(bar(1, 100, 100.2, 97.9, 98.5), pricer)!;
  assert.is(t.reason, 'stop');
  assert.is(t.gap, false);
  close(t.exitPrice, 97.95);
});

s('bars before the entry, of other symbols, or seen already change nothing', () => {
  const p = openLong({ timeStopBars: 2 });
  assert.is(p.onBar(bar(0, 50, 200, 1, 100), pricer), null); // the signal bar itself
  assert.is(p.onBar(bar(1, 50, 200, 1, 100, 'EURUSD'), pricer), null);
  assert.is(p.onBar(entryBar, pricer), null);
  assert.is(p.onBar(entryBar, pricer), null); // redelivered
  assert.is(p.barsHeld, 1);
  assert.ok(p.isOpen);
  assert.is(p.onBar(bar(2, 100.4, 101, 99.9, 100.9), pricer)?.reason, 'time');
});

s('a snapshot restored mid-trade ends exactly like the uninterrupted position', () => {
  const bars = [entryBar, bar(2, 100.4, 101, 99.9, 100.9), bar(3, 101, 104.2, 100.5, 104.1)];
  const straight = openLong();
  for (const b of bars) straight.onBar(b, pricer);
  const first = openLong();
  first.onBar(bars[0]!, pricer);
  first.onBar(bars[1]!, pricer);
  const restored = Position.restore(JSON.parse(JSON.stringify(first.snapshot())));
  restored.onBar(bars[1]!, pricer); // already seen before the snapshot
  restored.onBar(bars[2]!, pricer);
  assert.equal(restored.trade, straight.trade);
  assert.equal(restored.snapshot(), straight.snapshot());
});

s('exits priced by the cost model are worse than the trigger for both sides', () => {
  const model: ExitPricer = (t) => {
    const q = quoteMarketFill(DEFAULT_COST_MODEL, { orderId: `${longSpec.id}:exit`, side: t.side, qty: t.qty, venue: 'equity', basePrice: t.triggerPrice, barVolume: t.bar.volume, sigma: 0.001, lowLiquidity: false });
    return { price: q.price, fees: q.fees, slippage: q.slippage };
  };
  const p = openLong();
  const t = p.onBar(bar(1, 100, 100.2, 97.9, 98.5), model)!;
  assert.ok(t.exitPrice < 98, `sold below the stop: ${t.exitPrice}`);
});

s.run();
