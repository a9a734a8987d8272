/**
 * Parameter sweeps (`fakeout backtest --sweep triggerScore=60:90:5,wickThreshold=0.4:0.6:0.1`):
 * the grid of every combination, each point one in-process backtest, run by a pool of child
 * processes (one per core by default) so a sweep uses both cores of a small machine. The
 * grid and the ranking are pure; {@link runSweep} is the pool.
 *
 * POLICY: a point's parameters are checked exactly as a `--params` file's (params.ts): a name
 * that is not a backtest parameter, or a value a start would refuse, fails the whole sweep
 * before anything runs, naming the field.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { FakeoutError } from '../domain/errors.ts';
import type { ReplayRequest } from '../ingest/replay.actor.ts';
import type { BacktestSummary } from './metrics.ts';
import { backtestConfig, namesOf, paramsToEnv, variableOf } from './params.ts';

export interface SweepAxis {
  name: string;
  values: number[];
}

/** The largest grid a sweep runs (a typo such as `0:100:0.001` is refused, not run for a day). */
export const MAX_SWEEP_POINTS = 2_000;

const bad = (field: string, message: string): never => {
  throw new FakeoutError('FAKEOUT_ERR_BACKTEST_PARAMS', `--sweep ${field}: ${message}`, { details: { field } });
};

/** `name=from:to:step` (inclusive) or `name=a|b|c`, comma-separated. */
export function parseSweep(spec: string): SweepAxis[] {
  const axes: SweepAxis[] = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) bad(part, 'expected name=from:to:step or name=a|b|c');
    const name = part.slice(0, eq);
    const body = part.slice(eq + 1);
    variableOf(name); // refuses an unknown name, naming it
    if (axes.some((a) => a.name === name)) bad(name, 'named twice');
    const num = (s: string) => {
      const n = Number(s);
      return s.trim() !== '' && Number.isFinite(n) ? n : bad(name, `${JSON.stringify(s)} is not a number`);
    };
    let values: number[];
    if (body.includes('|')) {
      values = body.split('|').map(num);
    } else {
      const bits = body.split(':');
      if (bits.length !== 3) bad(name, `expected from:to:step, got ${JSON.stringify(body)}`);
      const [from, to, step] = bits.map(num) as [number, number, number];
      if (!(step > 0)) bad(name, 'step must be positive');
      if (!(from <= to)) bad(name, 'from must not be above to');
      const count = Math.floor((to - from) / step + 1e-9) + 1;
      if (count > MAX_SWEEP_POINTS) bad(name, `${count} values; at most ${MAX_SWEEP_POINTS} points in a sweep`);
      // decimal steps without binary drift: 0.1 × 3 is 0.3, not 0.30000000000000004
      values = Array.from({ length: count }, (_, i) => Number((from + i * step).toPrecision(12)));
    }
    axes.push({ name, values: [...new Set(values)] });
  }
  if (axes.length === 0) bad('spec', 'names no parameter');
  return axes;
}

/** Every combination, the first axis varying slowest. */
export function grid(axes: readonly SweepAxis[]): Record<string, number>[] {
  const size = axes.reduce((n, a) => n * a.values.length, 1);
  if (size > MAX_SWEEP_POINTS) bad(axes.map((a) => a.name).join(','), `${size} points; at most ${MAX_SWEEP_POINTS}`);
  let points: Record<string, number>[] = [{}];
  for (const a of axes) points = points.flatMap((p) => a.values.map((v) => ({ ...p, [a.name]: v })));
  return points;
}

/** What the ranking may optimise: larger is better for each. */
export const OBJECTIVES = ['netPnl', 'expectancyR', 'sharpe', 'sortino', 'profitFactor', 'winRate'] as const;
export type Objective = (typeof OBJECTIVES)[number];

export interface SweepJob {
  files: readonly ReplayRequest[];
  params: Record<string, unknown>;
  reportFrom?: number;
}

export type SweepPoint =
  | { params: Record<string, number>; summary: BacktestSummary; warmupBars: number; elapsedMs: number }
  | { params: Record<string, number>; error: string };

/**
 * Best first: points with at least `minTrades` trades by the objective (ties: more trades,
 * then the grid's order); then the rest; failed points last. A null objective ranks below any number.
 */
export function rank(points: readonly SweepPoint[], objective: Objective, minTrades: number): SweepPoint[] {
  const score = (p: SweepPoint) => ('error' in p ? -Infinity : (p.summary[objective] ?? -Infinity));
  const tier = (p: SweepPoint) => ('error' in p ? 2 : p.summary.trades >= minTrades ? 0 : 1);
  return points
    .map((p, i) => ({ p, i }))
    .sort((a, b) => tier(a.p) - tier(b.p) || score(b.p) - score(a.p) || ('error' in b.p ? 0 : b.p.summary.trades) - ('error' in a.p ? 0 : a.p.summary.trades) || a.i - b.i)
    .map(({ p }) => p);
}

export interface SweepOptions {
  files: readonly ReplayRequest[];
  env: Readonly<Record<string, string | undefined>>;
  /** the `--params` file's parameters; a point's values override them */
  base: Readonly<Record<string, unknown>>;
  points: readonly Record<string, number>[];
  reportFrom?: number;
  /** default: the machine's cores */
  workers?: number;
  onPoint?: (done: number, total: number, point: SweepPoint) => void;
}

const WORKER = fileURLToPath(new URL('./sweep-worker.ts', import.meta.url));

/** Every point, in grid order; a point that fails is reported as such, the others still run. */
export async function runSweep(opts: SweepOptions): Promise<SweepPoint[]> {
  // every point's configuration is checked here first: one bad value fails the sweep before it starts
  for (const p of opts.points) {
    const params = { ...opts.base, ...p };
    backtestConfig(opts.env, paramsToEnv(params), namesOf(params));
  }
  const results: SweepPoint[] = new Array(opts.points.length);
  const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), opts.points.length));
  let next = 0;
  let done = 0;
  const children: ChildProcess[] = [];
  const env = Object.fromEntries(Object.entries(opts.env).filter((e): e is [string, string] => e[1] !== undefined));
  const lane = (child: ChildProcess) =>
    new Promise<void>((resolveLane, rejectLane) => {
      let current = -1;
      const give = () => {
        if (next >= opts.points.length) {
          child.send({ type: 'exit' });
          return;
        }
        current = next++;
        const job: SweepJob = { files: opts.files, params: { ...opts.base, ...opts.points[current] }, ...(opts.reportFrom === undefined ? {} : { reportFrom: opts.reportFrom }) };
        child.send({ type: 'job', job });
      };
      child.on('message', (m: { type: 'done'; summary: BacktestSummary; warmupBars: number; elapsedMs: number } | { type: 'failed'; error: string }) => {
        const params = opts.points[current]!;
        const point: SweepPoint = m.type === 'done' ? { params, summary: m.summary, warmupBars: m.warmupBars, elapsedMs: m.elapsedMs } : { params, error: m.error };
        results[current] = point;
        opts.onPoint?.(++done, opts.points.length, point);
        give();
      });
      child.on('exit', (code) => (code === 0 && next >= opts.points.length ? resolveLane() : rejectLane(new FakeoutError('FAKEOUT_ERR_BACKTEST_PARAMS', `sweep worker exited with code ${code}`, { details: { field: '--sweep' } }))));
      child.on('error', rejectLane);
      give();
    });
  try {
    const lanes: Promise<void>[] = [];
    for (let i = 0; i < workers; i++) {
      // --single-threaded-gc: V8's parallel GC helpers of one worker per core fight over the same
      // cores; measured on 2 cores, 4 full-sample points: 15.0 s with them, 11.7–12.4 s without
      const child = fork(WORKER, [], { execArgv: ['--import', 'tsx', '--single-threaded-gc'], env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      children.push(child);
      lanes.push(lane(child));
    }
    await Promise.all(lanes);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
  return results;
}
