/**
 * `fakeout check lookahead FILE` and `fakeout check warmup FILE`: the bias checks of
 * actors/research/lookahead.ts and warmup.ts over the closed bars of one replay file, for the
 * shipped strategy or a `--strategy` module (docs/research.md, "Bias checks").
 *
 * Exit status: 0 clean (no look-ahead; a warm-up found); 1 with FAKEOUT_ERR_RESEARCH_LOOKAHEAD_BIAS
 * naming every biased value, or FAKEOUT_ERR_RESEARCH_NO_WARMUP naming the worst one (a finding,
 * not a usage error: the table is printed first); 2 a command line not understood.
 */
import { loadConfig, type Config } from '../domain/config.ts';
import { FakeoutError } from '../domain/errors.ts';
import { isTimeframe, type Bar } from '../domain/messages.ts';
import { FORMAT_NAMES, isFormatName, isValidSymbol } from '../ingest/formats/index.ts';
import { checkLookahead, type LookaheadReport } from '../research/lookahead.ts';
import { barsOfFile, loadStrategy, shippedStrategy, type StepValue, type Strategy } from '../research/strategy.ts';
import { DEFAULT_WARMUP_TOLERANCE_PCT, recommendWarmup, type WarmupReport } from '../research/warmup.ts';
import { parseCommandArgs, usageError, type CommandSyntax } from './cli-args.ts';

const SOURCE_FLAGS = {
  strategy: { arg: 'FILE.ts', help: 'a module whose default export is a Strategy or (config) => Strategy (default: the shipped strategy, FeatureEngine + scoring with the configured parameters)' },
  timeframe: { arg: 'TF', help: 'the bars checked (default: the first of FAKEOUT_TIMEFRAMES)' },
  symbol: { arg: 'SYMBOL', help: 'the symbol of every row (default: from the file name)' },
  format: { arg: 'FORMAT', help: `skip format detection: ${FORMAT_NAMES.join(', ')}` },
} as const;

export const CHECK_COMMANDS = Object.freeze({
  'check lookahead': {
    summary: 'recompute the strategy with the bars cut after each sampled bar (signals and others); exit 1 naming every value or signal that changed (look-ahead bias)',
    flags: { ...SOURCE_FLAGS, sample: { arg: 'N', help: 'signal bars checked, and as many bars without a signal (1..10000, default 20)' } },
    positionals: ['FILE'],
  },
  'check warmup': {
    summary: 'compare the last bar computed after several warm-up lengths with the run on every bar; print the % differences and the recommended warm-up, exit 1 if none is within the tolerance',
    flags: { ...SOURCE_FLAGS, tolerance: { arg: 'PCT', help: `largest negligible difference, in % (over 0, at most 100; default ${DEFAULT_WARMUP_TOLERANCE_PCT})` } },
    positionals: ['FILE'],
  },
} satisfies Record<string, CommandSyntax>);

export type CheckCommand = keyof typeof CHECK_COMMANDS;

export interface CheckIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
}

const iso = (ms: number) => new Date(ms).toISOString();
const shown = (v: StepValue | undefined) => (v === undefined ? '(absent)' : typeof v === 'string' ? JSON.stringify(v) : String(v));
const pct = (x: number) => (x === 0 ? '0' : x >= 0.0001 ? x.toFixed(4) : x.toExponential(2));

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
}

export function formatLookahead(report: LookaheadReport, bars: readonly Bar[]): string[] {
  if (!report.biased) return [`no lookahead bias: every value and signal of the ${report.checked} bars checked is the same with the later bars cut off`];
  const rows = [['name', 'changed', 'first at (bar, open time)', 'full run', 'cut after it']];
  for (const f of report.features) {
    rows.push([f.name, `${f.changed}/${report.checked}`, `#${f.example.index} ${iso(f.example.time)}`, shown(f.example.full), shown(f.example.cut)]);
  }
  return [...table(rows), `(${bars.length} bars; a changed value read a bar after its own)`];
}

export function formatWarmup(report: WarmupReport): string[] {
  const rows = [['warm-up (bars)', 'max diff %', 'worst']];
  for (const r of report.rows) rows.push([String(r.length), pct(r.maxDiffPct), r.worst ?? '-']);
  const verdict = report.recommended === null
    ? `no warm-up length tried keeps every value within ${report.tolerancePct} %`
    : `recommended warm-up: ${report.recommended} bars (every length from it on is within ${report.tolerancePct} %)`;
  return [...table(rows), verdict];
}

function sourceOf(command: CheckCommand, flags: Record<string, string>, config: Readonly<Config>) {
  const { timeframe, symbol, format } = flags;
  if (timeframe !== undefined && !isTimeframe(timeframe)) throw usageError(`fakeout ${command}: --timeframe ${JSON.stringify(timeframe)} is not a timeframe`, '--timeframe');
  if (format !== undefined && !isFormatName(format)) throw usageError(`fakeout ${command}: --format ${JSON.stringify(format)} is not a format; known: ${FORMAT_NAMES.join(', ')}`, '--format');
  if (symbol !== undefined && !isValidSymbol(symbol)) throw usageError(`fakeout ${command}: --symbol ${JSON.stringify(symbol)} must be 1-64 characters of A-Z a-z 0-9 . _ : / -`, '--symbol');
  return { config, ...(timeframe === undefined ? {} : { timeframe }), ...(symbol === undefined ? {} : { symbol }), ...(format === undefined ? {} : { format }) };
}

function numberFlag(command: CheckCommand, name: string, value: string | undefined, ok: (x: number) => boolean, rule: string): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || !ok(x)) throw usageError(`fakeout ${command}: --${name} must be ${rule}, got ${JSON.stringify(value)}`, `--${name}`);
  return x;
}

/** Runs one `check` command; prints its table through `io.out`; throws the finding (exit 1) after printing. */
export async function runCheckCommand(command: CheckCommand, args: readonly string[], io: CheckIo): Promise<void> {
  const { flags, positionals } = parseCommandArgs(command, args, CHECK_COMMANDS[command]);
  const file = positionals[0]!;
  const sample = numberFlag(command, 'sample', flags.sample, (x) => Number.isInteger(x) && x >= 1 && x <= 10_000, 'an integer 1..10000');
  const tolerancePct = numberFlag(command, 'tolerance', flags.tolerance, (x) => x > 0 && x <= 100, 'a number over 0, at most 100');
  const config = loadConfig(io.env);
  const source = sourceOf(command, flags, config);
  const strategy: Strategy = flags.strategy === undefined ? shippedStrategy(config) : await loadStrategy(flags.strategy, config);
  const bars = await barsOfFile(file, source);
  const tf = source.timeframe ?? config.timeframes[0]!;
  if (bars.length < 2) {
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `${file}: ${bars.length} closed ${tf} bars, too few to check; is --timeframe right?`, { details: { field: '--timeframe' } });
  }
  io.out(`${command} of strategy ${strategy.name} on ${bars[0]!.symbol} ${tf}: ${bars.length} bars, ${iso(bars[0]!.openTime)} .. ${iso(bars.at(-1)!.openTime)}`);
  if (command === 'check lookahead') {
    const report = checkLookahead(strategy, bars, { sample: sample ?? 20, extraBars: sample ?? 20 });
    io.out(`checked ${report.checked} bars (${report.signalsChecked} with a signal)`);
    for (const line of formatLookahead(report, bars)) io.out(line);
    if (report.biased) {
      const names = report.features.map((f) => f.name);
      throw new FakeoutError('FAKEOUT_ERR_RESEARCH_LOOKAHEAD_BIAS', `lookahead bias found in: ${names.join(', ')}`, { details: { features: names } });
    }
    return;
  }
  const report = recommendWarmup(strategy, bars, tolerancePct === undefined ? {} : { tolerancePct });
  for (const line of formatWarmup(report)) io.out(line);
  if (report.recommended === null) {
    const worst = [...report.rows].sort((a, b) => b.length - a.length)[0];
    const why = worst === undefined ? `${bars.length} bars are too few for any warm-up length tried` : `at ${worst.length} bars ${worst.worst ?? '?'} still differs by ${pct(worst.maxDiffPct)} %`;
    throw new FakeoutError('FAKEOUT_ERR_RESEARCH_NO_WARMUP', `no warm-up makes the difference negligible (≤ ${report.tolerancePct} %): ${why}`, { details: { worst: worst?.worst ?? null } });
  }
}
