/** The benchmark's parts (`npm run bench` runs ops/bench/bench.ts; docs/benchmarks.md explains the figures). */
export { benchPipeline, type PipelineBenchResult } from './bench-pipeline.ts';
export { benchJetStream, BENCH_STREAM, BENCH_SUBJECT_PREFIX, type JetStreamBenchDeps, type JetStreamBenchResult } from './bench-jetstream.ts';
export { benchScoring, randomWalkBars, type ScoringBenchResult } from './bench-scoring.ts';
export { benchDatabase, benchTempDir, CleanupStack, BENCH_POSTGRES_ADMIN_URL } from './bench-resources.ts';
