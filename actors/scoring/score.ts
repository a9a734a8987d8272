/**
 * The false-breakout score and the signal derived from it. Pure functions of one bar's
 * {@link Features} and the parameters; docs/scoring.md explains the weights.
 */
import type { Direction, Features, Score, Signal } from '../domain/messages.ts';
import { FakeoutError } from '../domain/errors.ts';
// Loaded before any Score is built: sets V8 up to store a 0 score and 0 components without a heap number each.
import '../domain/layout-hints.ts';

export interface ScoringParams {
  /** wick ratio (0..1) on the break side that earns the full wick points; default 0.5 */
  wickThreshold: number;
  /** volume / mean volume that earns the full volume points; default 1.5 */
  volumeThreshold: number;
  /** score at or above which a signal is emitted, 0..100; default 70 */
  triggerScore: number;
  /** target distance in multiples of the risk (entry to stop); default 2 */
  targetR: number;
  /** stop distance beyond the wick extreme, in ATR; default 0.1 */
  stopBufferAtr: number;
}

export const DEFAULT_SCORING_PARAMS: Readonly<ScoringParams> = Object.freeze({
  wickThreshold: 0.5,
  volumeThreshold: 1.5,
  triggerScore: 70,
  targetR: 2,
  stopBufferAtr: 0.1,
});

/** Maximum points per component; they add up to 100. */
export const SCORE_WEIGHTS = Object.freeze({ breakout: 25, rejection: 30, wick: 25, volume: 20 });

/** Breakout distance (in ATR) that earns the full breakout points. */
export const FULL_BREAKOUT_ATR = 1.0;
/** Close-back-inside depth (in ATR) that earns the full rejection points. */
export const FULL_REJECTION_ATR = 0.5;

export type ScoreComponents = { [K in keyof typeof SCORE_WEIGHTS]: number };

/**
 * The components of every score without a failed break (most bars): one shared, frozen object
 * rather than a fresh one per bar (issue #9, figure (c)). Same keys in the same order and the
 * same values as the literal below, so no output changes (JSON, deepEqual); frozen, so a consumer
 * that wrote into it would throw rather than change other bars' scores (none does: they read).
 */
const NO_COMPONENTS: ScoreComponents = Object.freeze({ breakout: 0, rejection: 0, wick: 0, volume: 0 });

const round2 = (x: number): number => Math.round(x * 100) / 100;
const part = (value: number, full: number, weight: number): number => round2(Math.min(Math.max(value, 0) / full, 1) * weight);

/**
 * Scores one bar as a failed breakout, 0..100.
 *
 * A failed upside break (high above the range, close back below rangeHigh) fades short; a failed
 * downside break fades long. An outside bar that failed both ways takes the higher-scoring side
 * (a tie goes to 'short', the side evaluated first). No failed break: score 0, direction null.
 * Each component is rounded to 2 decimals and `score` is their rounded sum.
 */
export function scoreFeatures(f: Features, p: ScoringParams = DEFAULT_SCORING_PARAMS): Score {
  const failedUp = f.high > f.rangeHigh && f.close < f.rangeHigh;
  const failedDown = f.low < f.rangeLow && f.close > f.rangeLow;
  // one bar's components in locals, one object at the end: this runs for every bar with features
  const volume = failedUp || failedDown ? part(f.volumeRatio, p.volumeThreshold, SCORE_WEIGHTS.volume) : 0;
  let direction: Direction | null = null;
  let breakout = 0;
  let rejection = 0;
  let wick = 0;
  let score = 0;
  if (failedUp) {
    direction = 'short';
    breakout = part(f.breakoutUpAtr, FULL_BREAKOUT_ATR, SCORE_WEIGHTS.breakout);
    rejection = part(f.closeBackInsideUpAtr, FULL_REJECTION_ATR, SCORE_WEIGHTS.rejection);
    wick = part(f.upperWickRatio, p.wickThreshold, SCORE_WEIGHTS.wick);
    score = round2(breakout + rejection + wick + volume);
  }
  if (failedDown) {
    const downBreakout = part(f.breakoutDownAtr, FULL_BREAKOUT_ATR, SCORE_WEIGHTS.breakout);
    const downRejection = part(f.closeBackInsideDownAtr, FULL_REJECTION_ATR, SCORE_WEIGHTS.rejection);
    const downWick = part(f.lowerWickRatio, p.wickThreshold, SCORE_WEIGHTS.wick);
    const down = round2(downBreakout + downRejection + downWick + volume);
    if (direction === null || down > score) {
      direction = 'long';
      breakout = downBreakout;
      rejection = downRejection;
      wick = downWick;
      score = down;
    }
  }
  // direction null: no failed break, so every component is still the literal 0 it started as
  const components: ScoreComponents = direction === null ? NO_COMPONENTS : { breakout, rejection, wick, volume };
  return { id: f.id, symbol: f.symbol, timeframe: f.timeframe, openTime: f.openTime, score, direction, components, features: f };
}

/**
 * The trade idea for a score at or above the trigger, else null.
 * Entry is the failed bar's close; the stop sits `stopBufferAtr` ATR beyond the wick extreme;
 * the target is `targetR` times the risk on the other side of the entry.
 */
export function toSignal(score: Score, p: ScoringParams = DEFAULT_SCORING_PARAMS): Signal | null {
  if (score.direction === null || score.score < p.triggerScore) return null;
  const f = score.features;
  const entry = f.close;
  const buffer = p.stopBufferAtr * f.atr;
  const stop = score.direction === 'short' ? f.high + buffer : f.low - buffer;
  const target = entry - p.targetR * (stop - entry);
  return { id: score.id, symbol: score.symbol, timeframe: score.timeframe, openTime: score.openTime, direction: score.direction, score: score.score, entry, stop, target, features: f };
}

/** Accepted range of each parameter: [min, max, min is exclusive]. */
const RANGES: Readonly<Record<keyof ScoringParams, readonly [number, number, boolean]>> = Object.freeze({
  wickThreshold: [0, 1, true], // a wick ratio never exceeds 1, so a higher threshold could never be met
  volumeThreshold: [0, 100, true],
  triggerScore: [0, 100, false],
  targetR: [0, 100, true],
  stopBufferAtr: [0, 100, false],
});

/**
 * Validates scoring parameters from config. Missing fields take the defaults; an unknown field,
 * a non-number, a non-finite number or one out of range throws FAKEOUT_ERR_CONFIG_INVALID with
 * `details.field` naming it (unknown fields are refused so a typo cannot silently keep a default).
 */
export function validateScoringParams(obj: unknown): Readonly<ScoringParams> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', 'scoring params must be an object', { details: { field: 'scoring' } });
  }
  const input = obj as Record<string, unknown>;
  for (const field of Object.keys(input)) {
    if (!Object.hasOwn(RANGES, field)) {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `unknown scoring parameter ${field}`, { details: { field } });
    }
  }
  const out = { ...DEFAULT_SCORING_PARAMS };
  for (const field of Object.keys(RANGES) as (keyof ScoringParams)[]) {
    const value = input[field];
    if (value === undefined) continue;
    const [min, max, exclusive] = RANGES[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value > max || (exclusive ? value <= min : value < min)) {
      throw new FakeoutError(
        'FAKEOUT_ERR_CONFIG_INVALID',
        `scoring parameter ${field} must be a finite number in ${exclusive ? '(' : '['}${min}, ${max}], got ${JSON.stringify(value) ?? String(value)}`,
        { details: { field } },
      );
    }
    out[field] = value;
  }
  return Object.freeze(out);
}
