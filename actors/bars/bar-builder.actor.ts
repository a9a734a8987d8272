/**
 * bar-builder stage: RAW envelopes → closed OHLCV bars on BARS (`bars.<symbol>.<timeframe>`)
 * and in Postgres `bars`. The pure BarBuilder holds the open buckets; its snapshot is the
 * stage checkpoint, so a restart continues the very same open bars.
 * Idempotence: a bar's id is `<symbol>:<timeframe>:<openTime>` — one bucket, one id.
 *
 * After each committed batch the stage reports what the builder did with the batch's events
 * (applied / late / ignored) and the details of the late ones: the builder is pure and has no
 * logger, so {@link reportBarEvents} logs and counts them here.
 */
import { insertBars } from '../../adapters/db/index.ts';
import { formatUtc } from '../../adapters/time/index.ts';
import { barId, symbolToken, type Bar, type RawEnvelope, type Timeframe } from '../domain/messages.ts';
import { LIVE_SOURCES, decodeRawEnvelope, isTimeSkewed } from '../ingest/envelope.ts';
import type { Logger } from '../stage/ports.ts';
import type { StageDefinition } from '../stage/stage.actor.ts';
import { BarBuilder, type BarBuilderSnapshot, type BarBuilderStats, type LateEvent } from './bar-builder.ts';

export interface BarStageHooks {
  /**
   * After each committed batch: how many of its events were applied, late and ignored, and the
   * details of the late ones (at most LATE_DETAILS_KEPT per batch; `counts.late` has them all).
   */
  onCommitted?(counts: BarBuilderStats, late: readonly LateEvent[]): void;
}

/**
 * @param closeGraceMs a live bar is closed by a clock tick (`raw.clock.clock`) this long after
 *   its end (docs/bars.md, "Bars closed by the clock"); replayed series never are.
 */
export function barBuilderStage(timeframes: readonly Timeframe[], hooks: BarStageHooks = {}, closeGraceMs = 2000): StageDefinition<RawEnvelope, Bar> {
  return {
    name: 'bar-builder',
    stream: 'RAW',
    decode: decodeRawEnvelope,
    create(snapshot) {
      const builder = snapshot
        ? BarBuilder.restore(snapshot as BarBuilderSnapshot)
        : new BarBuilder({ timeframes: [...timeframes] });
      // The stats are cumulative (they live in the checkpoint); a batch reports the difference.
      let reported = { ...builder.stats };
      // what the batches since the last call noticed, taken with a snapshot, reported once its checkpoint committed
      const takeReport = () => {
        const now = builder.stats;
        const counts = {
          applied: now.applied - reported.applied, late: now.late - reported.late, ignored: now.ignored - reported.ignored, clockClosed: now.clockClosed - reported.clockClosed,
        };
        reported = { ...now };
        const late = builder.takeLate();
        return () => hooks.onCommitted?.(counts, late);
      };
      return {
        // POLICY: an envelope kept with a time_skew flag (FAKEOUT_WEBHOOK_SKEW_ACTION=flag) is in
        // RAW for audit only: a time we could not trust never opens or closes a bar (plausibility.ts).
        apply: (envelope) =>
          isTimeSkewed(envelope)
            ? []
            : envelope.event.kind === 'clock'
              ? builder.closeDue(envelope.event.ts, closeGraceMs)
              : builder.apply(envelope.event, { live: LIVE_SOURCES.has(envelope.source) }),
        snapshot: () => builder.snapshot(),
        checkpointParts: () => builder.checkpointParts(),
        takeReport,
        afterCommit: () => takeReport()(),
      };
    },
    drift(snapshot) {
      const kept = (snapshot as BarBuilderSnapshot).timeframes;
      return [...new Set(kept)].sort().join(',') === [...new Set(timeframes)].sort().join(',') ? undefined : `FAKEOUT_TIMEFRAMES=${timeframes.join(',')} but the checkpoint builds ${kept.join(',')}`;
    },
    toPublish: (bars) =>
      bars.map((bar) => ({ subject: `bars.${symbolToken(bar.symbol)}.${bar.timeframe}`, id: bar.id, value: bar })),
    persist: async (tx, bars) => {
      await insertBars(tx, bars);
    },
  };
}

/**
 * Hooks that log every late event at warn (symbol, its time, the bar it would have gone into,
 * where the series stood) and count every outcome with `count` (fakeout_bar_events_total).
 */
export function reportBarEvents(log: Logger, count: (outcome: keyof BarBuilderStats, n: number) => void): BarStageHooks {
  return {
    onCommitted(counts, late) {
      for (const outcome of ['applied', 'late', 'ignored', 'clockClosed'] as const) if (counts[outcome] > 0) count(outcome, counts[outcome]);
      for (const e of late) {
        log.warn(
          {
            symbol: e.symbol,
            kind: e.kind,
            ...(e.inputTimeframe ? { inputTimeframe: e.inputTimeframe } : {}),
            eventTime: formatUtc(e.ts),
            bar: barId(e.symbol, e.timeframe, e.barOpenTime),
            barOpen: formatUtc(e.barOpenTime),
            seriesOpenFrom: formatUtc(e.openFrom),
            why: e.why,
          },
          e.why === 'closed' ? 'late event dropped: its bar was already emitted (kept in RAW)' : 'late event dropped: re-sent input bar (kept in RAW)',
        );
      }
      if (counts.late > late.length) log.warn({ more: counts.late - late.length }, 'more late events dropped in this batch (counted, not logged one by one)');
    },
  };
}
