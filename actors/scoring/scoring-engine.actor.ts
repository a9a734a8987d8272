/**
 * scoring-engine stage: features (FEATURES) → a score for every bar (SCORES and Postgres
 * `scores`), and a signal (SIGNALS `signals.<symbol>` and Postgres `signals`) when the score
 * reaches the trigger. Stateless: the checkpoint carries only the stream position.
 * Idempotence: score and signal keep the bar's id.
 */
import { insertScores, insertSignals } from '../../adapters/db/index.ts';
import { formatUtc } from '../../adapters/time/index.ts';
import { FakeoutError } from '../domain/errors.ts';
import { isTimeframe, symbolToken, type Features, type Score, type ScoreMessage, type Signal } from '../domain/messages.ts';
import type { Logger, OutboundMessage } from '../stage/ports.ts';
import type { StageDefinition } from '../stage/stage.actor.ts';
import { scoreFeatures, toSignal, type ScoringParams } from './score.ts';

export interface Scored {
  score: Score;
  signal: Signal | null;
}

function decodeFeatures(value: unknown): Features {
  const f = value as Partial<Features> | null;
  if (typeof f !== 'object' || f === null || typeof f.id !== 'string' || typeof f.symbol !== 'string' || !isTimeframe(f.timeframe) || typeof f.atr !== 'number') {
    throw new FakeoutError('FAKEOUT_ERR_INGEST_BAD_ROW', 'FEATURES message is not a feature vector', { details: { field: 'features' } });
  }
  return f as Features;
}

export interface ScoringStageHooks {
  /** after each committed batch: how many scores and signals it stored */
  onCommitted?(scores: number, signals: number): void;
  /** where each committed signal is logged at info (`"msg":"signal"`) */
  log?: Logger;
}

/** The fields of a signal's log line: what a person needs to act on it. */
export function signalLogLine(signal: Signal): Record<string, unknown> {
  const { id, symbol, timeframe, openTime, direction, score, entry, stop, target } = signal;
  return { signal: id, symbol, timeframe, openTime: formatUtc(openTime), direction, score, entry, stop, target };
}

export function scoringEngineStage(params: Readonly<ScoringParams>, hooks: ScoringStageHooks = {}): StageDefinition<Features, Scored> {
  // the start-up params until a governed version is read (docs/config.md); then that version's
  let current: Readonly<ScoringParams> = params;
  let version: number | undefined;
  return {
    name: 'scoring-engine',
    stream: 'FEATURES',
    decode: decodeFeatures,
    create: () => ({
      apply: (features) => {
        const scored = scoreFeatures(features, current);
        const score = version === undefined ? scored : { ...scored, configVersion: version };
        const signal = toSignal(score, current);
        return [{ score, signal: signal === null || version === undefined ? signal : { ...signal, configVersion: version } }];
      },
      snapshot: () => ({}),
    }),
    useConfig(v) {
      const { wickThreshold, volumeThreshold, triggerScore, targetR, stopBufferAtr } = v.params;
      current = { wickThreshold, volumeThreshold, triggerScore, targetR, stopBufferAtr };
      version = v.version;
    },
    toPublish(outputs) {
      const out: OutboundMessage[] = [];
      for (const { score, signal } of outputs) {
        // the signal rides with its score, so a reader of SCORES (order intake) has both in one order
        const value: ScoreMessage = signal ? { ...score, signal } : score;
        out.push({ subject: `scores.${symbolToken(score.symbol)}.${score.timeframe}`, id: score.id, value });
        if (signal) out.push({ subject: `signals.${symbolToken(signal.symbol)}`, id: signal.id, value: signal });
      }
      return out;
    },
    async persist(tx, outputs) {
      await insertScores(tx, outputs.map((o) => o.score));
      const signals = outputs.flatMap((o) => (o.signal ? [o.signal] : []));
      if (signals.length > 0) await insertSignals(tx, signals);
    },
    afterCommit(outputs) {
      hooks.onCommitted?.(outputs.length, outputs.filter((o) => o.signal).length);
      // POLICY: logged only after the transaction committed, so a logged signal is stored. A
      // batch redelivered after a crash between commit and ack logs its signals again: the log
      // is at-least-once, the id (the bar id) tells repeats apart.
      for (const { signal } of outputs) if (signal) hooks.log?.info(signalLogLine(signal), 'signal');
    },
  };
}
