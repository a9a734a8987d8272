export {
  DEFAULT_SCORING_PARAMS,
  FULL_BREAKOUT_ATR,
  FULL_REJECTION_ATR,
  SCORE_WEIGHTS,
  scoreFeatures,
  toSignal,
  validateScoringParams,
} from './score.ts';
export type { ScoreComponents, ScoringParams } from './score.ts';
