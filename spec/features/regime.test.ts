import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FeatureEngine, type FeatureEngineSnapshot } from '../../actors/features/index.ts';
import { RegimeTracker, sessionTag } from '../../actors/features/regime.ts';
import { SESSION_SPECS, tradingSessions } from '../../adapters/time/sessions.ts';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { regimeOf } from '../../actors/research/backtest-records.ts';
import { DEFAULT_SCORING_PARAMS, scoreFeatures, toSignal } from '../../actors/scoring/index.ts';
import { barId, type Bar, type Features } from '../../actors/domain/messages.ts';
import { seededRandom } from '../bars/seeded-random.ts';

const s = suite('regime');

const FTX = resolve(import.meta.dirname, '../../data/nautilus_ftx_btc-perp-20211231-20220201_1m.csv');
/** 2021-12-31 23:01Z … 2022-01-03 17:40Z: spans a weekend, a New Year night, every session and its overlaps. */
const SAMPLE = 4000;

/** The first `n` bars of the FTX sample, read plainly (timestamp = the bar's open, UTC). */
function ftxBars(n: number): Bar[] {
  const lines = readFileSync(FTX, 'utf8').split('\n').slice(1, n + 1);
  return lines.map((line) => {
    const [ts, o, h, l, c, v] = line.split(',');
    const openTime = Date.parse(`${ts!.slice(0, 19).replace(' ', 'T')}Z`);
    return { id: barId('BTC-PERP', '1m', openTime), symbol: 'BTC-PERP', timeframe: '1m', openTime, closeTime: openTime + 60_000, open: +o!, high: +h!, low: +l!, close: +c!, volume: +v!, count: 1 };
  });
}

// ---- an independent, brute-force model of the definitions in docs/scoring.md "Regimes" ----

/** Wilder ATR after bars 0..j, recomputed from the start for clarity (null before `period` bars). */
function naiveAtrAfter(bars: Bar[], period: number): (number | null)[] {
  const out: (number | null)[] = [];
  let atr: number | null = null;
  let seed = 0;
  for (let j = 0; j < bars.length; j++) {
    const b = bars[j]!;
    const tr = j === 0 ? b.high - b.low : Math.max(b.high - b.low, Math.abs(b.high - bars[j - 1]!.close), Math.abs(b.low - bars[j - 1]!.close));
    if (atr === null) {
      seed += tr;
      if (j + 1 === period) atr = seed / period;
    } else atr = (atr * (period - 1) + tr) / period;
    out.push(atr);
  }
  return out;
}

interface NaiveRegime {
  atr: number | null;
  percentile: number | null;
  slope: number | null;
}

/** For bar t: a_t = ATR after bar t−1; rank among a_{t−W+1..t}; slope of the mean of the M closes before t vs k bars earlier. */
function naiveRegime(bars: Bar[], t: number, W = 100, M = 50, k = 10, period = 14): NaiveRegime {
  const after = naiveAtrAfter(bars.slice(0, t), period);
  const a = (j: number): number | null => (j >= 1 ? after[j - 1] ?? null : null);
  const at = a(t);
  let percentile: number | null = null;
  if (at !== null && t - W + 1 >= 1 && a(t - W + 1) !== null) {
    let below = 0;
    let equal = 0;
    for (let j = t - W + 1; j <= t; j++) {
      const x = a(j)!;
      if (x < at) below++;
      else if (x === at) equal++;
    }
    percentile = (below + equal / 2) / W;
  }
  const sma = (u: number): number => {
    let sum = 0;
    for (let j = u - M; j < u; j++) sum += bars[j]!.close;
    return sum / M;
  };
  const slope = at !== null && at > 0 && t - k - M >= 0 ? (sma(t) - sma(t - k)) / (k * at) : null;
  return { atr: at, percentile, slope };
}

/** Session from the zones' wall clocks via Intl (not luxon), per the table in adapters/time/sessions.ts. */
function naiveSession(ms: number): string {
  const open = (zone: string, from: number, to: number): boolean => {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(ms);
    const get = (type: string) => parts.find((p) => p.type === type)!.value;
    if (get('weekday') === 'Sat' || get('weekday') === 'Sun') return false;
    const minute = Number(get('hour')) * 60 + Number(get('minute'));
    return minute >= from * 60 && minute < to * 60;
  };
  const asia = open('Asia/Tokyo', 9, 18);
  const london = open('Europe/London', 8, 17);
  const ny = open('America/New_York', 8, 17);
  if (asia && london) return 'asia_london';
  if (london && ny) return 'london_new_york';
  return asia ? 'asia' : london ? 'london' : ny ? 'new_york' : 'off_hours';
}

const tag = (x: number | null, lo: number, hi: number, names: [string, string, string]) => (x === null ? null : x < lo ? names[0] : x > hi ? names[2] : names[1]);

const bars = ftxBars(SAMPLE);
const engine = new FeatureEngine();
const all = bars.map((b) => engine.update(b));

s('matches a brute-force recomputation bar by bar on 4,000 real FTX BTC-PERP minutes', () => {
  let compared = 0;
  let withPercentile = 0;
  let withSlope = 0;
  const sessions = new Set<string>();
  const vols = new Set<string | null>();
  const trends = new Set<string | null>();
  for (let t = 0; t < bars.length; t++) {
    const f = all[t];
    if (f === null || f === undefined) continue;
    const n = naiveRegime(bars, t);
    assert.is(f.atr, n.atr, `bar ${t}: the ATR ranked is the one the features carry`);
    assert.is(f.atrPercentile, n.percentile, `bar ${t}: percentile`);
    if (n.slope === null) assert.is(f.trendSlopeAtr, null, `bar ${t}: slope warming up`);
    else assert.ok(Math.abs(f.trendSlopeAtr! - n.slope) < 1e-9, `bar ${t}: slope ${f.trendSlopeAtr} vs ${n.slope}`);
    assert.is(f.regime.volatility, tag(n.percentile, 0.25, 0.75, ['low', 'normal', 'high']), `bar ${t}: volatility`);
    assert.ok(n.slope === null || Math.abs(Math.abs(n.slope) - 0.1) > 1e-9, `bar ${t}: slope sits on a threshold; widen the tolerance`);
    assert.is(f.regime.trend, tag(n.slope, -0.1, 0.1, ['down', 'flat', 'up']), `bar ${t}: trend`);
    assert.is(f.regime.session, naiveSession(bars[t]!.openTime), `bar ${t}: session`);
    compared++;
    if (n.percentile !== null) withPercentile++;
    if (n.slope !== null) withSlope++;
    sessions.add(f.regime.session);
    vols.add(f.regime.volatility);
    trends.add(f.regime.trend);
  }
  // features from bar 20 (lookback 20, ATR(14) ready after bar 13); percentile from bar 14 + 99 = 113; slope from bar 50 + 10 = 60
  assert.is(all.findIndex((f) => f !== null), 20);
  assert.is(all.findIndex((f) => f !== null && f.atrPercentile !== null), 113);
  assert.is(all.findIndex((f) => f !== null && f.trendSlopeAtr !== null), 60);
  assert.ok(compared >= 3900, `compared ${compared}`);
  assert.ok(withPercentile >= 3800 && withSlope >= 3900);
  assert.equal([...sessions].sort(), ['asia', 'asia_london', 'london', 'london_new_york', 'new_york', 'off_hours']);
  assert.equal([...vols].map(String).sort(), ['high', 'low', 'normal', 'null']);
  assert.equal([...trends].map(String).sort(), ['down', 'flat', 'null', 'up']);
});

s('the regime of a bar is the same when the data stops at that bar', () => {
  for (const cut of [20, 60, 113, 500, 1777, SAMPLE - 1]) {
    const prefix = new FeatureEngine();
    let last: Features | null = null;
    for (const b of bars.slice(0, cut + 1)) last = prefix.update(b);
    assert.equal(last, all[cut], `bar ${cut}`);
  }
});

s('a snapshot restored from JSON continues identically', () => {
  for (const cut of [10, 70, 150, 2500]) {
    let e = new FeatureEngine();
    const got = bars.slice(0, cut).map((b) => e.update(b));
    const snap = JSON.parse(JSON.stringify(e.snapshot())) as FeatureEngineSnapshot;
    assert.is(snap.version, 2);
    e = FeatureEngine.restore(snap);
    for (const b of bars.slice(cut)) got.push(e.update(b));
    assert.equal(got, all, `cut at ${cut}`);
  }
});

s('signals on the real sample carry their bar\'s regime, and backtest records read it back', () => {
  const signals = all.flatMap((f) => {
    const sig = f === null || f === undefined ? null : toSignal(scoreFeatures(f, DEFAULT_SCORING_PARAMS), DEFAULT_SCORING_PARAMS);
    return sig === null ? [] : [sig];
  });
  assert.ok(signals.length >= 20, `${signals.length} signals`);
  for (const sig of signals) {
    const t = bars.findIndex((b) => b.id === sig.id);
    assert.equal(regimeOf(sig), all[t]!.regime);
  }
  const { regime: _, ...old } = signals[0]!.features;
  assert.equal(regimeOf({ ...signals[0]!, features: old as Features }), { session: 'unknown', volatility: null, trend: null });
});

s('refuses a version 1 snapshot (no regime history) with a clear error', () => {
  const v1 = { ...new FeatureEngine().snapshot(), version: 1 } as unknown as FeatureEngineSnapshot;
  try {
    FeatureEngine.restore(v1);
    assert.unreachable('should refuse');
  } catch (err) {
    assert.instance(err, FakeoutError);
    assert.is((err as FakeoutError).code, 'FAKEOUT_ERR_CONFIG_INVALID');
    assert.match((err as Error).message, /version 1 predates regime tags/);
  }
});

s('ranks the ATR by mid-rank among the last W values, itself included; null until W exist', () => {
  const r = new RegimeTracker({ atrWindow: 4, trendMa: 2, trendLag: 1 });
  assert.is(r.update(null, 1).atrPercentile, null, 'no ATR yet: nothing enters the window');
  assert.is(r.update(1, 1).atrPercentile, null);
  assert.is(r.update(2, 1).atrPercentile, null);
  assert.is(r.update(3, 1).atrPercentile, null);
  let m = r.update(4, 1); // window 1 2 3 4: 3 below + 1/2 → 3.5 / 4
  assert.is(m.atrPercentile, 0.875);
  assert.is(m.volatility, 'high');
  m = r.update(1, 1); // window 2 3 4 1: 0 below + 1/2 → 0.125
  assert.is(m.atrPercentile, 0.125);
  assert.is(m.volatility, 'low');
  m = r.update(3, 1); // window 3 4 1 3: 1 below + 2/2 → 0.5
  assert.is(m.atrPercentile, 0.5);
  assert.is(m.volatility, 'normal');
  m = r.update(4, 1); // window 4 1 3 4: 2 below + 2/2 → 0.75, and 'high' is strictly above 0.75
  assert.is(m.atrPercentile, 0.75);
  assert.is(m.volatility, 'normal');
  // the thresholds are strict: a rank of exactly 0.25 or 0.75 is normal
  const q = new RegimeTracker({ atrWindow: 2, trendMa: 2, trendLag: 1 });
  q.update(5, 1);
  m = q.update(4, 1); // window 5 4: 0 below + 1/2 → 0.25
  assert.is(m.atrPercentile, 0.25);
  assert.is(m.volatility, 'normal');
  m = q.update(6, 1); // window 4 6: 1 below + 1/2 → 0.75
  assert.is(m.volatility, 'normal');
});

s('ranks like a brute-force count over the window, with ties, infinities, gaps without an ATR and a restore midway', () => {
  const rnd = seededRandom(7);
  // an ATR on a coarse grid (ties are frequent), sometimes none, sometimes +Infinity
  const atrs = Array.from({ length: 3000 }, () => { const u = rnd(); return u < 0.03 ? null : u < 0.06 ? Infinity : 1 + Math.floor(rnd() * 12) / 4; });
  for (const w of [1, 2, 3, 7, 100]) {
    let r = new RegimeTracker({ atrWindow: w, trendMa: 2, trendLag: 1 });
    const window: number[] = [];
    for (let i = 0; i < atrs.length; i++) {
      const a = atrs[i]!;
      // structuredClone, not JSON: JSON would turn an infinite ATR into null (finite bars never make one)
      if (i === 1500) r = RegimeTracker.restore(structuredClone(r.snapshot()));
      const got = r.update(a, 1).atrPercentile;
      if (a !== null) window.push(a);
      if (window.length > w) window.shift();
      const expected = a === null || window.length < w ? null : (window.filter((x) => x < a).length + window.filter((x) => x === a).length / 2) / w;
      assert.is(got, expected, `w=${w} i=${i}`);
    }
  }
});

s('measures the trend from the closes before the bar, in ATR per bar', () => {
  const r = new RegimeTracker({ atrWindow: 2, trendMa: 2, trendLag: 1 });
  assert.is(r.update(10, 10).trendSlopeAtr, null, 'bar 0: no previous closes');
  assert.is(r.update(10, 12).trendSlopeAtr, null, 'bar 1');
  assert.is(r.update(10, 14).trendSlopeAtr, null, 'bar 2: SMA(2) exists, SMA(1) does not');
  // bar 3: SMA(3) = (12 + 14) / 2 = 13, SMA(2) = (10 + 12) / 2 = 11 → (13 − 11) / (1 × 10) = 0.2; its own close 100 is not in it
  let m = r.update(10, 100);
  assert.is(m.trendSlopeAtr, 0.2);
  assert.is(m.trend, 'up');
  // bar 4: SMA(4) = (14 + 100) / 2 = 57 vs 13 → 44 / 20 = 2.2
  m = r.update(20, 14);
  assert.is(m.trendSlopeAtr, 2.2);
  // bar 5: SMA(5) = (100 + 14) / 2 = 57 vs 57 → 0, flat
  m = r.update(20, 0);
  assert.is(m.trendSlopeAtr, 0);
  assert.is(m.trend, 'flat');
  // bar 6: SMA(6) = (14 + 0) / 2 = 7 vs 57 → −50 / 20 = −2.5
  assert.is(r.update(20, 0).trend, 'down');
  assert.is(r.update(0, 0).trendSlopeAtr, null, 'a zero ATR has no slope');
  assert.is(r.update(null, 0).trendSlopeAtr, null, 'no ATR, no slope');
});

s('refuses window sizes that are not positive integers, naming the option', () => {
  for (const [opts, field] of [[{ atrWindow: 0 }, 'atrWindow'], [{ trendMa: 1.5 }, 'trendMa'], [{ trendLag: 0 }, 'trendLag']] as const) {
    try {
      new FeatureEngine({ regime: opts });
      assert.unreachable(field);
    } catch (err) {
      assert.instance(err, FakeoutError);
      assert.is((err as FakeoutError).info.field, field);
    }
  }
});

s('a tracker restored from its snapshot continues identically', () => {
  const opts = { atrWindow: 7, trendMa: 5, trendLag: 3 };
  const whole = new RegimeTracker(opts);
  const inputs = bars.slice(0, 300).map((b, i) => [i < 9 ? null : (b.high - b.low) % 17, b.close] as const);
  const expected = inputs.map(([a, c]) => whole.update(a, c));
  for (const cut of [0, 4, 8, 12, 200]) {
    let r = new RegimeTracker(opts);
    const got = inputs.slice(0, cut).map(([a, c]) => r.update(a, c));
    r = RegimeTracker.restore(JSON.parse(JSON.stringify(r.snapshot())));
    for (const [a, c] of inputs.slice(cut)) got.push(r.update(a, c));
    assert.equal(got, expected, `cut at ${cut}`);
  }
});

s('sessions open and close on whole local hours in whole-hour zones (the premise of the hourly session memo)', () => {
  for (const spec of SESSION_SPECS) {
    assert.is(spec.openMin % 60, 0, spec.name);
    assert.is(spec.closeMin % 60, 0, spec.name);
    // offsets in 2024 on both sides of DST, from Intl: whole hours
    for (const iso of ['2024-01-15T12:00:00Z', '2024-07-15T12:00:00Z']) {
      const name = new Intl.DateTimeFormat('en-US', { timeZone: spec.zone, timeZoneName: 'longOffset' }).formatToParts(Date.parse(iso)).find((p) => p.type === 'timeZoneName')!.value;
      assert.match(name, /^GMT([+-]\d\d:00)?$/, `${spec.zone} ${iso}: ${name}`);
    }
  }
});

s('tags sessions in local time across the March DST switches (US 10 March, UK 31 March 2024)', () => {
  const at = (iso: string) => sessionTag(tradingSessions(Date.parse(iso)));
  const cases: [string, string][] = [
    // before either switch: London 08–17 UTC, New York 13–22 UTC
    ['2024-03-08T07:30:00Z', 'asia'],
    ['2024-03-08T08:30:00Z', 'asia_london'],
    ['2024-03-08T12:30:00Z', 'london'],
    ['2024-03-08T13:30:00Z', 'london_new_york'],
    ['2024-03-08T21:30:00Z', 'new_york'],
    ['2024-03-09T12:30:00Z', 'off_hours'], // Saturday
    // US on EDT, UK still on GMT: New York 12–21 UTC, a five-hour overlap
    ['2024-03-11T12:30:00Z', 'london_new_york'],
    ['2024-03-11T16:30:00Z', 'london_new_york'],
    ['2024-03-11T17:30:00Z', 'new_york'],
    ['2024-03-11T21:30:00Z', 'off_hours'],
    // both on summer time: London 07–16 UTC
    ['2024-04-01T07:30:00Z', 'asia_london'],
    ['2024-04-01T09:30:00Z', 'london'],
    ['2024-04-01T16:30:00Z', 'new_york'],
    // Tokyo has no DST: Monday 09:00 local = Monday 00:00 UTC
    ['2024-03-10T23:30:00Z', 'off_hours'], // Monday 08:30 Tokyo
    ['2024-03-11T00:30:00Z', 'asia'],
  ];
  for (const [iso, expected] of cases) {
    assert.is(at(iso), expected, iso);
    assert.is(naiveSession(Date.parse(iso)), expected, `${iso} (the test's own model)`);
  }
});

s.run();
