export {
  BAR_EVENT_OUTCOMES,
  CLOCK_VERDICTS,
  createMetrics,
  INGEST_OUTCOMES,
  INGEST_SOURCES,
  STAGE_DURATION_BUCKETS,
  STAGE_OUTCOMES,
  TIME_SKEW_ACTIONS,
} from './metrics.ts';
export type { BarEventOutcome, ClockVerdict, IngestOutcome, IngestSource, Metrics, StageOutcome, TimeSkewAction } from './metrics.ts';
