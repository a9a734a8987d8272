/**
 * An independent reference for the end-to-end tests' expected scores and signals, written from
 * docs/scoring.md alone (not from actors/features or actors/scoring): brute force over each
 * series' previous bars, no rolling structures, no shared code. A bug in the production feature
 * engine or score (a weight, a threshold, a side) then shows as a difference instead of being
 * reproduced by the test's own expectation.
 */

export interface RefBar {
  id: string;
  symbol: string;
  timeframe: string;
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface RefScore {
  id: string;
  score: number;
  direction: 'long' | 'short' | null;
}

export interface RefSignal {
  id: string;
  symbol: string;
  timeframe: string;
  openTime: number;
  direction: 'long' | 'short';
  score: number;
  entry: number;
  stop: number;
  target: number;
  /** the ATR the bar was measured with (as of the previous bar) */
  features: { atr: number };
}

/** The documented defaults (docs/scoring.md, "Parameters" and "Feature windows"). */
export const REF_DEFAULTS = Object.freeze({
  lookback: 20,
  atrPeriod: 14,
  wickThreshold: 0.5,
  volumeThreshold: 1.5,
  triggerScore: 70,
  targetR: 2,
  stopBufferAtr: 0.1,
});
export type RefParams = typeof REF_DEFAULTS;

const round2 = (x: number) => Math.round(x * 100) / 100;
const capped = (x: number, full: number, points: number) => round2(Math.min(x / full, 1) * points);

/** Wilder ATR after each bar of `bars` (undefined until `period` true ranges exist). */
function wilderAtr(bars: readonly RefBar[], period: number): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  const trs: number[] = [];
  let atr: number | undefined;
  bars.forEach((b, i) => {
    const pc = i === 0 ? undefined : bars[i - 1]!.close;
    const tr = pc === undefined ? b.high - b.low : Math.max(b.high - b.low, Math.abs(b.high - pc), Math.abs(b.low - pc));
    trs.push(tr);
    if (trs.length === period) atr = trs.reduce((s, x) => s + x, 0) / period;
    else if (trs.length > period) atr = (atr! * (period - 1) + tr) / period;
    out.push(atr);
  });
  return out;
}

/** One side's score: `breakAtr` beyond the range, `insideAtr` back inside, the break side's wick. */
function sideScore(breakAtr: number, insideAtr: number, wick: number, volumeRatio: number, p: RefParams): number {
  return round2(capped(breakAtr, 1.0, 25) + capped(insideAtr, 0.5, 30) + capped(wick, p.wickThreshold, 25) + capped(volumeRatio, p.volumeThreshold, 20));
}

/** Scores and signals of one series (one symbol and timeframe), bars in time order. */
function scoreSeries(series: readonly RefBar[], p: RefParams, scores: RefScore[], signals: RefSignal[]): void {
  const atrAfter = wilderAtr(series, p.atrPeriod);
  for (let i = p.lookback; i < series.length; i++) {
    const atr = atrAfter[i - 1];
    if (atr === undefined || atr === 0) continue;
    const b = series[i]!;
    const prev = series.slice(i - p.lookback, i);
    const rangeHigh = Math.max(...prev.map((x) => x.high));
    const rangeLow = Math.min(...prev.map((x) => x.low));
    const meanVolume = prev.reduce((s, x) => s + x.volume, 0) / p.lookback;
    const volumeRatio = meanVolume === 0 ? 0 : b.volume / meanVolume;
    const span = b.high - b.low;
    const upperWick = span === 0 ? 0 : (b.high - Math.max(b.open, b.close)) / span;
    const lowerWick = span === 0 ? 0 : (Math.min(b.open, b.close) - b.low) / span;
    // A failed upside break fades short, a failed downside break fades long; both: the higher, a tie short.
    const short = b.high > rangeHigh && b.close < rangeHigh ? sideScore((b.high - rangeHigh) / atr, (rangeHigh - b.close) / atr, upperWick, volumeRatio, p) : undefined;
    const long = b.low < rangeLow && b.close > rangeLow ? sideScore((rangeLow - b.low) / atr, (b.close - rangeLow) / atr, lowerWick, volumeRatio, p) : undefined;
    let direction: 'long' | 'short' | null = null;
    let score = 0;
    if (short !== undefined && (long === undefined || short >= long)) [direction, score] = ['short', short];
    else if (long !== undefined) [direction, score] = ['long', long];
    scores.push({ id: b.id, score, direction });
    if (direction === null || score < p.triggerScore) continue;
    const stop = direction === 'short' ? b.high + p.stopBufferAtr * atr : b.low - p.stopBufferAtr * atr;
    const entry = b.close;
    signals.push({ id: b.id, symbol: b.symbol, timeframe: b.timeframe, openTime: b.openTime, direction, score, entry, stop, target: entry - p.targetR * (stop - entry), features: { atr } });
  }
}

/**
 * Every score and signal the documented rules give for `bars` (any mix of symbols and
 * timeframes), each series on its own in time order; a bar not after its series' last is ignored.
 * Sorted by id.
 */
export function referenceScoring(bars: Iterable<RefBar>, params: Partial<RefParams> = {}): { scores: RefScore[]; signals: RefSignal[] } {
  const p = { ...REF_DEFAULTS, ...params };
  const bySeries = new Map<string, RefBar[]>();
  for (const b of [...bars].sort((a, b) => a.openTime - b.openTime)) {
    const key = `${b.symbol}\u0000${b.timeframe}`;
    const s = bySeries.get(key) ?? bySeries.set(key, []).get(key)!;
    if (s.length === 0 || b.openTime > s[s.length - 1]!.openTime) s.push(b);
  }
  const scores: RefScore[] = [];
  const signals: RefSignal[] = [];
  for (const series of bySeries.values()) scoreSeries(series, p, scores, signals);
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return { scores: scores.sort(byId), signals: signals.sort(byId) };
}
