/**
 * Drift judgment for the (later) drift-monitor actor: pure, no clock read. Given the latest
 * accepted offset, when it was accepted and the thresholds, says ok, warn or trip (reason
 * `clock`). Boundaries: an |offset| equal to a threshold is not beyond it; no answer for exactly
 * `noAnswerMs` is not yet a trip (docs/time.md).
 */
export interface DriftThresholds {
  warnMs: number;
  tripMs: number;
  noAnswerMs: number;
}

export interface DriftInput {
  /** the latest accepted offset, ms; null = no answer accepted yet */
  offsetMs: number | null;
  /** system time of the latest accepted answer (or, before any, when the oracle started) */
  lastGoodAt: number;
  /** system time now */
  now: number;
}

export type DriftFigures = { offsetMs: number | null; sinceLastGoodMs: number } & DriftThresholds;

export type DriftVerdict =
  | { kind: 'ok'; figures: DriftFigures }
  | { kind: 'warn'; figures: DriftFigures }
  | { kind: 'trip'; reason: 'clock'; cause: 'offset' | 'no-answer'; figures: DriftFigures };

export function judgeDrift(input: DriftInput, t: DriftThresholds): DriftVerdict {
  const sinceLastGoodMs = input.now - input.lastGoodAt;
  const figures: DriftFigures = { offsetMs: input.offsetMs, sinceLastGoodMs, ...t };
  if (sinceLastGoodMs > t.noAnswerMs) return { kind: 'trip', reason: 'clock', cause: 'no-answer', figures };
  if (input.offsetMs === null) return { kind: 'ok', figures };
  const abs = Math.abs(input.offsetMs);
  if (abs > t.tripMs) return { kind: 'trip', reason: 'clock', cause: 'offset', figures };
  if (abs > t.warnMs) return { kind: 'warn', figures };
  return { kind: 'ok', figures };
}
