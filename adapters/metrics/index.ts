export {
  BAR_EVENT_OUTCOMES,
  createMetrics,
  INGEST_OUTCOMES,
  INGEST_SOURCES,
  STAGE_DURATION_BUCKETS,
  STAGE_OUTCOMES,
} from './metrics.ts';
export type { BarEventOutcome, IngestOutcome, IngestSource, Metrics, StageOutcome } from './metrics.ts';
