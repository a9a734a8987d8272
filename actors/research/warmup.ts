/**
 * Warm-up check, after Freqtrade's recursive-analysis: a recursive indicator (an ATR, an EMA) at a
 * bar depends on how many bars came before it. Run the strategy on the last L + 1 bars for several
 * warm-up lengths L and compare the last bar's values with the run on every bar; the recommended
 * warm-up is the shortest from which the difference stays negligible. Pure: bars in, report out.
 */
import type { Bar } from '../domain/messages.ts';
import { assertOneStepPerBar, type StepValue, type Strategy } from './strategy.ts';

export const DEFAULT_WARMUP_LENGTHS: readonly number[] = Object.freeze([25, 50, 100, 200, 400, 800, 1600]);
/** Percent at or under which a difference is negligible. */
export const DEFAULT_WARMUP_TOLERANCE_PCT = 0.1;

export interface WarmupOptions {
  /** warm-up lengths tried, in bars before the last one; default {@link DEFAULT_WARMUP_LENGTHS} */
  lengths?: readonly number[];
  /** default {@link DEFAULT_WARMUP_TOLERANCE_PCT} */
  tolerancePct?: number;
}

export interface WarmupRow {
  /** bars before the last one in this run */
  length: number;
  /** the largest {@link percentDiff} over every value of the last bar */
  maxDiffPct: number;
  /** the name that gave it; null when nothing differed */
  worst: string | null;
}

export interface WarmupReport {
  /** the shortest tried length from which every longer one is within tolerance; null: none is */
  recommended: number | null;
  tolerancePct: number;
  /** one per length tried, shortest first */
  rows: WarmupRow[];
}

/**
 * Percent difference of `value` from the reference `ref`: |value − ref| / |ref| × 100.
 * Rules: ref = 0 gives 0 when value is 0 too, else 100; two NaN are equal (0); a number against
 * null, a missing value, a string or NaN gives 100; two strings or two nulls give 0 when equal,
 * else 100. So a value that only appears with more history, or a tag that flips, counts as
 * entirely different.
 */
export function percentDiff(value: StepValue | undefined, ref: StepValue | undefined): number {
  if (typeof value === 'number' && typeof ref === 'number') {
    if (Number.isNaN(value) || Number.isNaN(ref)) return Number.isNaN(value) && Number.isNaN(ref) ? 0 : 100;
    if (value === ref) return 0;
    if (ref === 0) return 100;
    return (Math.abs(value - ref) / Math.abs(ref)) * 100;
  }
  return value === ref ? 0 : 100;
}

export function recommendWarmup(strategy: Strategy, bars: readonly Bar[], opts: WarmupOptions = {}): WarmupReport {
  const tolerancePct = opts.tolerancePct ?? DEFAULT_WARMUP_TOLERANCE_PCT;
  // POLICY: a length that takes every bar is the reference itself: it is not a test, so it is not tried.
  const lengths = [...new Set(opts.lengths ?? DEFAULT_WARMUP_LENGTHS)].filter((l) => Number.isInteger(l) && l >= 0 && l + 1 < bars.length).sort((a, b) => a - b);
  if (lengths.length === 0) return { recommended: null, tolerancePct, rows: [] };
  const full = strategy.run(bars);
  assertOneStepPerBar(strategy, full, bars.length);
  const ref = full.at(-1)!.values;
  const rows: WarmupRow[] = lengths.map((length) => {
    const steps = strategy.run(bars.slice(bars.length - length - 1));
    assertOneStepPerBar(strategy, steps, length + 1);
    const last = steps.at(-1)!.values;
    let maxDiffPct = 0;
    let worst: string | null = null;
    for (const name of new Set([...Object.keys(ref), ...Object.keys(last)])) {
      const d = percentDiff(last[name], ref[name]);
      if (d > maxDiffPct) {
        maxDiffPct = d;
        worst = name;
      }
    }
    return { length, maxDiffPct, worst };
  });
  let recommended: number | null = null;
  for (let k = rows.length - 1; k >= 0 && rows[k]!.maxDiffPct <= tolerancePct; k--) recommended = rows[k]!.length;
  return { recommended, tolerancePct, rows };
}

/**
 * For the backtest: the openTime of the first bar outside the warm-up (index `warmup` of the
 * series), before which no trade should be reported; null when every bar is inside it.
 */
export function warmupEndTime(bars: readonly Bar[], warmup: number): number | null {
  return bars[warmup]?.openTime ?? null;
}
