/**
 * The optimised FeatureEngine (typed-array rings, a monotonic deque for the range, a sorted ATR
 * window, memoised sessions, NaN-for-none fields) against a plain reference written here from the
 * definitions (actors/features/*.ts headers, docs/scoring.md "Regimes"): arrays of every bar,
 * slices, counting loops, Intl for the sessions. Equality is exact (every feature, every bar), so
 * an optimisation that changes any output (an off-by-one in a ring, a wrong rank on ties, a stale
 * memo) shows up here. The one arithmetic policy the reference copies on purpose is the rolling
 * mean's rounding (a running sum, recomputed in slot order each time the ring wraps), because it
 * is part of the definition of the values, not an optimisation.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FeatureEngine, type FeatureEngineSnapshot } from '../../actors/features/index.ts';
import { barId, type Bar, type Features, type Timeframe } from '../../actors/domain/messages.ts';
import { seededRandom } from '../bars/seeded-random.ts';

const s = suite('feature-engine-reference');

interface Options {
  lookback: number;
  atrPeriod: number;
  regime: { atrWindow: number; trendMa: number; trendLag: number };
}
const DEFAULTS: Options = { lookback: 20, atrPeriod: 14, regime: { atrWindow: 100, trendMa: 50, trendLag: 10 } };

// ---- the reference ----

/** Mean after each value: a running sum over a ring of n slots, re-added in slot order when the ring wraps. */
function runningMeans(values: number[], n: number): number[] {
  const slots: number[] = [];
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    sum = i < n ? sum + v : sum + (v - slots[i % n]!);
    slots[i % n] = v;
    if ((i + 1) % n === 0) {
      sum = 0;
      for (let slot = 0; slot < n; slot++) sum += slots[slot]!;
    }
    out.push(sum / Math.min(i + 1, n));
  }
  return out;
}

/** Wilder ATR after each bar (NaN while seeding). */
function atrsAfter(bars: Bar[], period: number): number[] {
  const out: number[] = [];
  let seed = 0;
  let atr = NaN;
  for (let j = 0; j < bars.length; j++) {
    const b = bars[j]!;
    const hl = b.high - b.low;
    const tr = j === 0 ? hl : Math.max(hl, Math.abs(b.high - bars[j - 1]!.close), Math.abs(b.low - bars[j - 1]!.close));
    if (j < period) {
      seed += tr;
      if (j === period - 1) atr = seed / period;
    } else atr = (atr * (period - 1) + tr) / period;
    out.push(atr);
  }
  return out;
}

const ZONES = [['asia', 'Asia/Tokyo', 9, 18], ['london', 'Europe/London', 8, 17], ['new_york', 'America/New_York', 8, 17]] as const;
const FORMATS = ZONES.map(([, zone]) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }));
const SESSION_BY_HOUR = new Map<number, string>();
/** The session tag from the zones' wall clocks via Intl (not luxon), memoised per UTC hour here (sessions open and close on whole hours). */
function sessionAt(ms: number): string {
  const hour = Math.floor(ms / 3_600_000);
  let tag = SESSION_BY_HOUR.get(hour);
  if (tag === undefined) {
    const open = ZONES.filter(([, , from, to], i) => {
      const parts = FORMATS[i]!.formatToParts(hour * 3_600_000);
      const get = (type: string) => parts.find((p) => p.type === type)!.value;
      const minute = Number(get('hour')) * 60 + Number(get('minute'));
      return get('weekday') !== 'Sat' && get('weekday') !== 'Sun' && minute >= from * 60 && minute < to * 60;
    }).map(([name]) => name);
    tag = open.length === 2 ? open.join('_') : open.length === 1 ? open[0]! : 'off_hours';
    SESSION_BY_HOUR.set(hour, tag);
  }
  return tag;
}

const volatility = (p: number | null) => (p === null ? null : p < 0.25 ? 'low' : p > 0.75 ? 'high' : 'normal');
const trend = (x: number | null) => (x === null ? null : x > 0.1 ? 'up' : x < -0.1 ? 'down' : 'flat');

/** The features of every bar in arrival order (null: warming up, no positive ATR, or not newer than the last bar of its series). */
function reference(bars: Bar[], o: Options): (Features | null)[] {
  const { lookback: n, atrPeriod, regime: { atrWindow: w, trendMa: m, trendLag: k } } = o;
  const series = new Map<string, Bar[]>();
  return bars.map((bar) => {
    const key = `${bar.symbol}|${bar.timeframe}`;
    const prev = series.get(key) ?? [];
    series.set(key, prev);
    if (prev.length > 0 && bar.openTime <= prev[prev.length - 1]!.openTime) return null;
    const t = prev.length; // this bar's index in its series; prev holds bars 0 … t-1
    prev.push(bar);
    const before = prev.slice(0, t);
    const after = atrsAfter(before, atrPeriod);
    const atrOf = (j: number) => (j >= 1 ? after[j - 1]! : NaN); // a_j: the ATR bar j's features carry
    const atr = atrOf(t);
    if (t < n || !(atr > 0)) return null;
    const window = before.slice(t - n);
    const rangeHigh = Math.max(...window.map((b) => b.high));
    const rangeLow = Math.min(...window.map((b) => b.low));
    const meanVolume = runningMeans(before.map((b) => b.volume), n)[t - 1]!;
    // percentile: a_t among the W most recent ATRs up to a_t (bars without an ATR do not count)
    const atrs = Array.from({ length: t + 1 }, (_, j) => atrOf(j)).filter((a) => a === a);
    let atrPercentile: number | null = null;
    if (atrs.length >= w) {
      const last = atrs.slice(-w);
      const below = last.filter((a) => a < atr).length;
      const equal = last.filter((a) => a === atr).length;
      atrPercentile = (below + equal / 2) / w;
    }
    // slope: SMA_M of the closes before t against the same k bars earlier, in ATR per bar
    const smas = runningMeans(before.map((b) => b.close), m); // smas[j]: the mean after close j
    const trendSlopeAtr = t >= m + k ? (smas[t - 1]! - smas[t - 1 - k]!) / (k * atr) : null;
    const span = bar.high - bar.low;
    const up = bar.high > rangeHigh;
    const down = bar.low < rangeLow;
    return {
      id: bar.id, symbol: bar.symbol, timeframe: bar.timeframe, openTime: bar.openTime, close: bar.close, high: bar.high, low: bar.low,
      rangeHigh, rangeLow, atr,
      upperWickRatio: span > 0 ? (bar.high - Math.max(bar.open, bar.close)) / span : 0,
      lowerWickRatio: span > 0 ? (Math.min(bar.open, bar.close) - bar.low) / span : 0,
      breakoutUpAtr: up ? (bar.high - rangeHigh) / atr : 0,
      breakoutDownAtr: down ? (rangeLow - bar.low) / atr : 0,
      closeBackInsideUpAtr: up && bar.close < rangeHigh ? (rangeHigh - bar.close) / atr : 0,
      closeBackInsideDownAtr: down && bar.close > rangeLow ? (bar.close - rangeLow) / atr : 0,
      volumeRatio: meanVolume > 0 ? bar.volume / meanVolume : 0,
      volume: bar.volume,
      lookback: n,
      regime: { session: sessionAt(bar.openTime), volatility: volatility(atrPercentile), trend: trend(trendSlopeAtr) },
      atrPercentile,
      trendSlopeAtr,
    } as Features;
  });
}

// ---- inputs ----

const MINUTE: Record<string, number> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 };

/**
 * Interleaved random-walk bars over a few series, made to hit the edge cases of the windows:
 * prices on a coarse tick (equal highs, lows and ATRs: ties in the range and in the rank), flat
 * and zero-range bars, zero volumes, gaps of hours to days (weekends, DST changes in March), and
 * redelivered or stale bars (ignored by the engine).
 */
function randomBars(seed: number, count: number, tick: number): Bar[] {
  const rand = seededRandom(seed);
  const series = (['AAA|1m', 'AAA|5m', 'BBB|1m', 'CCC|1h'] as const).map((key) => ({ key, close: 100, time: Date.parse('2024-03-06T00:00:00Z') }));
  const out: Bar[] = [];
  const round = (x: number) => Math.max(tick, Math.round(x / tick) * tick);
  while (out.length < count) {
    const sr = series[Math.floor(rand() * series.length)]!;
    const [symbol, timeframe] = sr.key.split('|') as [string, Timeframe];
    const r = rand();
    if (r < 0.02 && out.length > 0) {
      out.push(out[Math.floor(rand() * out.length)]!); // a redelivered (or stale) bar
      continue;
    }
    sr.time += MINUTE[timeframe]! * (r < 0.01 ? 1 + Math.floor(rand() * 3000) : 1);
    const open = sr.close;
    const close = r < 0.05 ? open : round(open + (rand() - 0.5) * 2 * tick * 3);
    const flat = rand() < 0.03;
    const high = flat ? Math.max(open, close) : round(Math.max(open, close) + rand() * tick * 3);
    const low = flat ? Math.min(open, close) : round(Math.min(open, close) - rand() * tick * 3);
    const volume = rand() < 0.05 ? 0 : Math.round(rand() * 1000) / (rand() < 0.5 ? 1 : 7);
    sr.close = close;
    out.push({ id: barId(symbol, timeframe, sr.time), symbol, timeframe, openTime: sr.time, closeTime: sr.time + MINUTE[timeframe]!, open, high, low, close, volume, count: 1 });
  }
  return out;
}

const DATA = resolve(import.meta.dirname, '../../data');
/** The first `n` minutes of the FTX BTC-PERP sample (timestamp = the bar's open, UTC). */
function ftxBars(n: number): Bar[] {
  return readFileSync(resolve(DATA, 'nautilus_ftx_btc-perp-20211231-20220201_1m.csv'), 'utf8').split('\n').slice(1, n + 1).map((line) => {
    const [ts, o, h, l, c, v] = line.split(',');
    const openTime = Date.parse(`${ts!.slice(0, 19).replace(' ', 'T')}Z`);
    return { id: barId('BTC-PERP', '1m', openTime), symbol: 'BTC-PERP', timeframe: '1m', openTime, closeTime: openTime + 60_000, open: +o!, high: +h!, low: +l!, close: +c!, volume: +v!, count: 1 };
  });
}
/** The first `n` five-minute bars of the Binance BTC/USDT sample ([openTime, o, h, l, c, v] rows). */
function binanceBars(n: number): Bar[] {
  const rows = JSON.parse(readFileSync(resolve(DATA, 'nfi_binance_BTC_USDT-5m.json'), 'utf8')) as number[][];
  return rows.slice(0, n).map(([t, o, h, l, c, v]) => ({ id: barId('BTC/USDT', '5m', t!), symbol: 'BTC/USDT', timeframe: '5m', openTime: t!, closeTime: t! + 300_000, open: o!, high: h!, low: l!, close: c!, volume: v!, count: 1 }));
}

/** Runs the engine, optionally through a JSON snapshot at `cut`, and compares with the reference bar by bar. */
function compare(name: string, bars: Bar[], o: Options, cut?: number): number {
  const expected = reference(bars, o);
  let engine = new FeatureEngine(o);
  let measured = 0;
  bars.forEach((bar, i) => {
    if (i === cut) engine = FeatureEngine.restore(JSON.parse(JSON.stringify(engine.snapshot())) as FeatureEngineSnapshot);
    const got = engine.update(bar);
    assert.equal(got, expected[i], `${name}: bar ${i} (${bar.id})`);
    if (got !== null) measured++;
  });
  return measured;
}

const SMALL: Options = { lookback: 3, atrPeriod: 2, regime: { atrWindow: 5, trendMa: 3, trendLag: 2 } };
const ONES: Options = { lookback: 1, atrPeriod: 1, regime: { atrWindow: 1, trendMa: 1, trendLag: 1 } };
/** ATR(1) = the true range: on a coarse tick many equal ATRs, ties in the rank. */
const TIES: Options = { lookback: 4, atrPeriod: 1, regime: { atrWindow: 6, trendMa: 3, trendLag: 2 } };

s('equals the reference on 2,500 real FTX minutes, default and small windows', () => {
  const bars = ftxBars(2500);
  assert.ok(compare('ftx default', bars, DEFAULTS) > 2400);
  assert.ok(compare('ftx small', bars, SMALL, 1234) > 2400);
});

s('equals the reference on 1,500 real Binance five-minute bars, with a snapshot restored midway', () => {
  assert.ok(compare('binance', binanceBars(1500), DEFAULTS, 700) > 1400);
});

s('equals the reference on interleaved random bars full of ties, flat bars, gaps and redeliveries', () => {
  for (const [seed, tick, o, cut] of [[1, 0.5, DEFAULTS, 900], [2, 0.25, SMALL, 333], [3, 1, ONES, 50], [4, 0.5, { lookback: 7, atrPeriod: 5, regime: { atrWindow: 9, trendMa: 4, trendLag: 3 } }, 1500], [5, 0.5, TIES, 1000]] as const) {
    const bars = randomBars(seed, 2400, tick);
    const measured = compare(`seed ${seed}`, bars, o, cut);
    assert.ok(measured > 500, `seed ${seed}: ${measured} bars measured`);
  }
});

s('the random inputs do reach the edge cases they are for', () => {
  const bars = randomBars(1, 2400, 0.5);
  const features = reference(bars, DEFAULTS).filter((f): f is Features => f !== null);
  assert.ok(features.some((f) => f.upperWickRatio === 0 && f.lowerWickRatio === 0), 'a flat or zero-range bar');
  assert.ok(features.some((f) => f.volumeRatio === 0), 'a zero volume');
  assert.ok(features.some((f) => f.breakoutUpAtr > 0) && features.some((f) => f.closeBackInsideDownAtr > 0), 'breakouts both ways');
  // W × 2 × rank = 2 × below + equal: even when an even number (two or more) of the W values equal the ATR ranked; an
  // ATR(1) is the true range itself, on a tick of 0.5 a handful of distinct values (TIES), so ties are common
  const ranked = reference(randomBars(5, 2400, 0.5), TIES).filter((f): f is Features => f !== null && f.atrPercentile !== null);
  assert.ok(ranked.filter((f) => Math.round(f.atrPercentile! * 12) % 2 === 0).length > 100, 'ties in the ATR rank');
  assert.ok(new Set(features.map((f) => f.regime.session)).size >= 5, 'most sessions');
  assert.ok(bars.length > new Set(bars).size, 'redelivered bars');
});

s.run();
