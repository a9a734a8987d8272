/**
 * bar-builder stage: RAW envelopes → closed OHLCV bars on BARS (`bars.<symbol>.<timeframe>`)
 * and in Postgres `bars`. The pure BarBuilder holds the open buckets; its snapshot is the
 * stage checkpoint, so a restart continues the very same open bars.
 * Idempotence: a bar's id is `<symbol>:<timeframe>:<openTime>` — one bucket, one id.
 */
import { insertBars } from '../../adapters/db/index.ts';
import { symbolToken, type Bar, type RawEnvelope, type Timeframe } from '../domain/messages.ts';
import { decodeRawEnvelope } from '../ingest/envelope.ts';
import type { StageDefinition } from '../stage/stage.actor.ts';
import { BarBuilder, type BarBuilderSnapshot } from './bar-builder.ts';

export function barBuilderStage(timeframes: readonly Timeframe[]): StageDefinition<RawEnvelope, Bar> {
  return {
    name: 'bar-builder',
    stream: 'RAW',
    decode: decodeRawEnvelope,
    create(snapshot) {
      const builder = snapshot
        ? BarBuilder.restore(snapshot as BarBuilderSnapshot)
        : new BarBuilder({ timeframes: [...timeframes] });
      return { apply: (envelope) => builder.apply(envelope.event), snapshot: () => builder.snapshot() };
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
