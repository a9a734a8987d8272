/**
 * The live-intake bar clock: every FAKEOUT_BAR_CLOCK_TICK seconds, while live data is flowing, a
 * clock tick on RAW (`raw.clock.clock`, id `clock:<at>`, `at` by the process's injected clock:
 * the time oracle's corrected time). The bar builder closes each live bar whose end plus
 * FAKEOUT_BAR_CLOSE_GRACE has passed, so a quiet market does not hold a signal back until the
 * next tick comes (docs/bars.md, "Bars closed by the clock").
 *
 * POLICY: the tick goes on RAW like every other input, so a rebuild from RAW closes the same bars
 * at the same points. It is published only while live data arrived recently (`liveClockDue`:
 * the newest `raw.tradingview.>` message on RAW is younger than the longest timeframe + the grace
 * + one interval), so an idle fakeout (the demo after its replay) does not fill RAW with ticks,
 * and a replay, which has no live data, is never clock-closed.
 */
import { stampOf, type Clock } from '../../adapters/time/clock.ts';
import { startTickerService } from '../app/ticker.service.ts';
import { TIMEFRAME_MS, type Timeframe } from '../domain/messages.ts';
import type { Bus } from '../stage/ports.ts';
import type { StageActor } from '../stage/stage.actor.ts';
import { LIVE_RAW_SUBJECT, clockTicks } from './envelope.ts';

/**
 * Whether the clock should tick at `now`: live data was received at `lastLiveAt` (undefined:
 * never), and a bar it fed may still be open: `now − lastLiveAt ≤ horizonMs`.
 */
export function liveClockDue(now: number, lastLiveAt: number | undefined, horizonMs: number): boolean {
  return lastLiveAt !== undefined && now - lastLiveAt <= horizonMs;
}

/** How long after the last live event a bar it fed can still be open: the longest timeframe + grace + one interval. */
export function liveClockHorizonMs(timeframes: readonly Timeframe[], graceMs: number, intervalMs: number): number {
  return Math.max(...timeframes.map((tf) => TIMEFRAME_MS[tf])) + graceMs + intervalMs;
}

/** `partitions`: the pipeline's FAKEOUT_PARTITION n, when partitioned (a tick for each partition, `clockTicks`). */
export function startBarClockActor(deps: { bus: Bus; clock: Clock; intervalMs: number; horizonMs: number; partitions?: number }): StageActor {
  return startTickerService('bar-clock', {
    intervalMs: deps.intervalMs,
    connection: deps.bus.connection,
    async tick() {
      const last = await deps.bus.lastMessage('RAW', LIVE_RAW_SUBJECT);
      // corrected time on both sides: the envelope's correctedAt (receivedAt if stored before stamping)
      const value = last?.value as { receivedAt?: unknown; correctedAt?: unknown } | undefined;
      const at = typeof value?.correctedAt === 'number' ? value.correctedAt : value?.receivedAt;
      const stamp = stampOf(deps.clock);
      const now = stamp.correctedAt;
      if (!liveClockDue(now, typeof at === 'number' ? at : undefined, deps.horizonMs)) return;
      await deps.bus.publishMany(clockTicks(now, stamp, deps.partitions));
    },
  });
}
