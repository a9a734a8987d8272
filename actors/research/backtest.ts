/**
 * One backtest run, whichever engine: the parameters checked by the start's own rules (a
 * zero-cost file refused), the files replayed by the chosen engine, the run's records turned
 * into the {@link BacktestResult} the report shows, with trades inside the warm-up left out.
 *
 * - `inprocess` (default): the live stage definitions without the bus (backtest-inprocess.ts).
 * - `nats`: the actor pipeline over JetStream into a fresh embedded database (backtest-nats.ts).
 */
import { governedFromConfig } from '../config/governed.ts';
import type { Config } from '../domain/config.ts';
import type { Bar } from '../domain/messages.ts';
import type { ReplayRequest } from '../ingest/replay.actor.ts';
import { runInProcess, type BacktestProgress } from './backtest-inprocess.ts';
import { runOnNats } from './backtest-nats.ts';
import { toResult, type BacktestRecords } from './backtest-records.ts';
import type { BacktestResult } from './backtest-result.ts';
import { backtestConfig, namesOf, paramsToEnv } from './params.ts';

export type EngineName = 'inprocess' | 'nats';

export interface BacktestOptions {
  files: readonly ReplayRequest[];
  engine?: EngineName;
  /** the environment the parameters are laid over (the process's, usually) */
  env: Readonly<Record<string, string | undefined>>;
  /** `{ name: value }` (params.ts); refused with FAKEOUT_ERR_BACKTEST_PARAMS naming the field */
  params?: Readonly<Record<string, unknown>>;
  /**
   * The warm-up of one series, in bars (the warm-up check's recommendation,
   * `fakeout check warmup`); the run's warm-up is the largest over its series.
   */
  warmup?: (config: Readonly<Config>, series: readonly Bar[]) => number;
  /** trades whose signal bar opened before this are not reported (walk-forward's out-of-sample start) */
  reportFrom?: number;
  onProgress?: (p: BacktestProgress) => void;
}

export interface BacktestRun {
  config: Readonly<Config>;
  records: BacktestRecords;
  result: BacktestResult;
  rows: number;
  badRows: number;
  elapsedMs: number;
}

/** What the report says was in force: the governed parameters, the windows and the whole cost model. */
export function paramsInForce(c: Readonly<Config>, given: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    ...governedFromConfig(c),
    timeframes: [...c.timeframes], lookback: c.lookback, atrPeriod: c.atrPeriod, startingEquity: c.startingEquity, maxLeverage: c.maxLeverage, timeStopBars: c.timeStopBars,
    costs: {
      spreadBpsEquity: c.spreadBpsEquity, spreadBpsFx: c.spreadBpsFx, spreadBpsCrypto: c.spreadBpsCrypto, feePerShare: c.feePerShare, feeMinEquity: c.feeMinEquity,
      feeBpsFx: c.feeBpsFx, feeBpsCrypto: c.feeBpsCrypto, impactK: c.impactK, lowLiqMultiplier: c.lowLiqMultiplier, lowLiqPercentile: c.lowLiqPercentile, noiseBps: c.noiseBps,
    },
    given: { ...given },
  };
}

/** Closed bars per `symbol|timeframe`, in time order. */
export function seriesOf(bars: readonly Bar[]): Map<string, Bar[]> {
  const out = new Map<string, Bar[]>();
  for (const b of [...bars].sort((x, y) => x.openTime - y.openTime)) {
    const key = `${b.symbol}|${b.timeframe}`;
    let s = out.get(key);
    if (s === undefined) out.set(key, (s = []));
    s.push(b);
  }
  return out;
}

/**
 * The warm-up of a series when none is given. PROVISIONAL: the windows the features need
 * (range + ATR) until the warm-up check (warmup.ts) is wired in.
 */
export function defaultWarmup(config: Readonly<Config>, series: readonly Bar[]): number {
  return Math.min(series.length, config.lookback + config.atrPeriod);
}

export async function runBacktest(opts: BacktestOptions): Promise<BacktestRun> {
  const given = opts.params ?? {};
  const overrides = paramsToEnv(given);
  const config = backtestConfig(opts.env, overrides, namesOf(given));
  const engine = opts.engine ?? 'inprocess';
  const started = performance.now();
  let records: BacktestRecords;
  let rows = 0;
  let badRows = 0;
  if (engine === 'nats') {
    records = (await runOnNats({ files: opts.files, env: { ...opts.env, ...overrides } })).records;
  } else {
    const run = await runInProcess({ files: opts.files, config, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    ({ records, rows, badRows } = run);
  }
  const elapsedMs = performance.now() - started;
  let warmupBars = 0;
  for (const s of seriesOf(records.bars).values()) warmupBars = Math.max(warmupBars, (opts.warmup ?? defaultWarmup)(config, s));
  const result = toResult(records, {
    meta: {
      engine, files: opts.files.map((f) => f.path), params: paramsInForce(config, given), startingEquity: config.startingEquity,
      gate: 'simulated approve-all', warmupBars,
    },
    ...(opts.reportFrom === undefined ? {} : { reportFrom: opts.reportFrom }),
  });
  return { config, records, result, rows, badRows, elapsedMs };
}
