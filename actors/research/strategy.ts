/**
 * The Strategy seam the bias checks (lookahead.ts, warmup.ts) run: a strategy is a BATCH function
 * of one series of closed bars, one step per bar. Batch on purpose: a biased strategy can read
 * `bars[i + 1]`, which is exactly what `checkLookahead` must catch (a streaming interface would
 * make that impossible to write, and so impossible to test for).
 *
 * `shippedStrategy(config)` is the live pipeline's own logic: the FeatureEngine and the scoring
 * functions the stages run, with the config's parameters. `barsOfFile` builds the closed bars of
 * a replay file the way the replay does (readReplayFile → replayRows → BarBuilder).
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { systemClock, type Clock } from '../../adapters/time/clock.ts';
import { BarBuilder } from '../bars/bar-builder.ts';
import type { Config } from '../domain/config.ts';
import { FakeoutError } from '../domain/errors.ts';
import type { Bar, Timeframe } from '../domain/messages.ts';
import { FeatureEngine } from '../features/feature-engine.ts';
import { isTimeSkewed } from '../ingest/envelope.ts';
import { readReplayFile, type FormatName } from '../ingest/formats/index.ts';
import { timeLimitsFromConfig } from '../ingest/plausibility.ts';
import { replayRows } from '../ingest/replay-rows.ts';
import { scoreFeatures, toSignal, validateScoringParams } from '../scoring/score.ts';

/** One named value of a step: a feature, an indicator, a tag. */
export type StepValue = number | string | null;

export interface StrategySignal {
  direction: 'long' | 'short';
  score: number;
}

/** What a strategy says about one bar: every value it computed, and its signal (null: none). */
export interface StrategyStep {
  values: Record<string, StepValue>;
  signal: StrategySignal | null;
}

export interface Strategy {
  name: string;
  /** One step per input bar, in the same order; `bars` is one symbol/timeframe series in time order. */
  run(bars: readonly Bar[]): StrategyStep[];
}

export type StrategyFactory = (config: Readonly<Config>) => Strategy;

/**
 * Flattens an object into `name → value`: nested objects become dotted names (`regime.trend`),
 * numbers, strings, booleans (as 'true'/'false') and null are kept, anything else (arrays,
 * undefined, functions) is left out. Generic on purpose: a field added to Features later is
 * covered by the checks with no change here.
 */
export function flattenValues(obj: object, prefix = '', out: Record<string, StepValue> = {}): Record<string, StepValue> {
  for (const [key, value] of Object.entries(obj)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (value === null || typeof value === 'number' || typeof value === 'string') out[name] = value;
    else if (typeof value === 'boolean') out[name] = String(value);
    else if (typeof value === 'object' && !Array.isArray(value)) flattenValues(value as object, name, out);
  }
  return out;
}

type ShippedConfig = Pick<Config, 'lookback' | 'atrPeriod' | 'wickThreshold' | 'volumeThreshold' | 'triggerScore' | 'targetR' | 'stopBufferAtr'>;

/**
 * The live logic as a Strategy: a fresh FeatureEngine (config.lookback, config.atrPeriod) fed the
 * bars one by one, each bar's features scored by `scoreFeatures` and turned into a signal by
 * `toSignal` with the config's scoring parameters (as the scoring stage does). `values` are the
 * flattened features plus `score`, `direction` and `components.*`; a bar still warming up (no
 * features) has no values and no signal.
 */
export function shippedStrategy(config: Readonly<ShippedConfig>): Strategy {
  const params = validateScoringParams({
    wickThreshold: config.wickThreshold, volumeThreshold: config.volumeThreshold, triggerScore: config.triggerScore, targetR: config.targetR, stopBufferAtr: config.stopBufferAtr,
  });
  return {
    name: 'shipped',
    run(bars) {
      const engine = new FeatureEngine({ lookback: config.lookback, atrPeriod: config.atrPeriod });
      return bars.map((bar) => {
        const features = engine.update(bar);
        if (features === null) return { values: {}, signal: null };
        const score = scoreFeatures(features, params);
        const signal = toSignal(score, params);
        const values = flattenValues(features);
        values.score = score.score;
        values.direction = score.direction;
        flattenValues(score.components, 'components', values);
        return { values, signal: signal === null ? null : { direction: signal.direction, score: signal.score } };
      });
    },
  };
}

export interface BarsOfFileOptions {
  config: Readonly<Config>;
  /** default: the first of config.timeframes */
  timeframe?: Timeframe;
  /** overrides the symbol taken from the file name, as `fakeout replay --symbol` does */
  symbol?: string;
  format?: FormatName;
  /** stamps the envelopes (never decides anything); default the system clock */
  clock?: Clock;
}

/**
 * The closed bars of one timeframe of a replay file, oldest first, built as the replay builds
 * them: the same rows (readReplayFile), the same plausibility window (replayRows; bad rows left
 * out), the same pure BarBuilder. The last bucket, never closed by a later row, is not a bar.
 */
export async function barsOfFile(path: string, opts: BarsOfFileOptions): Promise<Bar[]> {
  const timeframe = opts.timeframe ?? opts.config.timeframes[0]!;
  const file = await readReplayFile(path, { format: opts.format, symbol: opts.symbol, zone: opts.config.exchangeZone });
  const builder = new BarBuilder({ timeframes: [...new Set([...opts.config.timeframes, timeframe])] });
  const out: Bar[] = [];
  for (const row of replayRows(file, timeLimitsFromConfig(opts.config), opts.clock ?? systemClock)) {
    if ('error' in row || isTimeSkewed(row.envelope) || row.envelope.event.kind === 'clock') continue;
    for (const bar of builder.apply(row.envelope.event)) if (bar.timeframe === timeframe) out.push(bar);
  }
  return out;
}

const isStrategy = (x: unknown): x is Strategy =>
  typeof x === 'object' && x !== null && typeof (x as Strategy).name === 'string' && typeof (x as Strategy).run === 'function';

/**
 * A strategy from a module (`--strategy FILE.ts`): its default export is a Strategy, or a
 * function of the config returning one.
 * @throws FakeoutError FAKEOUT_ERR_RESEARCH_STRATEGY (field `--strategy`) when the module cannot
 *   be imported or its default export is neither
 */
export async function loadStrategy(path: string, config: Readonly<Config>): Promise<Strategy> {
  const fail = (why: string, cause?: unknown) =>
    new FakeoutError('FAKEOUT_ERR_RESEARCH_STRATEGY', `--strategy ${path}: ${why}`, { cause, details: { field: '--strategy', file: path } });
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  } catch (err) {
    throw fail(`could not be imported (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`, err);
  }
  const exported = mod.default;
  if (isStrategy(exported)) return exported;
  if (typeof exported === 'function') {
    const made: unknown = (exported as StrategyFactory)(config);
    if (isStrategy(made)) return made;
    throw fail('its default export is a function, but it did not return a Strategy ({ name: string, run(bars) })');
  }
  throw fail('its default export must be a Strategy ({ name: string, run(bars) }) or a function (config) => Strategy');
}

/** Throws unless `steps` has one step per bar (the Strategy contract the checks rely on). */
export function assertOneStepPerBar(strategy: Strategy, steps: readonly StrategyStep[], bars: number): void {
  if (!Array.isArray(steps) || steps.length !== bars) {
    throw new FakeoutError('FAKEOUT_ERR_RESEARCH_STRATEGY', `strategy ${strategy.name} returned ${Array.isArray(steps) ? steps.length : 'no'} steps for ${bars} bars (one per bar expected)`, {
      details: { field: '--strategy' },
    });
  }
}
