/**
 * Figure (c): the pure per-bar path of the pipeline (FeatureEngine.update → scoreFeatures →
 * toSignal) with no broker, no database and no JSON, over a deterministic random walk.
 * Its in-run baseline is the generator of those bars (code this path does not touch), timed
 * chunk by chunk between the timed chunks of (c), so that both see the same load.
 */
import type { Bar, Timeframe } from '../../actors/domain/messages.ts';
import { barId, timeframeMs } from '../../actors/domain/messages.ts';
import { FeatureEngine } from '../../actors/features/index.ts';
import { DEFAULT_SCORING_PARAMS, scoreFeatures, toSignal } from '../../actors/scoring/index.ts';
// The same deterministic PRNG the tests use (mulberry32): one implementation.
import { seededRandom as mulberry32 } from '../../spec/bars/seeded-random.ts';

/** Goal for (c) (issue #9): bars/s on one core, a target to compare against, not an assertion. */
export const SCORING_GOAL_BARS_PER_S = 2_000_000;

export interface ScoringBenchResult {
  bars: number;
  series: number;
  /** wall time of the timed part */
  seconds: number;
  barsPerSecond: number;
  /** CPU time (user + system) of the process over the timed part: less sensitive to neighbours than wall time */
  cpuSeconds: number;
  /** baseline: the seeded generator making the same bars, wall time and bars/s */
  generatorSeconds: number;
  generatorBarsPerSecond: number;
  /** bars that produced features (the rest were warming up) */
  scores: number;
  signals: number;
}

const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'] as const;
const TIMEFRAMES: readonly Timeframe[] = ['1m', '5m'];
/** Bars generated, then timed, at a time: generation stays out of the clock and memory stays bounded. */
const CHUNK = 10_000;
/** 2024-01-02T00:00:00Z */
const START_MS = 1_704_153_600_000;

/**
 * An endless interleaving of random-walk bars over every symbol × timeframe (bar i belongs to
 * series i mod k). Log-normal steps, wicks beyond the body, occasional volume bursts, so that
 * breakouts, failed ones included, do occur.
 */
export function randomWalkBars(seed: number): (out: Bar[], n: number) => void {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const series = SYMBOLS.flatMap((symbol) => TIMEFRAMES.map((timeframe) => ({ symbol, timeframe, close: 100, k: 0 })));
  let i = 0;
  return (out, n) => {
    out.length = 0;
    for (let j = 0; j < n; j++, i++) {
      const s = series[i % series.length]!;
      const open = s.close;
      const close = open * Math.exp(0.002 * gauss());
      const wick = () => open * 0.0015 * Math.abs(gauss()) * (rand() < 0.1 ? 4 : 1);
      const high = Math.max(open, close) + wick();
      const low = Math.min(open, close) - wick();
      const volume = Math.round(1000 * Math.exp(0.5 * gauss()) * (rand() < 0.05 ? 3 : 1));
      const openTime = START_MS + s.k * timeframeMs(s.timeframe);
      out.push({
        id: barId(s.symbol, s.timeframe, openTime),
        symbol: s.symbol,
        timeframe: s.timeframe,
        openTime,
        closeTime: openTime + timeframeMs(s.timeframe),
        open,
        high,
        low,
        close,
        volume,
        count: 1,
      });
      s.close = close;
      s.k++;
    }
  };
}

/** Runs (c) over `total` bars (default 1,000,000) with the default lookback, ATR period and scoring parameters. */
export function benchScoring(total = 1_000_000, seed = 20240102): ScoringBenchResult {
  const next = randomWalkBars(seed);
  const engine = new FeatureEngine({ lookback: 20, atrPeriod: 14 });
  const params = DEFAULT_SCORING_PARAMS;
  const chunk: Bar[] = [];
  let elapsed = 0;
  let cpuMicros = 0;
  let generating = 0;
  let scores = 0;
  let signals = 0;
  for (let done = 0; done < total; done += chunk.length) {
    const g0 = performance.now();
    next(chunk, Math.min(CHUNK, total - done));
    generating += performance.now() - g0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const bar of chunk) {
      const f = engine.update(bar);
      if (f === null) continue;
      scores++;
      if (toSignal(scoreFeatures(f, params), params) !== null) signals++;
    }
    elapsed += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuMicros += cpu.user + cpu.system;
  }
  const seconds = elapsed / 1000;
  const generatorSeconds = generating / 1000;
  return {
    bars: total, series: SYMBOLS.length * TIMEFRAMES.length, seconds, barsPerSecond: total / seconds, cpuSeconds: cpuMicros / 1e6,
    generatorSeconds, generatorBarsPerSecond: total / generatorSeconds, scores, signals,
  };
}

/** The table rows of (c); `fmt` formats a number with the given decimals. */
export function scoringRows(c: ScoringBenchResult, fmt: (x: number, digits?: number) => string): [string, string][] {
  const met = c.barsPerSecond >= SCORING_GOAL_BARS_PER_S ? 'met' : `not met (×${fmt(SCORING_GOAL_BARS_PER_S / c.barsPerSecond, 2)} short)`;
  return [
    ['(c) pure FeatureEngine.update + scoreFeatures + toSignal', ''],
    ['bars', `${fmt(c.bars)} over ${c.series} series (seeded random walk)`],
    ['time', `${fmt(c.seconds, 2)} s wall, ${fmt(c.cpuSeconds, 2)} s CPU`],
    ['THROUGHPUT', `${fmt(c.barsPerSecond)} bars/s  (goal ≥ ${fmt(SCORING_GOAL_BARS_PER_S)} on one core: ${met}); per CPU second ${fmt(c.bars / c.cpuSeconds)}`],
    ['baseline: the generator of those bars', `${fmt(c.generatorBarsPerSecond)} bars/s (${fmt(c.generatorSeconds, 2)} s)`],
    ['ratio (c)/baseline', fmt(c.barsPerSecond / c.generatorBarsPerSecond, 2)],
    ['scores / signals', `${fmt(c.scores)} / ${fmt(c.signals)}`],
  ];
}
