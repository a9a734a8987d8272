/** Inferring a bar file's timeframe from the spacing of its first timestamps. */
import { TIMEFRAMES, timeframeMs, type Timeframe } from '../../domain/messages.ts';

/** The smallest positive gap between consecutive timestamps, or undefined with fewer than two. */
export function smallestStep(timestamps: readonly number[]): number | undefined {
  let best: number | undefined;
  for (let i = 1; i < timestamps.length; i++) {
    const d = (timestamps[i] ?? 0) - (timestamps[i - 1] ?? 0);
    if (d > 0 && (best === undefined || d < best)) best = d;
  }
  return best;
}

/**
 * The timeframe whose length equals the smallest positive spacing. The smallest spacing, not
 * the most common, because gaps (weekends, maintenance) only ever make spacing larger.
 */
export function inferTimeframe(timestamps: readonly number[]): Timeframe | undefined {
  const step = smallestStep(timestamps);
  return TIMEFRAMES.find((tf) => timeframeMs(tf) === step);
}
