import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BarBuilder, LATE_DETAILS_KEPT, type BarBuilderSnapshot } from '../../actors/bars/index.ts';
import type { Bar, BarEvent, MarketEvent, TickEvent, Timeframe } from '../../actors/domain/messages.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { seededRandom } from './seeded-random.ts';

const s = suite('bar-builder');

// B = 2023-11-14T22:00:00Z = 472_222 * 3_600_000: aligned to 1m, 5m, 15m and 1h.
const B = 1_699_999_200_000;
const M = 60_000;

const tick = (ts: number, price: number, size = 1, symbol = 'BTCUSDT'): TickEvent => ({ kind: 'tick', symbol, ts, price, size });
const inBar = (ts: number, timeframe: Timeframe, o: number, h: number, l: number, c: number, v: number, symbol = 'ES'): BarEvent =>
  ({ kind: 'bar', symbol, ts, timeframe, open: o, high: h, low: l, close: c, volume: v });
const ohlcvc = (b: Bar) => [b.open, b.high, b.low, b.close, b.volume, b.count];

s('emits a bar only when a tick of a later bucket arrives, with exact OHLCV', () => {
  const b = new BarBuilder({ timeframes: ['1m', '5m'] });
  assert.equal(b.apply(tick(B + 1_000, 100, 2)), []);
  assert.equal(b.apply(tick(B + 20_000, 102, 1)), []);
  assert.equal(b.apply(tick(B + 40_000, 99, 3)), []);
  assert.equal(b.apply(tick(B + 59_999, 101, 1)), [], 'last ms of the bucket still belongs to it');
  const closed = b.apply(tick(B + M, 103, 5));
  assert.is(closed.length, 1);
  const bar = closed[0]!;
  // O = first tick 100, H = 102, L = 99, C = last tick 101, V = 2+1+3+1 = 7, 4 ticks
  assert.equal(ohlcvc(bar), [100, 102, 99, 101, 7, 4]);
  assert.is(bar.id, `BTCUSDT:1m:${B}`);
  assert.is(bar.openTime, B);
  assert.is(bar.closeTime, B + M);
  assert.is(bar.timeframe, '1m');

  const at5 = b.apply(tick(B + 5 * M, 104, 1));
  assert.equal(at5.map((x) => x.timeframe), ['1m', '5m'], 'finest timeframe first');
  // 1m bucket B+1m held only the 103 x5 tick
  assert.equal(ohlcvc(at5[0]!), [103, 103, 103, 103, 5, 1]);
  // 5m bucket B: O 100, H 103, L 99, C 103 (tick at B+1m), V 7+5 = 12, 5 ticks
  assert.equal(ohlcvc(at5[1]!), [100, 103, 99, 103, 12, 5]);
  assert.is(at5[1]!.closeTime, B + 5 * M);
  assert.equal(b.stats, { late: 0, applied: 6, ignored: 0, clockClosed: 0 });
});

s('invents no bars for empty buckets across a gap', () => {
  const b = new BarBuilder({ timeframes: ['1m'] });
  b.apply(tick(B + 1_000, 10));
  const closed = b.apply(tick(B + 5 * M + 10, 11));
  assert.equal(closed.map((x) => x.openTime), [B], 'only the bucket that had ticks');
  assert.equal(b.openBars().map((x) => [x.openTime, x.close]), [[B + 5 * M, 11]], 'the last bucket stays open');
});

s('drops a tick older than the open bucket, counts it, and keeps every timeframe consistent', () => {
  const b = new BarBuilder({ timeframes: ['1m', '5m'] });
  b.apply(tick(B + 70_000, 10));
  assert.is(b.apply(tick(B + 130_000, 11)).length, 1); // closes 1m B+1m
  assert.equal(b.apply(tick(B + 100_000, 50)), [], 'B+1m bucket was already emitted');
  assert.is(b.stats.late, 1);
  const oneMin = b.apply(tick(B + 190_000, 12));
  assert.equal(ohlcvc(oneMin[0]!), [11, 11, 11, 11, 1, 1], 'the late 50 did not enter the next bucket either');
  const closed = b.apply(tick(B + 5 * M, 13));
  const fiveMin = closed.find((x) => x.timeframe === '5m')!;
  // The late tick fell inside the still-open 5m bucket but is dropped there too: H 12 not 50, 3 ticks 10, 11, 12.
  assert.equal(ohlcvc(fiveMin), [10, 12, 10, 12, 3, 3]);
  assert.equal(b.stats, { late: 1, applied: 4, ignored: 0, clockClosed: 0 });
});

s('folds out-of-order ticks inside the open bucket by event time', () => {
  const b = new BarBuilder({ timeframes: ['1m'] });
  b.apply(tick(B + 30_000, 10));
  b.apply(tick(B + 10_000, 9)); // earlier than the first arrival: becomes the open
  b.apply(tick(B + 50_000, 12));
  b.apply(tick(B + 50_000, 11)); // ties the latest ts: last arrival sets the close
  b.apply(tick(B + 10_000, 8)); // ties the earliest ts: first arrival (9) keeps the open
  b.apply(tick(B + 20_000, 15)); // older than the latest: only high/volume move
  const [bar] = b.apply(tick(B + M, 1));
  // O 9 (ts 10s, first arrival), H 15, L 8, C 11 (ts 50s, last arrival), V 6, 6 ticks
  assert.equal(ohlcvc(bar!), [9, 15, 8, 11, 6, 6]);
  assert.is(b.stats.late, 0);
});

s('keeps identical prints (dedupe is upstream, by message id)', () => {
  const b = new BarBuilder({ timeframes: ['1m'] });
  b.apply(tick(B + 1_000, 10, 2));
  b.apply(tick(B + 1_000, 10, 2));
  const [bar] = b.apply(tick(B + M, 10));
  assert.equal([bar!.volume, bar!.count], [4, 2]);
});

s('keeps symbols independent', () => {
  const b = new BarBuilder({ timeframes: ['1m'] });
  b.apply(tick(B + 1_000, 10, 1, 'A'));
  b.apply(tick(B + 2_000, 20, 1, 'B'));
  assert.equal(b.apply(tick(B + M, 11, 1, 'A')).map((x) => [x.symbol, x.close]), [['A', 10]]);
  assert.equal(b.apply(tick(B + 3_000, 21, 1, 'B')), [], 'B still in its first bucket');
});

s('builds a 5m bar from 1m input bars, closing on the 5th', () => {
  const b = new BarBuilder({ timeframes: ['1m', '5m', '15m'] });
  const inputs = [
    inBar(B, '1m', 100, 101, 99, 100.5, 10),
    inBar(B + M, '1m', 101, 102, 100, 101.5, 20),
    inBar(B + 2 * M, '1m', 102, 108, 101, 102.5, 30),
    inBar(B + 3 * M, '1m', 103, 104, 98, 103.5, 40),
    inBar(B + 4 * M, '1m', 104, 105, 103, 104.5, 50),
  ];
  for (const ev of inputs.slice(0, 4)) {
    assert.equal(b.apply(ev).map((x) => x.timeframe), ['1m'], 'a 1m input is itself a closed 1m bar');
  }
  const last = b.apply(inputs[4]!);
  assert.equal(last.map((x) => x.timeframe), ['1m', '5m']);
  // O 100 (first), H 108 (3rd), L 98 (4th), C 104.5 (5th), V 10+20+30+40+50 = 150, 5 inputs
  assert.equal(ohlcvc(last[1]!), [100, 108, 98, 104.5, 150, 5]);
  assert.equal(ohlcvc(last[0]!), [104, 105, 103, 104.5, 50, 1]);
  assert.equal(b.openBars().map((x) => x.timeframe), ['15m'], '15m keeps filling');
});

s('a stream that starts mid-bucket closes its first higher bucket with what it saw', () => {
  const b = new BarBuilder({ timeframes: ['1m', '15m'] });
  // Starts 10 minutes into the 15m bucket B; the 1m bar at B+14m reaches the bucket end.
  for (let k = 10; k < 14; k++) assert.equal(b.apply(inBar(B + k * M, '1m', k, k + 1, k - 1, k, 1)).map((x) => x.timeframe), ['1m']);
  const out = b.apply(inBar(B + 14 * M, '1m', 14, 15, 13, 14, 1));
  // 15m bucket B from inputs k = 10..14: O 10, H 15, L 9, C 14, V 5, count 5 (not 15: the count shows it is partial)
  assert.equal(out.map((x) => [x.timeframe, x.openTime, ...ohlcvc(x)]), [['1m', B + 14 * M, 14, 15, 13, 14, 1, 1], ['15m', B, 10, 15, 9, 14, 5, 5]]);
});

s('closes a higher-timeframe bucket from bar input when a later bucket arrives (gap)', () => {
  const b = new BarBuilder({ timeframes: ['5m'] });
  b.apply(inBar(B, '1m', 1, 2, 0.5, 1.5, 3));
  b.apply(inBar(B + M, '1m', 1.5, 3, 1, 2, 4));
  const closed = b.apply(inBar(B + 6 * M, '1m', 2, 2, 2, 2, 1));
  // bucket B had 2 inputs: O 1, H 3, L 0.5, C 2, V 7
  assert.equal(closed.map((x) => [x.openTime, ...ohlcvc(x)]), [[B, 1, 3, 0.5, 2, 7, 2]]);
});

s('never builds a lower timeframe from a 5m input, and drops a redelivered 5m bar as late', () => {
  const b = new BarBuilder();
  const out = b.apply(inBar(B, '5m', 10, 12, 9, 11, 100));
  assert.equal(out.map((x) => [x.timeframe, x.openTime, ...ohlcvc(x)]), [['5m', B, 10, 12, 9, 11, 100, 1]]);
  assert.equal(b.openBars().map((x) => x.timeframe), ['15m', '1h'], 'no 1m anywhere');
  assert.equal(b.apply(inBar(B, '5m', 10, 12, 9, 11, 100)), []);
  assert.equal(b.stats, { late: 1, applied: 1, ignored: 0, clockClosed: 0 });
});

s('tells which bar a late event would have gone into and where its series stood, once', () => {
  const b = new BarBuilder({ timeframes: ['1m', '5m'] });
  b.apply(tick(B + 70_000, 10));
  b.apply(tick(B + 130_000, 11)); // emits 1m B+1m; the open 1m bucket is B+2m
  assert.equal(b.takeLate(), [], 'nothing late yet');
  b.apply(tick(B + 100_000, 50));
  // 1m is the finest series that refuses it: its bucket B+1m, the series open from B+2m.
  assert.equal(b.takeLate(), [{ symbol: 'BTCUSDT', kind: 'tick', ts: B + 100_000, timeframe: '1m', barOpenTime: B + M, openFrom: B + 2 * M, why: 'closed' }]);
  assert.equal(b.takeLate(), [], 'taken once');
  assert.is(b.stats.late, 1);
});

s('a re-sent input bar (same open time, other content) is late, not folded into the open bucket twice', () => {
  const b = new BarBuilder({ timeframes: ['5m'] });
  b.apply(inBar(B, '1m', 100, 101, 99, 100.5, 10));
  b.apply(inBar(B + M, '1m', 101, 102, 100, 101.5, 20));
  assert.equal(b.apply(inBar(B + M, '1m', 101, 200, 100, 150, 99)), [], 'correction of a closed 1m input');
  assert.equal(b.takeLate(), [{ symbol: 'ES', kind: 'bar', ts: B + M, inputTimeframe: '1m', timeframe: '5m', barOpenTime: B, openFrom: B, why: 'resent' }]);
  b.apply(inBar(B + 2 * M, '1m', 102, 103, 101, 102.5, 30));
  b.apply(inBar(B + 3 * M, '1m', 103, 104, 102, 103.5, 40));
  const [five] = b.apply(inBar(B + 4 * M, '1m', 104, 105, 103, 104.5, 50));
  // O 100, H 105 (not 200), L 99, C 104.5, V 10+20+30+40+50 = 150 (not +99), 5 inputs
  assert.equal(ohlcvc(five!), [100, 105, 99, 104.5, 150, 5]);
  assert.equal(b.stats, { late: 1, applied: 5, ignored: 0, clockClosed: 0 });
  // the re-send check survives a snapshot
  const c = new BarBuilder({ timeframes: ['5m'] });
  c.apply(inBar(B, '1m', 100, 101, 99, 100.5, 10));
  const restored = BarBuilder.restore(JSON.parse(JSON.stringify(c.snapshot())) as BarBuilderSnapshot);
  restored.apply(inBar(B, '1m', 100, 101, 99, 100.5, 10));
  assert.is(restored.stats.late, 1);
});

s('keeps the details of at most LATE_DETAILS_KEPT late events between takes, and counts them all', () => {
  const b = new BarBuilder({ timeframes: ['1m'] });
  b.apply(tick(B + 10 * M, 10));
  for (let k = 0; k < LATE_DETAILS_KEPT + 50; k++) b.apply(tick(B + k, 9));
  assert.is(b.stats.late, LATE_DETAILS_KEPT + 50);
  const late = b.takeLate();
  assert.is(late.length, LATE_DETAILS_KEPT);
  assert.equal([late[0]!.ts, late.at(-1)!.ts], [B, B + LATE_DETAILS_KEPT - 1], 'the oldest ones');
});

s('a checkpoint written before ignored events were counted restores with ignored = 0', () => {
  const snap = { version: 1, timeframes: ['1m'], stats: { late: 2, applied: 3 }, series: [] } as unknown as BarBuilderSnapshot;
  assert.equal(BarBuilder.restore(snap).stats, { late: 2, applied: 3, ignored: 0, clockClosed: 0 });
});

s('ignores an input bar coarser than every configured timeframe', () => {
  const b = new BarBuilder({ timeframes: ['1m', '5m'] });
  assert.equal(b.apply(inBar(B, '1h', 1, 2, 0, 1, 9)), []);
  assert.equal(b.openBars(), []);
  assert.equal(b.stats, { late: 0, applied: 0, ignored: 1, clockClosed: 0 });
});

s('refuses an unknown timeframe naming the field', () => {
  try {
    new BarBuilder({ timeframes: ['2m' as Timeframe] });
    assert.unreachable();
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID'));
    assert.is(err.info['field'], 'timeframes');
  }
});

/** Ticks for three symbols with jitter (some out of order, some late) and, for a fourth, 1m bars with gaps and redeliveries. */
function randomEvents(seed: number, n: number): MarketEvent[] {
  const rnd = seededRandom(seed);
  const events: MarketEvent[] = [];
  let clock = B;
  let barTime = B;
  let lastBar: BarEvent | null = null;
  const price: Record<string, number> = { A: 100, B: 50, C: 10 };
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.1) {
      if (lastBar !== null && rnd() < 0.3) {
        events.push(lastBar); // redelivered: must be dropped as late
        lastBar = null;
        continue;
      }
      barTime += (rnd() < 0.2 ? 2 : 1) * M;
      const o = 20 + rnd();
      lastBar = inBar(barTime, '1m', o, o + rnd(), o - rnd(), o + rnd() - 0.5, Math.floor(rnd() * 50));
      events.push(lastBar);
      continue;
    }
    clock += Math.floor(rnd() * 20_000);
    const symbol = ['A', 'B', 'C'][Math.floor(rnd() * 3)]!;
    price[symbol] = Math.round((price[symbol]! + (rnd() - 0.5)) * 100) / 100;
    const jitter = rnd() < 0.15 ? Math.floor(rnd() * 90_000) : 0; // up to 1.5 min back in time
    events.push(tick(clock - jitter, price[symbol]!, 1 + Math.floor(rnd() * 5), symbol));
  }
  return events;
}

s('snapshot/restore mid-stream gives the same output as an uninterrupted run', () => {
  const events = randomEvents(20240601, 4000);
  const whole = new BarBuilder();
  const expected = events.map((e) => whole.apply(e));
  assert.ok(whole.stats.late > 10, `the stream exercises late events (${whole.stats.late})`);

  // Many cut points, so some fall between a bar and its redelivery, or inside an open bucket with out-of-order ticks.
  for (let cut = 1; cut < events.length; cut += 53) {
    let b = new BarBuilder();
    const got: Bar[][] = events.slice(0, cut).map((e) => b.apply(e));
    const snap = JSON.parse(JSON.stringify(b.snapshot())) as BarBuilderSnapshot;
    b = BarBuilder.restore(snap);
    for (const e of events.slice(cut)) got.push(b.apply(e));
    assert.equal(got, expected, `cut at ${cut}`);
    assert.equal(b.stats, whole.stats);
    assert.equal(b.openBars(), whole.openBars());
  }
});

s('every timeframe aggregates the same accepted ticks (5m = its 1m bars)', () => {
  const events = randomEvents(7, 4000).filter((e) => e.kind === 'tick');
  const b = new BarBuilder({ timeframes: ['1m', '5m'] });
  const bars = events.flatMap((e) => b.apply(e));
  const fives = bars.filter((x) => x.timeframe === '5m');
  assert.ok(fives.length > 20);
  for (const f of fives) {
    const ones = bars.filter((x) => x.timeframe === '1m' && x.symbol === f.symbol && x.openTime >= f.openTime && x.openTime < f.closeTime);
    assert.is(f.high, Math.max(...ones.map((x) => x.high)), f.id);
    assert.is(f.low, Math.min(...ones.map((x) => x.low)), f.id);
    assert.is(f.count, ones.reduce((a, x) => a + x.count, 0), f.id);
    assert.is(f.volume, ones.reduce((a, x) => a + x.volume, 0), f.id);
    assert.is(f.open, ones[0]!.open, f.id);
    assert.is(f.close, ones[ones.length - 1]!.close, f.id);
  }
});

s('closeDue closes a live bucket once its end + grace has passed, not a ms before, with the OHLCV a later tick would have given', () => {
  const b = new BarBuilder({ timeframes: ['1m', '5m'] });
  b.apply(tick(B + 1_000, 100, 2), { live: true });
  b.apply(tick(B + 30_000, 105, 1), { live: true });
  b.apply(tick(B + 50_000, 98, 4), { live: true });
  const grace = 2_000;
  assert.equal(b.closeDue(B + M + grace - 1, grace), [], 'end + grace − 1 ms: still open');
  const closed = b.closeDue(B + M + grace, grace);
  assert.equal(closed.map((x) => x.id), [`BTCUSDT:1m:${B}`], 'the 1m bar only: the 5m bucket runs to B + 5m');
  // O 100 (first), H 105, L 98, C 98 (last), V 2+1+4 = 7, 3 ticks
  assert.equal(ohlcvc(closed[0]!), [100, 105, 98, 98, 7, 3]);
  assert.is(b.stats.clockClosed, 1);
  assert.equal(b.closeDue(B + M + grace, grace), [], 'closed once');
  // a tick for the bucket the clock closed is late, as for any emitted bar
  assert.equal(b.apply(tick(B + 59_000, 200, 1), { live: true }), []);
  assert.is(b.stats.late, 1);
  // the next tick opens the next 1m bucket; the 5m one keeps every accepted tick
  b.apply(tick(B + M + 5_000, 101, 1), { live: true });
  const at5 = b.closeDue(B + 5 * M + grace, grace);
  assert.equal(at5.map((x) => x.timeframe), ['1m', '5m'], 'finest first');
  assert.equal(ohlcvc(at5[1]!), [100, 105, 98, 101, 8, 4]);
  assert.is(b.stats.clockClosed, 3);
});

s('closeDue never closes a replayed series, and a replayed event takes a series off the clock', () => {
  const b = new BarBuilder({ timeframes: ['1m'] });
  b.apply(tick(B + 1_000, 100, 1, 'SPY'));
  b.apply(tick(B + 1_000, 50, 1, 'BTC'), { live: true });
  const far = B + 10 * 24 * 60 * M;
  assert.equal(b.closeDue(far, 0).map((x) => x.symbol), ['BTC'], 'only the live series');
  assert.is(b.openBars().length, 1, 'SPY still filling');
  b.apply(tick(B + 2 * M, 51, 1, 'BTC'), { live: true });
  b.apply(tick(B + 2 * M + 1, 52, 1, 'BTC')); // replayed now
  assert.equal(b.closeDue(far, 0), []);
});

s('a live series stays live through a snapshot and restore', () => {
  const b = new BarBuilder({ timeframes: ['1m'] });
  b.apply(tick(B + 1_000, 100, 1), { live: true });
  const snap = JSON.parse(JSON.stringify(b.snapshot())) as BarBuilderSnapshot;
  assert.is(snap.series[0]!.live, true);
  const r = BarBuilder.restore(snap);
  assert.equal(r.closeDue(B + M, 0).map((x) => x.id), [`BTCUSDT:1m:${B}`]);
  assert.is(r.stats.clockClosed, 1);
});

s.run();
