/**
 * Figure (a): one replay file through the whole pipeline (replay → RAW → archiver and bar-builder
 * → BARS → feature-engine → FEATURES → scoring-engine → Postgres), exactly as `fakeout replay`
 * runs it: embedded nats-server, a fresh Postgres database, the default configuration.
 */
import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { createLogger } from '../../adapters/log/index.ts';
import { startApp, type App } from '../../actors/app/app.ts';
import { readSummary } from '../../actors/app/summary.ts';
import { loadConfig } from '../../actors/domain/config.ts';
import type { ReplayProgress } from '../../actors/ingest/replay.actor.ts';
import { backendPids, benchDatabase, benchTempDir, type CleanupStack } from './bench-resources.ts';
import { childPids, totalCpuSeconds } from './cpu-usage.ts';

/** Which database (a) writes to: a fresh database on the Postgres server, or the embedded PGlite default. */
export type BenchEngine = 'postgres' | 'pglite';

export interface PipelineBenchResult {
  engine: BenchEngine;
  file: string;
  /** events the replay published to RAW (new, not duplicates) */
  ticks: number;
  /** startApp called → replay published its last event (RAW acked everything) */
  replaySeconds: number;
  /** startApp called → every stage consumer drained and the replay worker stopped */
  totalSeconds: number;
  ticksPerSecond: number;
  rawEvents: number;
  bars: number;
  barsByTimeframe: Record<string, number>;
  scores: number;
  signals: number;
  /** process RSS right after the pipeline went idle, MiB */
  rssAfterMiB: number;
  batchSize: number;
  postgresVersion: string;
  /** CPU seconds spent during (a): this process, its nats-server child, the live Postgres backends (PGlite runs inside the node process) */
  cpu: { node: number; natsServer: number | undefined; postgres: number | undefined };
  /** per stage: batches committed and the seconds they took (processing, publish, commit, ack; not the fetch) */
  stages: { name: string; batches: number; seconds: number }[];
}

/** Polling period of waitForIdle: short, so detecting the end adds little to the measured time. */
const IDLE_POLL_MS = 100;
/** A loaded machine can take far longer than the app's default 10 minutes; the figure is still a ratio. */
const IDLE_TIMEOUT_MS = 3_600_000;

/**
 * Runs (a) on `engine` and returns the still-running app, so that the caller can read RAW's first
 * message for (b). The app's stop and the database/temp-dir removal are registered on `cleanup`.
 */
export async function benchPipeline(file: string, cleanup: CleanupStack, engine: BenchEngine = 'postgres'): Promise<{ result: PipelineBenchResult; app: App }> {
  // The replay actor only logs a missing file (a service keeps running); a benchmark must stop.
  if (!existsSync(file)) throw new Error(`BENCH_FILE ${file} does not exist`);
  const db = engine === 'postgres' ? await benchDatabase(cleanup) : undefined;
  const dataDir = await benchTempDir(cleanup);
  const env: NodeJS.ProcessEnv = { ...process.env, FAKEOUT_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
  // POLICY: the benchmark measures the embedded deployment; an ambient NATS_URL must not redirect it,
  // nor an ambient DATABASE_URL the PGlite variant (PGlite then lives under the temp data directory).
  delete env.NATS_URL;
  delete env.DATABASE_URL;
  if (db !== undefined) env.DATABASE_URL = db.url;
  const config = loadConfig(env);
  const log = createLogger(config.logLevel, process.stderr);

  let last: ReplayProgress | undefined;
  let replayDoneAt = Number.NaN;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const app = await startApp({
    config,
    log,
    replay: [{ path: file }],
    onReplayProgress: (p) => {
      last = p;
      if (p.done) replayDoneAt = performance.now();
    },
  });
  cleanup.push('stop the app', () => app.stop());
  await app.waitForIdle({ pollMs: IDLE_POLL_MS, timeoutMs: IDLE_TIMEOUT_MS });
  const idleAt = performance.now();
  const rssAfterMiB = process.memoryUsage().rss / 2 ** 20;
  const nodeCpu = process.cpuUsage(cpuBefore);
  // Both started within startApp, so their whole lifetime is (a). A backend the pool closed
  // on its idle timeout is not counted: the Postgres figure is a lower bound.
  const cpu = {
    node: (nodeCpu.user + nodeCpu.system) / 1e6,
    natsServer: totalCpuSeconds(childPids('nats-server')),
    postgres: db === undefined ? undefined : totalCpuSeconds(await backendPids(db.name)),
  };
  const serverVersion =
    db?.serverVersion ?? `PGlite ${(await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(app.database.db)).rows[0]?.v ?? '?'}`;

  const summary = await readSummary(app.database.db);
  const stages = await stageTimes(app);
  const barsByTimeframe: Record<string, number> = {};
  for (const b of summary.bars) barsByTimeframe[b.timeframe] = (barsByTimeframe[b.timeframe] ?? 0) + b.count;
  const ticks = last?.published ?? summary.rawEvents;
  if (ticks === 0) throw new Error(`the replay of ${file} published nothing; see the log above`);
  const totalSeconds = (idleAt - started) / 1000;
  return {
    app,
    result: {
      engine,
      file,
      ticks,
      replaySeconds: (replayDoneAt - started) / 1000,
      totalSeconds,
      ticksPerSecond: ticks / totalSeconds,
      rawEvents: summary.rawEvents,
      bars: summary.bars.reduce((n, b) => n + b.count, 0),
      barsByTimeframe,
      scores: summary.scores,
      signals: summary.signals.reduce((n, s) => n + s.count, 0),
      rssAfterMiB,
      batchSize: config.batchSize,
      postgresVersion: serverVersion,
      cpu,
      stages,
    },
  };
}

/** Reads the fakeout_stage_duration_seconds histogram's per-stage sum and count. */
export async function stageTimes(app: App): Promise<PipelineBenchResult['stages']> {
  const byStage = new Map<string, { name: string; batches: number; seconds: number }>();
  for (const v of (await app.metrics.stageDuration.get()).values) {
    const name = String(v.labels.stage);
    const row = byStage.get(name) ?? { name, batches: 0, seconds: 0 };
    if (v.metricName?.endsWith('_sum')) row.seconds = v.value;
    else if (v.metricName?.endsWith('_count')) row.batches = v.value;
    else continue;
    byStage.set(name, row);
  }
  return [...byStage.values()];
}
