/**
 * Look-ahead bias check, after Freqtrade's lookahead-analysis but over fakeout's own strategies:
 * a value of bar i may depend on bars 0..i only, so running the strategy on the bars cut just
 * after bar i must give bar i the same values and the same signal as the run on every bar.
 * Anything that changes read a later bar. Pure: bars in, report out.
 *
 * POLICY: only the END is cut (bars.slice(0, i + 1)); cutting the start too would change the
 * warm-up, which is warmup.ts's question, not this one's.
 */
import type { Bar } from '../domain/messages.ts';
import { assertOneStepPerBar, type StepValue, type Strategy, type StrategyStep } from './strategy.ts';

export interface LookaheadOptions {
  /** signal bars checked, spread evenly over the signals; default 20 */
  sample?: number;
  /** bars without a signal checked too (a feature can be biased where no signal fires), spread evenly; default 20 */
  extraBars?: number;
}

export interface LookaheadExample {
  /** the bar's index in the input */
  index: number;
  /** its openTime, epoch ms */
  time: number;
  /** the value on the full run; undefined: the name is absent there */
  full: StepValue | undefined;
  /** the value on the run cut after this bar */
  cut: StepValue | undefined;
}

export interface LookaheadFeature {
  name: string;
  /** checked bars on which it differed */
  changed: number;
  /** the first of them */
  example: LookaheadExample;
}

export interface LookaheadReport {
  biased: boolean;
  /** bars checked (signals and others) */
  checked: number;
  /** of which signal bars */
  signalsChecked: number;
  /** each name that changed, most often first; the signal itself is the name `signal` */
  features: LookaheadFeature[];
}

/** Numbers are equal within this relative difference (the cut run is the same arithmetic, so any real dependence is far larger). */
export const LOOKAHEAD_RELATIVE_TOLERANCE = 1e-12;

/** `n` indices of `from`, spread evenly, first and last included; all of them when there are not more. */
export function spreadEvenly(from: readonly number[], n: number): number[] {
  if (n <= 0 || from.length === 0) return [];
  if (from.length <= n) return [...from];
  if (n === 1) return [from[0]!];
  const out = new Set<number>();
  for (let k = 0; k < n; k++) out.add(from[Math.round((k * (from.length - 1)) / (n - 1))]!);
  return [...out];
}

/** Equal as the check counts it: numbers within a relative 1e-12 (NaN equals NaN), anything else strictly. */
export function sameValue(a: StepValue | undefined, b: StepValue | undefined): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    if (a === b) return true;
    return Math.abs(a - b) <= LOOKAHEAD_RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
  }
  return a === b;
}

/** The values of a step plus its signal under the name `signal` (`long 82.5`, or null). */
export function stepValues(step: StrategyStep): Record<string, StepValue> {
  return { ...step.values, signal: step.signal === null ? null : `${step.signal.direction} ${step.signal.score}` };
}

export function checkLookahead(strategy: Strategy, bars: readonly Bar[], opts: LookaheadOptions = {}): LookaheadReport {
  const full = strategy.run(bars);
  assertOneStepPerBar(strategy, full, bars.length);
  const signalIdx: number[] = [];
  const otherIdx: number[] = [];
  full.forEach((step, i) => (step.signal === null ? otherIdx : signalIdx).push(i));
  const signals = spreadEvenly(signalIdx, opts.sample ?? 20);
  const others = spreadEvenly(otherIdx, opts.extraBars ?? 20);
  const indices = [...signals, ...others].sort((a, b) => a - b);

  const found = new Map<string, LookaheadFeature>();
  for (const i of indices) {
    const cutSteps = strategy.run(bars.slice(0, i + 1));
    assertOneStepPerBar(strategy, cutSteps, i + 1);
    const a = stepValues(full[i]!);
    const b = stepValues(cutSteps[i]!);
    for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (sameValue(a[name], b[name])) continue;
      const f = found.get(name);
      if (f !== undefined) f.changed++;
      else found.set(name, { name, changed: 1, example: { index: i, time: bars[i]!.openTime, full: a[name], cut: b[name] } });
    }
  }
  const features = [...found.values()].sort((x, y) => y.changed - x.changed || x.name.localeCompare(y.name));
  return { biased: features.length > 0, checked: indices.length, signalsChecked: signals.length, features };
}
