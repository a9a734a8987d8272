import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FeatureEngine, type FeatureEngineSnapshot } from '../../actors/features/index.ts';
import { barId, type Bar, type Features, type Timeframe } from '../../actors/domain/messages.ts';
import { seededRandom } from '../bars/seeded-random.ts';

const s = suite('feature-engine');

const H = 1_699_999_200_000; // 2023-11-14T22:00:00Z, aligned to 1h
const M = 60_000;

function bar(k: number, o: number, h: number, l: number, c: number, v: number, symbol = 'ES', timeframe: Timeframe = '1m'): Bar {
  const openTime = H + k * M;
  return { id: barId(symbol, timeframe, openTime), symbol, timeframe, openTime, closeTime: openTime + M, open: o, high: h, low: l, close: c, volume: v, count: 1 };
}

/** 20 flat bars O100 H101 L99 C100 V10: every true range is 2 (first bar H-L; then max(2, 1, 1)), so ATR(14) = 2. */
const flat = Array.from({ length: 20 }, (_, k) => bar(k, 100, 101, 99, 100, 10));
const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;

function assertFeatures(f: Features | null, expected: Partial<Features>): void {
  assert.ok(f, 'features expected');
  for (const [k, v] of Object.entries(expected)) {
    const got = (f as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') assert.ok(near(got as number, v), `${k}: got ${String(got)}, expected ${v}`);
    else assert.is(got, v, k);
  }
}

s('checkpointParts hands over each series changed since the previous call once, in the order the series appeared', () => {
  const engine = new FeatureEngine({ lookback: 2, atrPeriod: 1 });
  const keys = () => engine.checkpointParts().changed.map((p) => `${p.key}@${p.ord}`);
  engine.update(bar(0, 100, 101, 99, 100, 10, 'A'));
  engine.update(bar(0, 100, 101, 99, 100, 10, 'B'));
  engine.update(bar(1, 100, 101, 99, 100, 10, 'A'));
  assert.equal(keys(), ['A|1m@0', 'B|1m@1'], 'the first call: every series, A updated twice listed once');
  assert.equal(keys(), [], 'nothing changed since');
  engine.update(bar(2, 100, 101, 99, 100, 10, 'B'));
  engine.update(bar(2, 100, 101, 99, 100, 10, 'B')); // redelivery: ignored, still listed once
  engine.update(bar(0, 100, 101, 99, 100, 10, 'C'));
  assert.equal(keys(), ['B|1m@1', 'C|1m@2']);
  engine.update(bar(3, 100, 101, 99, 100, 10, 'A'));
  assert.equal(keys(), ['A|1m@0'], 'a series listed before is listed again once it changes again');
});

s('measures a bar that pokes above a flat range and closes back inside', () => {
  const engine = new FeatureEngine();
  for (const b of flat) assert.is(engine.update(b), null, 'warming up: fewer than 20 previous bars');
  const poke = bar(20, 100.2, 103, 99.8, 100.4, 25);
  assertFeatures(engine.update(poke), {
    id: poke.id,
    rangeHigh: 101,
    rangeLow: 99,
    atr: 2, // as of bar 19; the poke's own TR, max(103 - 99.8, |103 - 100|, |99.8 - 100|) = 3.2, is not in it yet
    upperWickRatio: 0.8125, // (103 - 100.4) / (103 - 99.8) = 2.6 / 3.2
    lowerWickRatio: 0.125, // (100.2 - 99.8) / 3.2 = 0.4 / 3.2
    breakoutUpAtr: 1, // (103 - 101) / 2
    breakoutDownAtr: 0, // low 99.8 stayed above 99
    closeBackInsideUpAtr: 0.3, // (101 - 100.4) / 2
    closeBackInsideDownAtr: 0,
    volumeRatio: 2.5, // 25 / mean(10)
    volume: 25, // the poke bar's own volume
    lookback: 20,
  });
  // The next bar sees the poke in its range and the poke's TR in its ATR:
  // ATR = (2 * 13 + 3.2) / 14 = 29.2 / 14; rangeHigh = 103; volume mean = (19*10 + 25) / 20 = 10.75
  const next = engine.update(bar(21, 100.4, 100.6, 100, 100.5, 10.75));
  assertFeatures(next, { rangeHigh: 103, rangeLow: 99, atr: 29.2 / 14, volumeRatio: 1, breakoutUpAtr: 0 });
});

s('a downside break that closes back above the range low measures the down side', () => {
  const engine = new FeatureEngine();
  for (const b of flat) engine.update(b);
  // O 99.5 H 99.8 L 97.5 C 99.6: breakout (99 - 97.5)/2 = 0.75, back inside (99.6 - 99)/2 = 0.3,
  // lower wick (99.5 - 97.5)/(99.8 - 97.5) = 2/2.3, upper wick (99.8 - 99.6)/2.3 = 0.2/2.3
  assertFeatures(engine.update(bar(20, 99.5, 99.8, 97.5, 99.6, 5)), {
    breakoutDownAtr: 0.75,
    closeBackInsideDownAtr: 0.3,
    breakoutUpAtr: 0,
    closeBackInsideUpAtr: 0,
    lowerWickRatio: 2 / 2.3,
    upperWickRatio: 0.2 / 2.3,
    volumeRatio: 0.5,
  });
});

s('a clean breakout that closes outside has no close-back-inside depth', () => {
  const engine = new FeatureEngine();
  for (const b of flat) engine.update(b);
  assertFeatures(engine.update(bar(20, 100.5, 105, 100.3, 104.6, 30)), { breakoutUpAtr: 2, closeBackInsideUpAtr: 0 });
});

s('needs lookback previous bars and a ready ATR', () => {
  // lookback 3 is ready after 3 bars, ATR(5) after 5: the first features come with the 6th bar (index 5).
  const engine = new FeatureEngine({ lookback: 3, atrPeriod: 5 });
  const rnd = seededRandom(1);
  const results = Array.from({ length: 8 }, (_, k) => engine.update(bar(k, 100, 101 + rnd(), 99 - rnd(), 100, 1)));
  assert.equal(results.map((f) => f !== null), [false, false, false, false, false, true, true, true]);
});

s('returns null when the ATR is zero', () => {
  const engine = new FeatureEngine({ lookback: 3, atrPeriod: 3 });
  for (let k = 0; k < 10; k++) assert.is(engine.update(bar(k, 5, 5, 5, 5, 1)), null);
});

s('ignores a redelivered or older bar and stays idempotent', () => {
  const series = randomBars(seededRandom(5), 40, 'ES', '1m');
  const once = new FeatureEngine();
  const expected = series.map((b) => once.update(b));

  const twice = new FeatureEngine();
  const got: (Features | null)[] = [];
  for (let k = 0; k < series.length; k++) {
    got.push(twice.update(series[k]!));
    if (k === 30) {
      assert.is(twice.update(series[30]!), null, 'the same bar again');
      assert.is(twice.update(series[25]!), null, 'an older bar');
    }
  }
  assert.equal(got, expected);
  assert.equal(twice.stats, { applied: 40, ignored: 2 });
});

s('never sees the future: features of bar k do not depend on bars after k', () => {
  const series = randomBars(seededRandom(11), 120, 'ES', '5m');
  const all = new FeatureEngine();
  const full = series.map((b) => all.update(b));
  assert.ok(full.filter((f) => f !== null).length >= 90);
  for (const k of [20, 21, 57, 119]) {
    const prefix = new FeatureEngine();
    let last: Features | null = null;
    for (const b of series.slice(0, k + 1)) last = prefix.update(b);
    assert.equal(last, full[k], `bar ${k}`);
  }
});

/** Three series interleaved (seed 77), so the per-series state is exercised; the v2 fixture was written from these. */
function interleavedEvents() {
  const rnd = seededRandom(77);
  const a = randomBars(rnd, 150, 'ES', '1m');
  const b = randomBars(rnd, 150, 'NQ', '1m');
  const c = randomBars(rnd, 150, 'ES', '5m');
  return a.flatMap((x, i) => [x, b[i]!, c[i]!]);
}

s('snapshot/restore round-trips through JSON with identical subsequent output', () => {
  const events = interleavedEvents();
  const whole = new FeatureEngine({ lookback: 10, atrPeriod: 7 });
  const expected = events.map((x) => whole.update(x));
  for (const cut of [5, 100, 333]) {
    let engine = new FeatureEngine({ lookback: 10, atrPeriod: 7 });
    const got = events.slice(0, cut).map((x) => engine.update(x));
    engine = FeatureEngine.restore(JSON.parse(JSON.stringify(engine.snapshot())) as FeatureEngineSnapshot);
    for (const x of events.slice(cut)) got.push(engine.update(x));
    assert.equal(got, expected, `cut at ${cut}`);
    assert.is(engine.lookback, 10);
  }
});

s('continues exactly from a version 2 snapshot written before the windows were typed arrays', () => {
  // fixtures/feature-engine-v2-snapshot.json: the engine of commit f440ef2 (number[] rings, null
  // for "no ATR yet") after the first 333 of these events; the snapshot shape is unchanged since
  const events = interleavedEvents();
  const whole = new FeatureEngine({ lookback: 10, atrPeriod: 7 });
  const expected = events.map((x) => whole.update(x)).slice(333);
  const old = JSON.parse(readFileSync(new URL('./fixtures/feature-engine-v2-snapshot.json', import.meta.url), 'utf8')) as FeatureEngineSnapshot;
  const engine = FeatureEngine.restore(old);
  assert.equal(events.slice(333).map((x) => engine.update(x)), expected);
  // and today's engine writes the same snapshot at that point
  const fresh = new FeatureEngine({ lookback: 10, atrPeriod: 7 });
  for (const x of events.slice(0, 333)) fresh.update(x);
  assert.equal(JSON.parse(JSON.stringify(fresh.snapshot())), old);
});

function randomBars(rnd: () => number, n: number, symbol: string, timeframe: Timeframe): Bar[] {
  let close = 100;
  return Array.from({ length: n }, (_, k) => {
    const open = close;
    const high = open + rnd() * 2;
    const low = open - rnd() * 2;
    close = low + (high - low) * rnd();
    return bar(k * (timeframe === '5m' ? 5 : 1), open, high, low, close, Math.floor(rnd() * 100), symbol, timeframe);
  });
}

s.run();
