/**
 * A small hand-built {@link BacktestResult} for the report's tests: BTCUSD 1h bars from
 * 11 March 2024 00:00 UTC to 14 March 12:00 (85 bars), starting equity 1000, four trades
 * (two of them overlapping on the 11th), a fifth signal skipped. The numbers each test expects
 * are worked out by hand in the test beside the assertion.
 *
 *   trade  dir    score  session   vol     trend  entry → exit (UTC)          pnl   r
 *   t1     long   72     london    normal  up     11th 08:00 → 11th 12:00    +50   1.0
 *   t2     short  65     new_york  high    down   11th 10:00 → 11th 16:00    −30  −0.6
 *   t3     long   85     london    null    null   12th 09:00 → 12th 11:00    −40  −0.8
 *   t4     long   78     new_york  normal  flat   13th 14:00 → 13th 20:00    +60   1.2
 */
import type { BacktestResult, BacktestTrade, PriceBar, SignalMark } from '../../actors/research/backtest-result.ts';

export const T0 = Date.parse('2024-03-11T00:00:00Z');
export const HOUR = 3_600_000;
export const at = (day: number, hour: number): number => T0 + (day - 11) * 24 * HOUR + hour * HOUR;

/** One trade with sensible defaults; `over` replaces any field. */
export function trade(over: Partial<BacktestTrade> & Pick<BacktestTrade, 'signalId'>): BacktestTrade {
  const entryTime = over.entryTime ?? T0;
  return {
    symbol: 'BTCUSD', timeframe: '1h', direction: 'long', score: 70,
    regime: { session: 'london', volatility: 'normal', trend: 'up' },
    signalTime: entryTime - HOUR, entryTime, entryPrice: 100, exitTime: entryTime + HOUR, exitPrice: 101,
    exitReason: 'target', qty: 1, pnl: 0, r: 0, fees: 0.2, modelledSlippageBps: 2, realisedSlippageBps: 3,
    ...over,
  };
}

export const FIXTURE_TRADES: readonly BacktestTrade[] = [
  trade({ signalId: 't1', direction: 'long', score: 72, regime: { session: 'london', volatility: 'normal', trend: 'up' }, entryTime: at(11, 8), exitTime: at(11, 12), entryPrice: 100, exitPrice: 105, pnl: 50, r: 1, modelledSlippageBps: 2, realisedSlippageBps: 3 }),
  trade({ signalId: 't2', direction: 'short', score: 65, regime: { session: 'new_york', volatility: 'high', trend: 'down' }, entryTime: at(11, 10), exitTime: at(11, 16), entryPrice: 104, exitPrice: 107, pnl: -30, r: -0.6, exitReason: 'stop', modelledSlippageBps: 4, realisedSlippageBps: 5 }),
  trade({ signalId: 't3', direction: 'long', score: 85, regime: { session: 'london', volatility: null, trend: null }, entryTime: at(12, 9), exitTime: at(12, 11), entryPrice: 103, exitPrice: 99, pnl: -40, r: -0.8, exitReason: 'stop', modelledSlippageBps: 2, realisedSlippageBps: 1 }),
  trade({ signalId: 't4', direction: 'long', score: 78, regime: { session: 'new_york', volatility: 'normal', trend: 'flat' }, entryTime: at(13, 14), exitTime: at(13, 20), entryPrice: 98, exitPrice: 104, pnl: 60, r: 1.2, exitReason: 'time', modelledSlippageBps: 4, realisedSlippageBps: 7 }),
];

/** Deterministic bars that wander around 100. */
export function bars(from: number, to: number, step = HOUR): PriceBar[] {
  const out: PriceBar[] = [];
  let prev = 100;
  for (let t = from, i = 0; t <= to; t += step, i++) {
    const close = 100 + 5 * Math.sin(i / 6) + 2 * Math.sin(i / 1.7);
    out.push({ time: t, open: prev, high: Math.max(prev, close) + 0.8, low: Math.min(prev, close) - 0.8, close });
    prev = close;
  }
  return out;
}

/** The signal marks of some trades (each traded), plus any extra marks. */
export function marksOf(trades: readonly BacktestTrade[], extra: SignalMark[] = []): SignalMark[] {
  return [
    ...trades.map((t) => ({ signalId: t.signalId, symbol: t.symbol, time: t.signalTime, direction: t.direction, score: t.score, regime: t.regime, outcome: 'traded' })),
    ...extra,
  ].sort((a, b) => a.time - b.time);
}

/** A result around some trades: the equity curve is the starting equity plus each trade in exit order. */
export function buildResult(opts: { trades?: readonly BacktestTrade[]; from?: number; to?: number; startingEquity?: number; warmupBars?: number; extraSignals?: SignalMark[]; series?: BacktestResult['series'] } = {}): BacktestResult {
  const trades = [...(opts.trades ?? FIXTURE_TRADES)].sort((a, b) => a.exitTime - b.exitTime);
  const from = opts.from ?? T0;
  const to = opts.to ?? at(14, 12);
  const startingEquity = opts.startingEquity ?? 1000;
  let e = startingEquity;
  const series = opts.series ?? [{ symbol: 'BTCUSD', timeframe: '1h' as const, bars: bars(from, to) }];
  return {
    meta: {
      engine: 'inprocess', files: ['fixture.csv'], from, to, params: { triggerScore: 60 }, startingEquity,
      gate: 'simulated approve-all', warmupBars: opts.warmupBars ?? 20, bars: series.reduce((n, s) => n + s.bars.length, 0),
    },
    series,
    signals: marksOf(trades, opts.extraSignals ?? [
      { signalId: 's5', symbol: 'BTCUSD', time: at(11, 11), direction: 'long', score: 68, regime: { session: 'london', volatility: 'normal', trend: 'up' }, outcome: 'skipped:position_open' },
    ]),
    trades,
    equity: [{ time: from, equity: startingEquity }, ...trades.map((t) => ({ time: t.exitTime, equity: (e += t.pnl) }))],
  };
}
