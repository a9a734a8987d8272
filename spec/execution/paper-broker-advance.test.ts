/**
 * advanceTo leaves an idle symbol's bars for later (no read, no save) and applies them all, in
 * order, once there is something to fill: the same fill as bar by bar. Memory store; prices by
 * hand as in paper-broker.test.ts (SPY, noise off: 1 bps in all for 100 shares into 10 000).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bar } from '../../actors/domain/messages.ts';
import { DEFAULT_COST_MODEL } from '../../actors/execution/index.ts';
import { MemoryPaperBrokerStore, PaperBroker } from '../../adapters/broker/index.ts';

const T0 = Date.parse('2024-03-11T14:00:00Z'); // a Monday: London and New York open
const MIN = 60_000;
const costModel = { ...DEFAULT_COST_MODEL, noiseBps: 0 };
const bars: Bar[] = Array.from({ length: 10 }, (_, i) => {
  const openTime = T0 + i * MIN;
  const open = 100 + i / 10;
  return { id: `SPY:1m:${openTime}`, symbol: 'SPY', timeframe: '1m', openTime, closeTime: openTime + MIN, open, high: open + 0.2, low: open - 0.2, close: open + 0.1, volume: 10_000, count: 1 };
});

/** `visible.upTo`: the newest bar stored yet (as live: a bar is stored when it closes); every bar by default. */
function counting(visible = { upTo: bars.length - 1 }) {
  const calls: [number, number][] = [];
  const storedBars = async (symbol: string, timeframe: string, from: number, to: number) => {
    calls.push([from, to]);
    return bars.filter((b, i) => i <= visible.upTo && b.symbol === symbol && b.timeframe === timeframe && b.openTime >= from && b.openTime <= to);
  };
  return { calls, storedBars };
}
/** a read reaches BARS_AHEAD (256) bars past the bar asked for (paper-book-cache.ts) */
const AHEAD = 256 * MIN;

const order = (decisionTime: number) => ({
  clientOrderId: 'SPY:1m:sig:entry', symbol: 'SPY', side: 'buy' as const, qty: 100, type: 'market' as const,
  hints: { sigma: 0.001, referencePrice: 100, timeframe: '1m' as const, decisionTime },
});

const s = suite('paper broker advanceTo');

s('an idle symbol is read once, then its bars wait; a placement brings them in first, the order fills at the first bar after it', async () => {
  const visible = { upTo: 0 };
  const { calls, storedBars } = counting(visible);
  const store = new MemoryPaperBrokerStore();
  const broker = await PaperBroker.open({ store, costModel, clock: { now: () => T0 }, storedBars });
  for (let i = 0; i <= 4; i++) {
    visible.upTo = i;
    assert.equal(await broker.advanceTo('SPY', '1m', bars[i]!.openTime), []);
  }
  assert.equal(calls, [[0, T0 + AHEAD]], 'only the first advance read bars: nothing works on SPY after it');
  // decided at bar 5's open: bar 5 is the fill bar (its open at or after the decision)
  assert.ok((await broker.placeOrder(order(bars[5]!.openTime))).ok);
  visible.upTo = 6;
  const fills = await broker.advanceTo('SPY', '1m', bars[6]!.openTime);
  // the placement first applies the bars left for later (1..4), the next advance the rest (5, 6)
  assert.equal(calls.slice(1), [[T0 + 1, bars[4]!.openTime + AHEAD], [bars[4]!.openTime + 1, bars[6]!.openTime + AHEAD]], 'each bar read once, in order');
  assert.is(fills.length, 1);
  const f = fills[0]!;
  assert.is(f.time, bars[5]!.openTime);
  assert.ok(Math.abs(f.price - 100.5 * 1.0001) < 1e-9, `${f.price} = 100.5 × (1 + 1 bps)`);
});

s('an order placed after bars were left for later finds them applied: its catch-up fills it at once', async () => {
  const { storedBars } = counting();
  const broker = await PaperBroker.open({ store: new MemoryPaperBrokerStore(), costModel, clock: { now: () => T0 }, storedBars });
  for (let i = 0; i <= 6; i++) await broker.advanceTo('SPY', '1m', bars[i]!.openTime);
  // decided at bar 3 (approved late, as a gated order is): bars 3..6 were already marked, so the
  // fill is bar 3's open, at once, as if the broker had applied every mark as it came
  assert.ok((await broker.placeOrder(order(bars[3]!.openTime))).ok);
  const { fills } = await broker.fills();
  assert.is(fills.length, 1);
  assert.is(fills[0]!.time, bars[3]!.openTime);
  assert.ok(Math.abs(fills[0]!.price - 100.3 * 1.0001) < 1e-9, `${fills[0]!.price} = 100.3 × (1 + 1 bps)`);
});

s('after a restart the marks left for later come back from the caller (restoreDeferred): a late approval still fills at once', async () => {
  const { storedBars } = counting();
  const store = new MemoryPaperBrokerStore();
  const before = await PaperBroker.open({ store, costModel, clock: { now: () => T0 }, storedBars });
  for (let i = 0; i <= 6; i++) await before.advanceTo('SPY', '1m', bars[i]!.openTime);
  const kept = before.deferredMarks();
  assert.equal(kept, [['SPY', '1m', bars[6]!.openTime]], 'the newest mark of the series, for the caller to keep');
  const forgetful = await PaperBroker.open({ store, costModel, clock: { now: () => T0 }, storedBars });
  const after = await PaperBroker.open({ store, costModel, clock: { now: () => T0 }, storedBars });
  after.restoreDeferred(kept);
  assert.ok((await after.placeOrder(order(bars[3]!.openTime))).ok);
  const [fill] = (await after.fills()).fills;
  assert.is(fill?.time, bars[3]!.openTime, 'filled at bar 3 at once');
  assert.ok(forgetful.deferredMarks().length === 0, 'without the restore a restarted broker knows of no mark');
});

s('the same fill and liquidity verdict as a broker moved bar by bar', async () => {
  const lazy = counting();
  const a = await PaperBroker.open({ store: new MemoryPaperBrokerStore(), costModel, clock: { now: () => T0 }, storedBars: lazy.storedBars });
  const b = await PaperBroker.open({ store: new MemoryPaperBrokerStore(), costModel, clock: { now: () => T0 } });
  for (let i = 0; i <= 6; i++) {
    if (i === 5) {
      await a.placeOrder(order(bars[5]!.openTime));
      await b.placeOrder(order(bars[5]!.openTime));
    }
    await a.advanceTo('SPY', '1m', bars[i]!.openTime);
    await b.onBar(bars[i]!);
  }
  const [fa] = (await a.fills()).fills;
  const [fb] = (await b.fills()).fills;
  assert.equal(fa, fb);
});

s.run();
