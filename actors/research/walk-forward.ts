/**
 * Walk-forward (`fakeout backtest --walk-forward IN:OUT --sweep …`): rolling windows of IN
 * in-sample then OUT out-of-sample, stepping by OUT. On each in-sample window the sweep's grid
 * is run and the best point by the objective chosen; that point alone is then run on the
 * following out-of-sample window, and only out-of-sample trades are reported.
 *
 * POLICY: nothing the out-of-sample window holds decides its parameters. Its run starts at the
 * in-sample start so the indicators are warm (the same bars the choice saw), and trades whose
 * signal bar opened before the out-of-sample start are not reported (they happen in the
 * simulation, so a position or the breaker's state can carry into the window, as it would live).
 */
import { Duration } from 'luxon';
import { FakeoutError } from '../domain/errors.ts';
import { loadConfig } from '../domain/config.ts';
import { readReplayFile } from '../ingest/formats/index.ts';
import type { ReplayRequest } from '../ingest/replay.actor.ts';
import { runBacktest, type BacktestRun } from './backtest.ts';
import type { BacktestResult } from './backtest-result.ts';
import { summarize, type BacktestSummary } from './metrics.ts';
import { rank, runSweep, type Objective, type SweepPoint } from './sweep.ts';

const bad = (message: string): never => {
  throw new FakeoutError('FAKEOUT_ERR_BACKTEST_PARAMS', `--walk-forward: ${message}`, { details: { field: '--walk-forward' } });
};

/** `10d`, `36h`, `2w` or ISO 8601 (`P10D`, `PT36H`) → ms. */
export function parseSpan(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(text.trim());
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
  const ms = m ? Number(m[1]) * unit[m[2] as keyof typeof unit] : Duration.fromISO(text.trim()).as('milliseconds');
  return Number.isFinite(ms) && ms > 0 ? ms : bad(`${JSON.stringify(text)} is not a span (10d, 36h, 2w, 90m or ISO 8601 such as P10D)`);
}

export function parseWalkForward(spec: string): { inMs: number; outMs: number } {
  const parts = spec.split(':');
  if (parts.length !== 2) return bad(`expected IN:OUT (for example 10d:5d), got ${JSON.stringify(spec)}`);
  return { inMs: parseSpan(parts[0]!), outMs: parseSpan(parts[1]!) };
}

export interface WalkWindow {
  inFrom: number;
  inTo: number;
  outFrom: number;
  outTo: number;
}

/** Windows over the data `[first, last]`: IN then OUT, stepping by OUT; the last OUT runs to the data's end (shorter or longer than OUT by less than OUT). */
export function walkForwardWindows(first: number, last: number, inMs: number, outMs: number): WalkWindow[] {
  const out: WalkWindow[] = [];
  for (let start = first; start + inMs < last; start += outMs) {
    const outFrom = start + inMs;
    // the last window takes the data to its end (its last event included)
    const final = start + outMs + inMs >= last;
    out.push({ inFrom: start, inTo: outFrom, outFrom, outTo: final ? last + 1 : outFrom + outMs });
  }
  return out;
}

/** The first and last event time of the files (rows that parse, inside each request's from/to). */
export async function dataSpan(files: readonly ReplayRequest[], env: Readonly<Record<string, string | undefined>>): Promise<{ first: number; last: number }> {
  const zone = loadConfig({ ...env, FAKEOUT_REPLAY: 'none' }).exchangeZone;
  let first = Infinity;
  let last = -Infinity;
  for (const req of files) {
    const file = await readReplayFile(req.path, { format: req.format, symbol: req.symbol, zone });
    for (const r of file.rows()) {
      if ('error' in r || r.event.ts < (req.from ?? -Infinity) || r.event.ts >= (req.to ?? Infinity)) continue;
      if (r.event.ts < first) first = r.event.ts;
      if (r.event.ts > last) last = r.event.ts;
    }
  }
  return Number.isFinite(first) ? { first, last } : bad('the files hold no readable row');
}

export interface WindowOutcome extends WalkWindow {
  chosen: Record<string, number> | null;
  inSample: BacktestSummary | null;
  /** why no point was chosen, or a warning about the choice */
  note?: string;
  outOfSample: BacktestSummary | null;
}

export interface WalkForwardOptions {
  files: readonly ReplayRequest[];
  env: Readonly<Record<string, string | undefined>>;
  base: Readonly<Record<string, unknown>>;
  points: readonly Record<string, number>[];
  inMs: number;
  outMs: number;
  objective: Objective;
  minTrades: number;
  workers?: number;
  onWindow?: (i: number, total: number, w: WindowOutcome) => void;
  onPoint?: (done: number, total: number, p: SweepPoint) => void;
}

export interface WalkForwardOutcome {
  windows: WindowOutcome[];
  /** the out-of-sample windows joined: what the report shows */
  result: BacktestResult;
}

const windowed = (files: readonly ReplayRequest[], from: number, to: number) => files.map((f) => ({ ...f, from, to }));

export async function runWalkForward(opts: WalkForwardOptions): Promise<WalkForwardOutcome> {
  const { first, last } = await dataSpan(opts.files, opts.env);
  const windows = walkForwardWindows(first, last, opts.inMs, opts.outMs);
  if (windows.length === 0) bad(`the data spans ${((last - first) / 86_400_000).toFixed(1)} days: shorter than one in-sample window`);
  const outcomes: WindowOutcome[] = [];
  const oos: BacktestRun[] = [];
  for (const [i, w] of windows.entries()) {
    const points = await runSweep({ files: windowed(opts.files, w.inFrom, w.inTo), env: opts.env, base: opts.base, points: opts.points, ...(opts.workers ? { workers: opts.workers } : {}), ...(opts.onPoint ? { onPoint: opts.onPoint } : {}) });
    const best = rank(points, opts.objective, opts.minTrades)[0];
    let outcome: WindowOutcome;
    if (best === undefined || 'error' in best) {
      outcome = { ...w, chosen: null, inSample: null, outOfSample: null, note: best && 'error' in best ? `every point failed: ${best.error}` : 'no point' };
    } else {
      const run = await runBacktest({ files: windowed(opts.files, w.inFrom, w.outTo), env: opts.env, params: { ...opts.base, ...best.params }, reportFrom: w.outFrom });
      oos.push(run);
      outcome = {
        ...w, chosen: best.params, inSample: best.summary, outOfSample: summarize(run.result),
        ...(best.summary.trades < opts.minTrades ? { note: `no point reached ${opts.minTrades} in-sample trades; the best of the rest was used` } : {}),
      };
    }
    outcomes.push(outcome);
    opts.onWindow?.(i + 1, windows.length, outcome);
  }
  return { windows: outcomes, result: joinResults(oos.map((r) => r.result), opts) };
}

/** The out-of-sample results as one: trades in exit order, equity chained from the starting equity. */
export function joinResults(results: readonly BacktestResult[], opts: Pick<WalkForwardOptions, 'files'>): BacktestResult {
  const first = results[0];
  const startingEquity = first?.meta.startingEquity ?? 0;
  const trades = results.flatMap((r) => r.trades).sort((a, b) => a.exitTime - b.exitTime || (a.signalId < b.signalId ? -1 : 1));
  const from = first?.meta.from ?? 0;
  const to = results.reduce((m, r) => Math.max(m, r.meta.to), from);
  const equity = [{ time: from, equity: startingEquity }];
  let e = startingEquity;
  for (const t of trades) equity.push({ time: t.exitTime, equity: (e += t.pnl) });
  const series = new Map<string, BacktestResult['series'][number]>();
  for (const r of results) {
    for (const s of r.series) {
      const key = `${s.symbol}|${s.timeframe}`;
      const have = series.get(key);
      const bars = s.bars.filter((b) => b.time >= r.meta.from);
      if (have === undefined) series.set(key, { ...s, bars });
      else have.bars.push(...bars.filter((b) => b.time > (have.bars.at(-1)?.time ?? -Infinity)));
    }
  }
  return {
    meta: {
      engine: 'inprocess', files: opts.files.map((f) => f.path), from, to, startingEquity, gate: 'simulated approve-all',
      warmupBars: results.reduce((m, r) => Math.max(m, r.meta.warmupBars), 0),
      bars: [...series.values()].reduce((n, s) => n + s.bars.length, 0),
      params: { walkForward: 'out-of-sample windows only; the chosen parameters per window are in walk-forward.json' },
    },
    series: [...series.values()],
    signals: results.flatMap((r) => r.signals),
    trades,
    equity,
  };
}
