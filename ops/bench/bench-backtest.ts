/**
 * Figures (g), (h) and (i): the backtest engines (actors/research/).
 *
 *   (g) in-process backtest bars/s over ~BENCH_BACKTEST_BARS bars with every machine in the loop
 *       (bar builder, features, scoring, intake, the gateway with its gate, breaker and paper
 *       broker): the FTX sample tiled end to end, each copy shifted past the previous one.
 *   (h) the NATS engine (the actor pipeline over JetStream into a fresh embedded database) on a
 *       2,000-row slice, against the in-process engine on the same slice.
 *   (i) a sweep of 4 points over the whole FTX sample with 1 worker process, then one per core.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { runInProcess } from '../../actors/research/backtest-inprocess.ts';
import { runOnNats } from '../../actors/research/backtest-nats.ts';
import { backtestConfig } from '../../actors/research/params.ts';
import { runSweep } from '../../actors/research/sweep.ts';
import { benchTempDir, type CleanupStack } from './bench-resources.ts';

const SAMPLE = 'data/nautilus_ftx_btc-perp-20211231-20220201_1m.csv';
const SYMBOL = 'BTC-PERP';

export interface BacktestBenchResult {
  inprocess: { rows: number; bars: number; seconds: number; barsPerSecond: number; trades: number };
  nats: { rows: number; bars: number; seconds: number; barsPerSecond: number; sameSliceInProcessBarsPerSecond: number };
  sweep: { points: number; rows: number; workers: number; oneWorkerSeconds: number; allWorkersSeconds: number; pointsPerSecond: number; speedup: number };
}

/** The sample's rows repeated `tiles` times, each copy moved past the previous one (CSV, 1m rows). */
function tiledSample(path: string, tiles: number): number {
  const [header, ...rows] = readFileSync(SAMPLE, 'utf8').trim().split('\n');
  const parse = (line: string) => Date.parse(`${line.slice(0, 19).replace(' ', 'T')}Z`);
  const span = parse(rows[rows.length - 1]!) - parse(rows[0]!) + 60_000;
  const out: string[] = [header!];
  for (let k = 0; k < tiles; k++) {
    for (const line of rows) {
      const t = new Date(parse(line) + k * span).toISOString().replace('T', ' ').replace('Z', '000');
      out.push(`${t}${line.slice(line.indexOf(','))}`);
    }
  }
  writeFileSync(path, out.join('\n') + '\n');
  return out.length - 1;
}

function slice(path: string, rows: number): string {
  writeFileSync(path, readFileSync(SAMPLE, 'utf8').split('\n').slice(0, rows + 1).join('\n') + '\n');
  return path;
}

export async function benchBacktest(cleanup: CleanupStack, targetBars: number, say: (line: string) => void): Promise<BacktestBenchResult> {
  const dir = await benchTempDir(cleanup);
  const config = backtestConfig(process.env, {});
  // 45,031 rows make 57,789 bars on the default timeframes (1m, 5m, 15m, 1h)
  const tiles = Math.max(1, Math.ceil(targetBars / 57_789));
  const big = join(dir, 'ftx-tiled.csv');
  const rows = tiledSample(big, tiles);
  say(`(g) in-process backtest over ${rows.toLocaleString('en-US')} rows…`);
  let t = performance.now();
  const g = await runInProcess({ files: [{ path: big, symbol: SYMBOL }], config, progressEvery: 200_000, onProgress: (p) => say(`(g) ${p.bars.toLocaleString('en-US')} bars`) });
  const gSeconds = (performance.now() - t) / 1000;

  const small = slice(join(dir, 'ftx-2000.csv'), 2_000);
  say('(h) NATS-engine backtest on 2,000 rows, and the in-process engine on the same slice…');
  t = performance.now();
  const local = await runInProcess({ files: [{ path: small, symbol: SYMBOL }], config });
  const localSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const nats = await runOnNats({ files: [{ path: small, symbol: SYMBOL }], env: process.env });
  const natsSeconds = (performance.now() - t) / 1000;

  const sweepFile = SAMPLE;
  const points = [65, 70, 75, 80].map((triggerScore) => ({ triggerScore }));
  const workers = availableParallelism();
  say(`(i) sweep of ${points.length} points on the whole FTX sample: 1 worker, then ${workers}…`);
  const files = [{ path: sweepFile }];
  t = performance.now();
  await runSweep({ files, env: process.env, base: {}, points, workers: 1 });
  const one = (performance.now() - t) / 1000;
  t = performance.now();
  await runSweep({ files, env: process.env, base: {}, points, workers });
  const all = (performance.now() - t) / 1000;

  return {
    inprocess: { rows, bars: g.records.bars.length, seconds: gSeconds, barsPerSecond: g.records.bars.length / gSeconds, trades: g.records.trades.length },
    nats: {
      rows: 2_000, bars: nats.records.bars.length, seconds: natsSeconds, barsPerSecond: nats.records.bars.length / natsSeconds,
      sameSliceInProcessBarsPerSecond: local.records.bars.length / localSeconds,
    },
    sweep: { points: points.length, rows: 45_031, workers, oneWorkerSeconds: one, allWorkersSeconds: all, pointsPerSecond: points.length / all, speedup: one / all },
  };
}

/** Goal for (g): bars/s on one core, every machine in the loop (issue #8). */
export const BACKTEST_GOAL_BARS_PER_S = 1_000_000;

export function backtestRows(r: BacktestBenchResult, pureBarsPerSecond: number, fmt: (x: number, d?: number) => string): [string, string][] {
  const g = r.inprocess;
  const h = r.nats;
  const i = r.sweep;
  return [
    ['(g) in-process backtest: bar builder → features → scoring → intake → gateway (gate, breaker, paper broker)', ''],
    ['rows / bars / trades', `${fmt(g.rows)} / ${fmt(g.bars)} / ${fmt(g.trades)} (the FTX sample tiled)`],
    ['time', `${fmt(g.seconds, 2)} s`],
    ['THROUGHPUT', `${fmt(g.barsPerSecond)} bars/s  (goal ≥ ${fmt(BACKTEST_GOAL_BARS_PER_S)})`],
    ['baseline: (c) pure feature + score path', `${fmt(pureBarsPerSecond)} bars/s`],
    ['ratio (g)/(c)', fmt(g.barsPerSecond / pureBarsPerSecond, 4)],
    ['(h) NATS-engine backtest (the actor pipeline, JetStream, fresh PGlite)', ''],
    ['rows / bars', `${fmt(h.rows)} / ${fmt(h.bars)}`],
    ['THROUGHPUT', `${fmt(h.barsPerSecond)} bars/s (${fmt(h.seconds, 1)} s incl. start and stop)`],
    ['baseline: in-process on the same slice', `${fmt(h.sameSliceInProcessBarsPerSecond)} bars/s`],
    ['ratio (h)/baseline', fmt(h.barsPerSecond / h.sameSliceInProcessBarsPerSecond, 3)],
    [`(i) sweep: ${i.points} points × ${fmt(i.rows)} rows`, ''],
    ['1 worker', `${fmt(i.oneWorkerSeconds, 2)} s`],
    [`${i.workers} workers`, `${fmt(i.allWorkersSeconds, 2)} s  (${fmt(i.pointsPerSecond, 2)} points/s)`],
    ['SPEEDUP', `${fmt(i.speedup, 2)}×  (goal ≈ ${i.workers}× on ${i.workers} cores)`],
  ];
}
