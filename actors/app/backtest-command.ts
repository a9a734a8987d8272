/**
 * `fakeout backtest FILE… [--from T] [--to T] [--params FILE] [--out DIR] [--engine inprocess|nats]`:
 * the live machines on the data's clock (actors/research/), the summary on stdout, `report.json`
 * and `report.html` in the output directory. Progress goes to stderr.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatUtc } from '../../adapters/time/index.ts';
import { FakeoutError } from '../domain/errors.ts';
import { FORMAT_NAMES, isFormatName, isValidSymbol } from '../ingest/formats/index.ts';
import type { ReplayRequest } from '../ingest/replay.actor.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { runBacktest, type EngineName } from '../research/backtest.ts';
import type { BacktestResult } from '../research/backtest-result.ts';
import type { BacktestSummary } from '../research/metrics.ts';
import { writeReport } from '../research/report-files.ts';
import { grid, OBJECTIVES, parseSweep, rank, runSweep, type Objective, type SweepPoint } from '../research/sweep.ts';
import { parseWalkForward, runWalkForward, type WindowOutcome } from '../research/walk-forward.ts';
import { parseCommandArgs, timeFlag, usageError, type CommandSyntax } from './cli-args.ts';

export const BACKTEST_COMMANDS = Object.freeze({
  backtest: {
    summary: 'replay FILE… through the live machines on the data\'s clock (gate simulated approve-all; fees and slippage always apply); print the summary, write report.json and report.html',
    flags: {
      from: { arg: 'TIME', help: 'first event time kept (ISO 8601 or epoch ms)' },
      to: { arg: 'TIME', help: 'events before this time are kept (ISO 8601 or epoch ms)' },
      params: { arg: 'FILE', help: 'JSON {name: value}: governed parameters (triggerScore, riskPerTrade, …) or FAKEOUT_ variables; a zero-cost file is refused' },
      out: { arg: 'DIR', help: 'where the report goes (default .fakeout/reports/backtest-<UTC time>)' },
      engine: { arg: 'ENGINE', help: 'inprocess (default: the machines without the bus, fast) or nats (the actor pipeline over JetStream into a fresh database, slow)' },
      symbol: { arg: 'SYMBOL', help: 'the symbol of every row (default: from the file name)' },
      format: { arg: 'FORMAT', help: `skip format detection: ${FORMAT_NAMES.join(', ')}` },
      sweep: { arg: 'GRID', help: 'name=from:to:step or name=a|b|c, comma-separated: run every combination (in process, one worker per core); the best by --objective gets the report' },
      'walk-forward': { arg: 'IN:OUT', help: 'with --sweep: choose on each in-sample window (10d, 36h, P10D…), report only the following out-of-sample windows' },
      objective: { arg: 'NAME', help: `what the sweep maximises: ${OBJECTIVES.join(', ')} (default netPnl)` },
      'min-trades': { arg: 'N', help: 'points with fewer trades rank below the rest (default 5)' },
      workers: { arg: 'N', help: 'sweep worker processes (default: the cores)' },
    },
    positionals: ['FILE…'],
  },
} satisfies Record<string, CommandSyntax>);


function readParams(path: string | undefined): Record<string, unknown> {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FakeoutError('FAKEOUT_ERR_BACKTEST_PARAMS', `--params ${path}: ${(err as NodeJS.ErrnoException).code ?? 'cannot be read'}`, { details: { field: '--params' } });
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new FakeoutError('FAKEOUT_ERR_BACKTEST_PARAMS', `--params ${path}: not JSON (${(err as Error).message})`, { details: { field: '--params' } });
  }
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | null, d = 2) => (x === null ? 'n/a' : x.toFixed(d));

export interface BacktestOutcome {
  result: BacktestResult;
  summary: BacktestSummary;
  files: { json: string; html: string; sweep?: string; walkForward?: string };
  sweep?: SweepPoint[];
  walkForward?: WindowOutcome[];
}

/** The lines a person reads first. */
export function formatOutcome(o: Pick<BacktestOutcome, 'result' | 'summary' | 'files'>): string[] {
  const s = o.summary;
  const m = o.result.meta;
  return [
    `backtest (${m.engine}): ${m.files.join(', ')}, ${formatUtc(m.from)} → ${formatUtc(m.to)}, ${m.bars} bars`,
    `  human gate: ${m.gate}; fees and the slippage model always apply; first ${m.warmupBars} bars of each series not reported (warm-up)`,
    `  trades ${s.trades}, win rate ${pct(s.winRate)}, expectancy ${num(s.expectancyR)} R, net P&L ${num(s.netPnl)}, profit factor ${num(s.profitFactor)}`,
    `  max drawdown ${pct(s.maxDrawdown)} (${num(s.maxDrawdownAbs)}), exposure ${pct(s.exposure)}, Sharpe ${num(s.sharpe)}, Sortino ${num(s.sortino)}`,
    `  slippage: modelled ${num(s.avgModelledSlippageBps)} bps, realised ${num(s.avgRealisedSlippageBps)} bps`,
    `report: ${o.files.html}`,
    `        ${o.files.json}`,
  ];
}

const paramText = (p: Record<string, number> | null) => (p === null ? 'none' : Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' '));

function pointLine(p: SweepPoint, objective: Objective): string {
  if ('error' in p) return `  ${paramText(p.params)}: failed: ${p.error}`;
  const s = p.summary;
  return `  ${paramText(p.params)}: ${objective} ${num(s[objective])}, trades ${s.trades}, win rate ${pct(s.winRate)}, expectancy ${num(s.expectancyR)} R, max drawdown ${pct(s.maxDrawdown)}`;
}

function int(flag: string, v: string | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw usageError(`fakeout backtest: --${flag} ${JSON.stringify(v)}: expected an integer ≥ ${min}`, `--${flag}`);
  return n;
}

/** `io.now`: the clock that names the default report directory (injected; the run itself takes its time from the data). */
export async function runBacktestCommand(args: readonly string[], io: { env: NodeJS.ProcessEnv; now: () => number; out: (line: string) => void; err?: (line: string) => void }): Promise<BacktestOutcome> {
  const { flags, positionals } = parseCommandArgs('backtest', args, BACKTEST_COMMANDS.backtest);
  const engine = (flags.engine ?? 'inprocess') as EngineName;
  if (engine !== 'inprocess' && engine !== 'nats') throw usageError(`fakeout backtest: --engine ${JSON.stringify(flags.engine)}: expected inprocess or nats`, '--engine');
  const { symbol, format } = flags;
  if (format !== undefined && !isFormatName(format)) throw usageError(`fakeout backtest: --format ${JSON.stringify(format)} is not a format; known: ${FORMAT_NAMES.join(', ')}`, '--format');
  if (symbol !== undefined && !isValidSymbol(symbol)) throw usageError(`fakeout backtest: --symbol ${JSON.stringify(symbol)} must be 1-64 characters of A-Z a-z 0-9 . _ : / -`, '--symbol');
  const from = flags.from === undefined ? undefined : timeFlag('backtest', 'from', flags.from);
  const to = flags.to === undefined ? undefined : timeFlag('backtest', 'to', flags.to);
  if (from !== undefined && to !== undefined && !(from < to)) throw usageError('fakeout backtest: --from must be before --to', '--from');
  const objective = (flags.objective ?? 'netPnl') as Objective;
  if (!OBJECTIVES.includes(objective)) throw usageError(`fakeout backtest: --objective ${JSON.stringify(flags.objective)}: expected one of ${OBJECTIVES.join(', ')}`, '--objective');
  const minTrades = int('min-trades', flags['min-trades'], 5, 0);
  const workers = flags.workers === undefined ? undefined : int('workers', flags.workers, 1, 1);
  if (flags['walk-forward'] !== undefined && flags.sweep === undefined) throw usageError('fakeout backtest: --walk-forward needs --sweep (the grid it chooses from)', '--walk-forward');
  if (flags.sweep !== undefined && engine !== 'inprocess') throw usageError('fakeout backtest: --sweep runs the in-process engine only', '--engine');
  const files: ReplayRequest[] = positionals.map((path) => ({
    path, ...(symbol === undefined ? {} : { symbol }), ...(format === undefined ? {} : { format }), ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }),
  }));
  // everything a run needs is checked before it starts: the parameters, the grid, the windows
  const base = readParams(flags.params);
  const points = flags.sweep === undefined ? undefined : grid(parseSweep(flags.sweep));
  const walk = flags['walk-forward'] === undefined ? undefined : parseWalkForward(flags['walk-forward']);
  const stamp = formatUtc(io.now()).replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const outDir = resolve(flags.out ?? join('.fakeout', 'reports', `backtest-${stamp}`));
  const err = io.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const onProgress = (p: { file: string; rows: number; bars: number; signals: number; badRows: number }) =>
    err(`backtest ${p.file}: ${p.rows} rows, ${p.bars} bars, ${p.signals} signals${p.badRows > 0 ? `, ${p.badRows} bad rows skipped` : ''}`);
  const onPoint = (done: number, total: number, p: SweepPoint) => err(`sweep ${done}/${total}:${pointLine(p, objective)}`);

  let outcome: BacktestOutcome;
  if (walk !== undefined && points !== undefined) {
    const wf = await runWalkForward({
      files, env: io.env, base, points, ...walk, objective, minTrades, ...(workers ? { workers } : {}), onPoint,
      onWindow: (i, n, w) => err(`walk-forward window ${i}/${n}: chose ${paramText(w.chosen)}${w.note ? ` (${w.note})` : ''}`),
    });
    const written = await writeReport(outDir, wf.result);
    const walkForward = join(outDir, 'walk-forward.json');
    writeFileSync(walkForward, JSON.stringify({ objective, minTrades, inMs: walk.inMs, outMs: walk.outMs, windows: wf.windows }, null, 2));
    outcome = { result: wf.result, summary: written.summary, files: { json: written.json, html: written.html, walkForward }, walkForward: wf.windows };
    io.out(`walk-forward: ${wf.windows.length} windows, parameters chosen in sample by ${objective}, results out of sample only`);
    for (const w of wf.windows) {
      io.out(`  in ${formatUtc(w.inFrom)} → ${formatUtc(w.inTo)}: chose ${paramText(w.chosen)}; out → ${formatUtc(w.outTo)}: trades ${w.outOfSample?.trades ?? 0}, net P&L ${num(w.outOfSample?.netPnl ?? null)}${w.note ? ` (${w.note})` : ''}`);
    }
    io.out(`  per window: ${walkForward}`);
  } else if (points !== undefined) {
    const all = await runSweep({ files, env: io.env, base, points, ...(workers ? { workers } : {}), onPoint });
    const ranked = rank(all, objective, minTrades);
    mkdirSync(outDir, { recursive: true });
    const sweep = join(outDir, 'sweep.json');
    writeFileSync(sweep, JSON.stringify({ objective, minTrades, points: ranked }, null, 2));
    io.out(`sweep: ${all.length} points by ${objective} (points under ${minTrades} trades rank last); best first:`);
    for (const p of ranked.slice(0, 10)) io.out(pointLine(p, objective));
    io.out(`  every point: ${sweep}`);
    const best = ranked[0];
    if (best === undefined || 'error' in best) throw new FakeoutError('FAKEOUT_ERR_BACKTEST_PARAMS', `every sweep point failed${best ? `: ${best.error}` : ''}`, { details: { field: '--sweep' } });
    const run = await runBacktest({ files, env: io.env, params: { ...base, ...best.params } });
    const written = await writeReport(outDir, run.result);
    outcome = { result: run.result, summary: written.summary, files: { json: written.json, html: written.html, sweep }, sweep: ranked };
    io.out(`best point (${paramText(best.params)}):`);
  } else {
    const run = await runBacktest({ files, engine, env: io.env, params: base, onProgress });
    const written = await writeReport(outDir, run.result);
    outcome = { result: run.result, summary: written.summary, files: { json: written.json, html: written.html } };
  }
  for (const line of formatOutcome(outcome)) io.out(line);
  return outcome;
}
