/**
 * The market the gateway benchmark plays, as the upstream pipeline would publish it: for each
 * trade a closed signal bar with its Signal (the project's own message types), then the next bar,
 * which fills the entry at its open and exits the bracket on the same bar.
 *
 * POLICY: the fill bar opens exactly at the signal's entry, so every fill's realised slippage
 * equals the modelled one (ratio 1: the slippage breaker never trips), and the caller picks each
 * trade's outcome (target: +2R, stop: −1R) so that no breaker condition ends the run: the losing
 * streak is counted over all symbols, so a run must never hold five losses in a row (FAKEOUT_BREAKER_MAX_LOSSES)
 * nor lose 3 % of a day's starting equity. The data times start on
 * a Monday at 14:00 UTC (London and New York open) and are fixed, so every run trades the same bars.
 */
import { barId, symbolToken, type Bar, type Direction, type ScoreMessage, type Signal } from '../../actors/domain/messages.ts';

const MIN = 60_000;
/** Monday 2 March 2026, 14:00 UTC. */
export const GATEWAY_BENCH_T0 = Date.UTC(2026, 2, 2, 14, 0);

/** An instrument of actors/execution/instruments.ts (unknown symbols are refused): entry level, one risk unit, ATR. */
export interface Lane {
  symbol: string;
  level: number;
  risk: number;
  atr: number;
}

/** The four instruments fakeout trades; one position per symbol at a time, so four lanes. */
export const LANES: readonly Lane[] = Object.freeze([
  { symbol: 'BTC-PERP', level: 40_000, risk: 200, atr: 40 },
  { symbol: 'BTC/USDT', level: 41_000, risk: 205, atr: 41 },
  { symbol: 'SPY', level: 470, risk: 1, atr: 0.47 },
  { symbol: 'EURUSD', level: 1.1, risk: 0.001, atr: 0.0011 },
]);

/** One trade: the signal bar and its signal, then the bar that fills and exits it. */
export interface Trade {
  lane: Lane;
  signalBar: Bar;
  signal: Signal;
  fillBar: Bar;
  /** `<signal id>:entry`, the gateway's client order id */
  clientOrderId: string;
  outcome: 'target' | 'stop';
}

/** A price `x` risk units from the level, in the trade's favour for x > 0. */
const px = (l: Lane, dir: Direction, x: number) => l.level + (dir === 'long' ? 1 : -1) * x * l.risk;

function bar(l: Lane, openTime: number, prices: readonly number[], volume: number): Bar {
  return {
    id: barId(l.symbol, '1m', openTime), symbol: l.symbol, timeframe: '1m', openTime, closeTime: openTime + MIN,
    open: prices[0]!, high: Math.max(...prices), low: Math.min(...prices), close: prices[prices.length - 1]!, volume, count: 60,
  };
}

/**
 * Trade `k` of a lane (k = 0, 1, …), decided on the bar opening at `openTime`: a failed breakout
 * (a wick 0.6 risk against the trade, the close back at the level), the stop one risk away, the
 * target two. Directions alternate with k.
 */
export function tradeOf(l: Lane, k: number, openTime: number, outcome: Trade['outcome']): Trade {
  const dir: Direction = k % 2 === 0 ? 'long' : 'short';
  const signalBar = bar(l, openTime, [px(l, dir, 0.2), px(l, dir, 0.3), px(l, dir, -0.6), px(l, dir, 0)], 25);
  // Opens at the entry; reaches 2.2 risk (target) or −1.2 (stop), never both.
  const path = outcome === 'target' ? [0, 2.2, -0.1, 2] : [0, 0.5, -1.2, -1.1];
  const fillBar = bar(l, openTime + MIN, path.map((x) => px(l, dir, x)), 50);
  const { id, high, low, close, volume } = signalBar;
  const breakout = { up: dir === 'short', down: dir === 'long' };
  const signal: Signal = {
    id, symbol: l.symbol, timeframe: '1m', openTime, direction: dir, score: 82, entry: l.level, stop: px(l, dir, -1), target: px(l, dir, 2),
    features: {
      id, symbol: l.symbol, timeframe: '1m', openTime, close, high, low,
      rangeHigh: Math.max(px(l, dir, -0.4), px(l, dir, 1.5)), rangeLow: Math.min(px(l, dir, -0.4), px(l, dir, 1.5)), atr: l.atr,
      upperWickRatio: breakout.up ? 0.6 : 0.1, lowerWickRatio: breakout.down ? 0.6 : 0.1,
      breakoutUpAtr: breakout.up ? 1 : 0, breakoutDownAtr: breakout.down ? 1 : 0,
      closeBackInsideUpAtr: breakout.up ? 2 : 0, closeBackInsideDownAtr: breakout.down ? 2 : 0,
      volumeRatio: 1.4, volume, lookback: 20, regime: { session: 'off_hours', volatility: null, trend: null }, atrPercentile: null, trendSlopeAtr: null,
    },
  };
  return { lane: l, signalBar, signal, fillBar, clientOrderId: `${id}:entry`, outcome };
}

/** Each trade takes two minutes of data (its signal bar and its fill bar). */
export const TRADE_SPAN_MS = 2 * MIN;

/** The subjects and ids the pipeline publishes them under (bar-builder: bar id; scoring-engine: signal id). */
export const barItem = (b: Bar) => ({ subject: `bars.${symbolToken(b.symbol)}.${b.timeframe}`, id: b.id, value: b });
export const signalItem = (s: Signal) => ({ subject: `signals.${symbolToken(s.symbol)}`, id: s.id, value: s });
/** The bar's score on SCORES as the scoring engine publishes it, with its signal when it made one (what order intake reads). */
export function scoreItem(b: Bar, signal?: Signal) {
  const value: ScoreMessage = {
    id: b.id, symbol: b.symbol, timeframe: b.timeframe, openTime: b.openTime, score: signal?.score ?? 0, direction: signal?.direction ?? null, components: {},
    features: signal?.features ?? { ...NO_FEATURES, id: b.id, symbol: b.symbol, timeframe: b.timeframe, openTime: b.openTime, close: b.close, high: b.high, low: b.low, volume: b.volume },
    ...(signal === undefined ? {} : { signal }),
  };
  return { subject: `scores.${symbolToken(b.symbol)}.${b.timeframe}`, id: b.id, value };
}
const NO_FEATURES = {
  rangeHigh: 0, rangeLow: 0, atr: 0, upperWickRatio: 0, lowerWickRatio: 0, breakoutUpAtr: 0, breakoutDownAtr: 0, closeBackInsideUpAtr: 0, closeBackInsideDownAtr: 0,
  volumeRatio: 0, lookback: 20, regime: { session: 'off_hours', volatility: null, trend: null }, atrPercentile: null, trendSlopeAtr: null,
} as const;
