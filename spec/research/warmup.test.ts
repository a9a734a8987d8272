/**
 * The warm-up check: an EMA's last-bar difference per warm-up length against its closed form,
 * the recommendation rule, the % difference rules, and the shipped and the never-settling
 * strategies on real data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../actors/domain/config.ts';
import { barId, type Bar } from '../../actors/domain/messages.ts';
import { barsOfFile, loadStrategy, shippedStrategy, type Strategy } from '../../actors/research/strategy.ts';
import { percentDiff, recommendWarmup, warmupEndTime } from '../../actors/research/warmup.ts';
import { REPO, writeFtxSlice } from '../helpers/app.ts';

const s = suite('research warmup');
const config = loadConfig({});
const M = 60_000;
const T0 = 1_640_995_200_000; // 2022-01-01T00:00:00Z

function closes(cs: readonly number[]): Bar[] {
  return cs.map((c, k) => ({ id: barId('T', '1m', T0 + k * M), symbol: 'T', timeframe: '1m', openTime: T0 + k * M, closeTime: T0 + (k + 1) * M, open: c, high: c, low: c, close: c, volume: 1, count: 1 }));
}

/** EMA with alpha `a`, seeded with the first close it is given. */
const ema = (a: number): Strategy => ({
  name: `ema ${a}`,
  run(bars) {
    let e = 0;
    return bars.map((b, i) => {
      e = i === 0 ? b.close : a * b.close + (1 - a) * e;
      return { values: { ema: e }, signal: null };
    });
  },
});

let dir = '';
let ftx: Bar[] = [];
s.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fakeout-warmup-'));
  ftx = await barsOfFile(writeFtxSlice(dir, 5000).path, { config });
});
s.after(() => rmSync(dir, { recursive: true, force: true }));

s('an EMA seeded at its first bar, on a ramp, differs at the last bar by the closed-form amount for each warm-up length', () => {
  // closes c_k = 100 + k, k = 0..N. Seeded at bar s (e_s = c_s), e_k = a c_k + (1-a) e_(k-1) solves to
  //   e_N = c_N - ((1-a)/a) · (1 - (1-a)^(N-s))
  // (the steady lag (1-a)/a of an EMA on a unit ramp, minus the part not yet built up since s).
  // The full run starts at s = 0; warm-up L runs on the last L+1 bars: s = N - L.
  const a = 0.1;
  const N = 300;
  const eN = (start: number) => 100 + N - ((1 - a) / a) * (1 - (1 - a) ** (N - start));
  const lengths = [10, 20, 50, 100, 200];
  const report = recommendWarmup(ema(a), closes(Array.from({ length: N + 1 }, (_, k) => 100 + k)), { lengths, tolerancePct: 0.1 });
  const expected = lengths.map((L) => (Math.abs(eN(N - L) - eN(0)) / eN(0)) * 100);
  report.rows.forEach((r, k) => {
    assert.is(r.length, lengths[k]);
    assert.ok(Math.abs(r.maxDiffPct - expected[k]!) <= 1e-9 * expected[k]! + 1e-12, `L=${r.length}: ${r.maxDiffPct} vs ${expected[k]}`);
    assert.is(r.worst, 'ema');
  });
  // by hand: 9 · 0.9^L / 391 · 100 ≈ 0.80 % (L=10), 0.28 % (20), 0.012 % (50), 6e-5 % (100): from 50 on it is ≤ 0.1 %
  assert.ok(expected[1]! > 0.1 && expected[2]! < 0.1);
  assert.is(report.recommended, 50);
  assert.is(report.tolerancePct, 0.1);
});

s('the recommendation is the shortest length from which EVERY longer one is within tolerance, not the first that is', () => {
  // every step's value is the parity of the run's length: 101 bars → ref 1; warm-up L runs L+1 bars
  const parity: Strategy = { name: 'parity', run: (bars) => bars.map(() => ({ values: { parity: bars.length % 2 }, signal: null })) };
  const report = recommendWarmup(parity, closes(Array.from({ length: 101 }, () => 1)), { lengths: [10, 20, 30, 41, 60, 80] });
  // L+1 = 11, 21, 31 odd (0 %), 42 even (100 %), 61, 81 odd (0 %)
  assert.equal(report.rows.map((r) => [r.length, r.maxDiffPct, r.worst]), [[10, 0, null], [20, 0, null], [30, 0, null], [41, 100, 'parity'], [60, 0, null], [80, 0, null]]);
  assert.is(report.recommended, 60);
});

s('lengths that would take every bar are not tried (that run is the reference itself); none left → no recommendation', () => {
  const bars = closes(Array.from({ length: 30 }, (_, k) => 100 + k));
  assert.equal(recommendWarmup(ema(0.5), bars).rows.map((r) => r.length), [25]); // default lengths: only 25 + 1 < 30
  assert.equal(recommendWarmup(ema(0.5), closes([1, 2, 3]), { lengths: [2, 5] }), { recommended: null, tolerancePct: 0.1, rows: [] });
});

s('the % difference: |a-b|/|b|·100; 0 against 0 is 0, anything else against 0 is 100; null, absent, a string against a number are 100', () => {
  assert.is(percentDiff(110, 100), 10);
  assert.is(percentDiff(-90, -100), 10);
  assert.is(percentDiff(90, -100), 190);
  assert.is(percentDiff(0, 0), 0);
  assert.is(percentDiff(1e-9, 0), 100);
  assert.is(percentDiff(null, 5), 100);
  assert.is(percentDiff(5, null), 100);
  assert.is(percentDiff(undefined, 5), 100);
  assert.is(percentDiff(null, null), 0);
  assert.is(percentDiff('high', 'high'), 0);
  assert.is(percentDiff('high', 'low'), 100);
  assert.is(percentDiff('1', 1), 100);
  assert.is(percentDiff(Number.NaN, Number.NaN), 0);
  assert.is(percentDiff(Number.NaN, 1), 100);
});

/** The shipped values that go through the ATR, the one recursive indicator (the range and the volume mean are fixed windows). */
const ATR_BORNE = ['atr', 'breakoutUpAtr', 'breakoutDownAtr', 'closeBackInsideUpAtr', 'closeBackInsideDownAtr', 'components.breakout', 'components.rejection', 'score'];
// the regime tags need their own trailing windows (100 ATRs for the percentile, SMA 50 + 10 for the slope: docs/scoring.md)
const REGIME_BORNE = ['atrPercentile', 'trendSlopeAtr', 'regime.volatility', 'regime.trend'];

s('the shipped strategy on 5000 real 1m bars gets a finite warm-up: its ATR (Wilder, 1/14 a bar) and its regime windows settle', () => {
  const report = recommendWarmup(shippedStrategy(config), ftx);
  assert.ok(report.recommended !== null, JSON.stringify(report.rows));
  assert.ok(report.recommended >= 50 && report.recommended <= 400, `recommended ${report.recommended}`);
  assert.ok(report.rows[0]!.maxDiffPct > 0.1, JSON.stringify(report.rows[0]));
  for (const r of report.rows) if (r.worst !== null) assert.ok([...ATR_BORNE, ...REGIME_BORNE].includes(r.worst), `${r.length}: ${r.worst}`);
});

s('a mean of every close since the first bar never settles: no recommendation, and it is the worst value at every length', async () => {
  const sensitive = await loadStrategy(join(REPO, 'spec/research/strategies/warmup-sensitive.ts'), config);
  const report = recommendWarmup(sensitive, ftx);
  assert.is(report.recommended, null);
  assert.is(report.rows.length, 7);
  for (const r of report.rows) {
    assert.is(r.worst, 'meanCloseSinceStart');
    assert.ok(r.maxDiffPct > 0.1, `${r.length}: ${r.maxDiffPct}`);
  }
});

s('the backtest cut-off: the open time of the first bar outside the warm-up, null when every bar is inside it', () => {
  const bars = closes([1, 2, 3, 4]);
  assert.is(warmupEndTime(bars, 0), T0);
  assert.is(warmupEndTime(bars, 3), T0 + 3 * M);
  assert.is(warmupEndTime(bars, 4), null);
});

s.run();
