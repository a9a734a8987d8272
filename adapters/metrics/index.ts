export {
  BAR_EVENT_OUTCOMES,
  BREAKER_TRIP_REASONS,
  CLOCK_VERDICTS,
  createMetrics,
  INGEST_OUTCOMES,
  INGEST_SOURCES,
  STAGE_DURATION_BUCKETS,
  STAGE_OUTCOMES,
  TIME_SKEW_ACTIONS,
  WEBHOOK_OUTCOMES,
} from './metrics.ts';
export { collectProcessMetrics, conformingName, RENAMED_SUFFIX } from './process-metrics.ts';
export type { RenamedMetric } from './process-metrics.ts';
export type { BarEventOutcome, BreakerTripReason, WebhookOutcome, ClockVerdict, IngestOutcome, IngestSource, Metrics, StageOutcome, TimeSkewAction } from './metrics.ts';
