/**
 * feature-engine stage: closed bars (BARS) → features (FEATURES, `features.<symbol>.<timeframe>`).
 * It only ever receives closed bars, so it cannot look ahead; the rolling windows live in the
 * pure FeatureEngine, whose snapshot is the checkpoint. Features are not stored on their own:
 * each score row carries the features it was computed from.
 * Idempotence: features keep the bar's id; a bar already seen for its series is ignored.
 */
import { isTimeframe, symbolToken, type Bar, type Features } from '../domain/messages.ts';
import { FakeoutError } from '../domain/errors.ts';
import type { StageDefinition } from '../stage/stage.actor.ts';
import { FeatureEngine, type FeatureEngineSnapshot } from './feature-engine.ts';

export interface FeatureStageOptions {
  lookback: number;
  atrPeriod: number;
}

export function decodeBar(value: unknown): Bar {
  const b = value as Partial<Bar> | null;
  const ok =
    typeof b === 'object' && b !== null && typeof b.id === 'string' && typeof b.symbol === 'string' && isTimeframe(b.timeframe) &&
    [b.openTime, b.closeTime, b.open, b.high, b.low, b.close, b.volume].every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!ok) throw new FakeoutError('FAKEOUT_ERR_INGEST_BAD_ROW', 'BARS message is not a bar', { details: { field: 'bar' } });
  return b as Bar;
}

export function featureEngineStage(opts: FeatureStageOptions): StageDefinition<Bar, Features> {
  return {
    name: 'feature-engine',
    stream: 'BARS',
    decode: decodeBar,
    create(snapshot) {
      const engine = snapshot
        ? FeatureEngine.restore(snapshot as FeatureEngineSnapshot)
        : new FeatureEngine({ lookback: opts.lookback, atrPeriod: opts.atrPeriod });
      return {
        apply: (bar) => {
          const f = engine.update(bar);
          return f ? [f] : [];
        },
        snapshot: () => engine.snapshot(),
        checkpointParts: () => engine.checkpointParts(),
      };
    },
    drift(snapshot) {
      const s = snapshot as FeatureEngineSnapshot;
      const diffs: string[] = [];
      if (s.lookback !== opts.lookback) diffs.push(`FAKEOUT_LOOKBACK=${opts.lookback} but the checkpoint uses ${s.lookback}`);
      if (s.atrPeriod !== opts.atrPeriod) diffs.push(`FAKEOUT_ATR_PERIOD=${opts.atrPeriod} but the checkpoint uses ${s.atrPeriod}`);
      return diffs.length > 0 ? diffs.join('; ') : undefined;
    },
    toPublish: (features) =>
      features.map((f) => ({ subject: `features.${symbolToken(f.symbol)}.${f.timeframe}`, id: f.id, value: f })),
    persist: async () => undefined,
  };
}
