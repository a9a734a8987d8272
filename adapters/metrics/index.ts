export {
  BAR_EVENT_OUTCOMES,
  createMetrics,
  INGEST_OUTCOMES,
  INGEST_SOURCES,
  STAGE_DURATION_BUCKETS,
  STAGE_OUTCOMES,
  TIME_SKEW_ACTIONS,
} from './metrics.ts';
export type { BarEventOutcome, IngestOutcome, IngestSource, Metrics, StageOutcome, TimeSkewAction } from './metrics.ts';
