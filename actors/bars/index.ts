export { BarBuilder, DEFAULT_BAR_TIMEFRAMES } from './bar-builder.ts';
export type { BarBuilderOptions, BarBuilderSnapshot, BarBuilderStats, OpenBucketState, SeriesState } from './bar-builder.ts';
export { bucketStart, closedBuckets, completesBucket, tilesBucket } from './bucket.ts';
export type { ClosedBucket } from './bucket.ts';
