/**
 * The bucket rules the bar builder applies, as plain functions, so that others can ask "does
 * this input close a bar?" without running a builder (the webhook's 202 answer does).
 * Pure: no clock, no state.
 */
import { TIMEFRAME_MS, type MarketEvent, type Timeframe } from '../domain/messages.ts';

/** Start of the bucket of length `ms` that holds `ts`: aligned to the timeframe from the epoch. */
export function bucketStart(ts: number, ms: number): number {
  return Math.floor(ts / ms) * ms;
}

/**
 * Whether an input bar of length `inputMs` can build a bucket of length `ms`: only one it tiles
 * exactly (the same length or a whole multiple). A 5m bar builds 5m, 15m, 1h… but never 1m.
 */
export function tilesBucket(inputMs: number, ms: number): boolean {
  return ms >= inputMs && ms % inputMs === 0;
}

/**
 * Whether an input bar opening at `ts` and lasting `inputMs` completes its bucket of length `ms`:
 * it reaches the bucket's end. A tick (`inputMs` 0) never does, since more may come.
 * POLICY: this is the builder's closing rule for input bars; change it here, never in a copy.
 */
export function completesBucket(ts: number, inputMs: number, ms: number): boolean {
  return inputMs > 0 && ts + inputMs >= bucketStart(ts, ms) + ms;
}

/** A bucket an input completes. */
export interface ClosedBucket {
  timeframe: Timeframe;
  /** bucket start, epoch ms UTC (the id of the bar it closes is `<symbol>:<timeframe>:<openTime>`) */
  openTime: number;
  /** bucket end (exclusive), epoch ms UTC */
  closeTime: number;
}

/**
 * The buckets of `timeframes` that `event` completes by itself, finest first: for a bar of
 * timeframe T, every configured timeframe it tiles whose bucket ends with it (T itself always);
 * for a tick, none. It says nothing about buckets closed because a LATER event arrived after a
 * gap, nor about an event the builder drops as late: both depend on what came before.
 * @example closedBuckets({ kind: 'bar', timeframe: '5m', ts: Date.UTC(2024, 0, 1, 0, 55), … }, ['1m', '5m', '15m', '1h'])
 *   // 5m, 15m (00:45–01:00) and 1h (00:00–01:00); 1m is not built from 5m bars
 */
export function closedBuckets(event: MarketEvent, timeframes: readonly Timeframe[]): ClosedBucket[] {
  if (event.kind !== 'bar') return [];
  const inputMs = TIMEFRAME_MS[event.timeframe];
  return [...new Set(timeframes)]
    .sort((a, b) => TIMEFRAME_MS[a] - TIMEFRAME_MS[b])
    .filter((tf) => tilesBucket(inputMs, TIMEFRAME_MS[tf]) && completesBucket(event.ts, inputMs, TIMEFRAME_MS[tf]))
    .map((tf) => {
      const openTime = bucketStart(event.ts, TIMEFRAME_MS[tf]);
      return { timeframe: tf, openTime, closeTime: openTime + TIMEFRAME_MS[tf] };
    });
}
