/**
 * What a backtest produces, whichever engine ran it (in process, or the actor pipeline over
 * JetStream): the shapes the report (`report.json`, `report.html`) and the parity test read.
 * Shapes only. Times are epoch ms (UTC); money is in the quote currency of the paper account.
 */
import type { Direction, RegimeTags, Timeframe } from '../domain/messages.ts';

/** One definition, in the domain messages: features carry it, backtest records copy it. */
export type { RegimeTags } from '../domain/messages.ts';

/** One closed trade: a signal the gateway sent, its entry fill and its exit. */
export interface BacktestTrade {
  signalId: string;
  symbol: string;
  timeframe: Timeframe;
  direction: Direction;
  score: number;
  regime: RegimeTags;
  /** the signal bar's open time */
  signalTime: number;
  entryTime: number;
  entryPrice: number;
  exitTime: number;
  exitPrice: number;
  exitReason: 'stop' | 'target' | 'time';
  qty: number;
  /** after fees both ways */
  pnl: number;
  r: number;
  fees: number;
  /** the cost model's slippage of the entry and exit fills, and what the fills realised (bps of price) */
  modelledSlippageBps: number;
  realisedSlippageBps: number;
}

/** A signal as the chart marks it: whether it became a trade, or why not. */
export interface SignalMark {
  signalId: string;
  symbol: string;
  timeframe: Timeframe;
  time: number;
  direction: Direction;
  score: number;
  regime: RegimeTags;
  /** `traded`, or the gateway's status / skip reason (`skipped:position_open`, `rejected`, …) */
  outcome: string;
}

export interface EquityPoint {
  time: number;
  equity: number;
}

export interface PriceBar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface BacktestMeta {
  engine: 'inprocess' | 'nats';
  files: string[];
  /** the data window actually replayed (first and last bar open times) */
  from: number;
  to: number;
  /** the strategy, risk and cost parameters in force (a zero-cost file is refused before a run) */
  params: Record<string, unknown>;
  startingEquity: number;
  /** POLICY: a backtest approves every gated order as a person would; the report says so */
  gate: 'simulated approve-all';
  /** bars per series at the start whose trades are not reported (the warm-up check's recommendation) */
  warmupBars: number;
  bars: number;
}

export interface BacktestResult {
  meta: BacktestMeta;
  /** per series, the bars for the price chart (every bar; the page draws them with lightweight-charts) */
  series: { symbol: string; timeframe: Timeframe; bars: PriceBar[] }[];
  signals: SignalMark[];
  trades: BacktestTrade[];
  /** equity after each closed trade, starting with the starting equity at `meta.from` */
  equity: EquityPoint[];
}
