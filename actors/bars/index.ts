export { BarBuilder, DEFAULT_BAR_TIMEFRAMES, LATE_DETAILS_KEPT } from './bar-builder.ts';
export type { BarBuilderOptions, BarBuilderSnapshot, BarBuilderStats, LateEvent, OpenBucketState, SeriesState } from './bar-builder.ts';
export { bucketStart, closedBuckets, completesBucket, tilesBucket } from './bucket.ts';
export type { ClosedBucket } from './bucket.ts';
