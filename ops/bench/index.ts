/** The benchmark's parts (`npm run bench` runs ops/bench/bench.ts; docs/benchmarks.md explains the figures). */
export { benchPipeline, stageTimes, type PipelineBenchResult } from './bench-pipeline.ts';
export { benchJetStream, BENCH_STREAM, BENCH_SUBJECT_PREFIX, type JetStreamBenchDeps, type JetStreamBenchResult } from './bench-jetstream.ts';
export { benchScoring, randomWalkBars, type ScoringBenchResult } from './bench-scoring.ts';
export { benchGateway, type GatewayBenchResult } from './bench-gateway.ts';
export { benchRelay, type RelayResult } from './bench-relay.ts';
export { startBenchNats, type BenchNats } from './bench-nats.ts';
export { nanosToMs, rfc3339ToMs, startObserver, storedTime, type Observer } from './bench-observer.ts';
export { GATEWAY_BENCH_T0, LANES, tradeOf, type Lane, type Trade } from './gateway-bench-data.ts';
export { benchDatabase, benchTempDir, CleanupStack, BENCH_POSTGRES_ADMIN_URL } from './bench-resources.ts';
