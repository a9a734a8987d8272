/**
 * The numbers a backtest report leads with, from a {@link BacktestResult} alone: pure, no I/O.
 * Every formula is written out in docs/research.md, "Report metrics"; the tests check them
 * against sums done by hand (spec/research/metrics.test.ts).
 */
import type { BacktestResult, BacktestTrade, EquityPoint } from './backtest-result.ts';

export interface BreakdownRow {
  key: string;
  trades: number;
  wins: number;
  winRate: number;
  expectancyR: number;
  netPnl: number;
}

export interface BacktestSummary {
  trades: number;
  /** pnl > 0 */
  wins: number;
  /** pnl < 0 (a trade at exactly 0 is neither) */
  losses: number;
  winRate: number | null;
  expectancyR: number | null;
  netPnl: number;
  grossProfit: number;
  /** the sum of the losing trades' P&L: zero or negative */
  grossLoss: number;
  /** null when no trade lost (JSON has no Infinity) */
  profitFactor: number | null;
  /** the largest fall from a running peak of the equity curve, as a fraction of that peak */
  maxDrawdown: number;
  /** the largest fall from a running peak of the equity curve, in money */
  maxDrawdownAbs: number;
  /** fraction of [meta.from, meta.to] with at least one position open; null for an empty window */
  exposure: number | null;
  /** daily UTC returns of the equity curve that Sharpe and Sortino are computed on */
  dailyReturns: number;
  sharpe: number | null;
  sortino: number | null;
  avgModelledSlippageBps: number | null;
  avgRealisedSlippageBps: number | null;
  breakdowns: {
    session: BreakdownRow[];
    volatility: BreakdownRow[];
    trend: BreakdownRow[];
    direction: BreakdownRow[];
    scoreBucket: BreakdownRow[];
  };
  notes: string[];
}

const DAY_MS = 86_400_000;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]) => (xs.length === 0 ? null : sum(xs) / xs.length);

/** The drawdown below the running peak after each equity point, as a fraction (0 at a new peak, 0.1 = 10 % below). */
export function drawdownSeries(equity: readonly EquityPoint[]): { time: number; drawdown: number }[] {
  let peak = -Infinity;
  return equity.map((p) => {
    peak = Math.max(peak, p.equity);
    return { time: p.time, drawdown: peak > 0 ? (peak - p.equity) / peak : 0 };
  });
}

function drawdowns(equity: readonly EquityPoint[]): { frac: number; abs: number } {
  let peak = -Infinity;
  let frac = 0;
  let abs = 0;
  for (const p of equity) {
    peak = Math.max(peak, p.equity);
    abs = Math.max(abs, peak - p.equity);
    if (peak > 0) frac = Math.max(frac, (peak - p.equity) / peak);
  }
  return { frac, abs };
}

/** Length of the union of the trades' [entryTime, exitTime] intervals inside [from, to], over to − from. */
export function exposureOf(trades: readonly Pick<BacktestTrade, 'entryTime' | 'exitTime'>[], from: number, to: number): number | null {
  if (!(to > from)) return null;
  const spans = trades
    .map((t) => [Math.max(from, t.entryTime), Math.min(to, t.exitTime)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let end = -Infinity;
  for (const [a, b] of spans) {
    if (a >= end) {
      covered += b - a;
      end = b;
    } else if (b > end) {
      covered += b - end;
      end = b;
    }
  }
  return covered / (to - from);
}

/**
 * The equity at the end of each UTC day from the day of `from` to the day of the later of `to`
 * and the last equity point, carried forward over days without a trade, preceded by the first
 * equity point (the starting equity); then the simple returns between consecutive marks.
 */
export function dailyReturns(equity: readonly EquityPoint[], from: number, to: number): number[] {
  if (equity.length === 0) return [];
  const points = [...equity].sort((a, b) => a.time - b.time);
  const last = points[points.length - 1]!;
  const firstDay = Math.floor(Math.min(from, points[0]!.time) / DAY_MS);
  const lastDay = Math.floor(Math.max(to, last.time) / DAY_MS);
  const marks = [points[0]!.equity];
  let i = 0;
  let e = points[0]!.equity;
  for (let d = firstDay; d <= lastDay; d++) {
    const end = (d + 1) * DAY_MS; // exclusive: a point at 00:00 belongs to the new day
    while (i < points.length && points[i]!.time < end) e = points[i++]!.equity;
    marks.push(e);
  }
  const out: number[] = [];
  for (let k = 1; k < marks.length; k++) out.push(marks[k - 1]! === 0 ? 0 : marks[k]! / marks[k - 1]! - 1);
  return out;
}

/** Annualised (√365) Sharpe and Sortino of daily returns, risk-free rate 0; null below 2 returns or at zero deviation. */
export function sharpeSortino(returns: readonly number[]): { sharpe: number | null; sortino: number | null } {
  const n = returns.length;
  if (n < 2) return { sharpe: null, sortino: null };
  const m = sum(returns) / n;
  const sd = Math.sqrt(sum(returns.map((r) => (r - m) ** 2)) / (n - 1));
  const dd = Math.sqrt(sum(returns.map((r) => Math.min(r, 0) ** 2)) / n);
  const annual = Math.sqrt(365);
  const ok = (x: number) => x > 1e-15;
  return { sharpe: ok(sd) ? (m / sd) * annual : null, sortino: ok(dd) ? (m / dd) * annual : null };
}

/** Score buckets of width 10: "0-9" … "80-89", and "90-100" (a score of 100 joins the top bucket). */
export function scoreBucket(score: number): string {
  const lo = Math.min(90, Math.max(0, Math.floor(score / 10) * 10));
  return lo === 90 ? '90-100' : `${lo}-${lo + 9}`;
}

function breakdown(trades: readonly BacktestTrade[], keyOf: (t: BacktestTrade) => string | null, order?: (a: string, b: string) => number): BreakdownRow[] {
  const groups = new Map<string, BacktestTrade[]>();
  for (const t of trades) {
    const k = keyOf(t) ?? 'n/a';
    groups.set(k, [...(groups.get(k) ?? []), t]);
  }
  const byKey = order ?? ((a: string, b: string) => (a === 'n/a' ? 1 : b === 'n/a' ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return [...groups.entries()].sort(([a], [b]) => byKey(a, b)).map(([key, ts]) => {
    const wins = ts.filter((t) => t.pnl > 0).length;
    return { key, trades: ts.length, wins, winRate: wins / ts.length, expectancyR: sum(ts.map((t) => t.r)) / ts.length, netPnl: sum(ts.map((t) => t.pnl)) };
  });
}

/** The report's summary of a backtest (docs/research.md, "Report metrics"). */
export function summarize(result: BacktestResult): BacktestSummary {
  const { meta, trades } = result;
  const pnls = trades.map((t) => t.pnl);
  const wins = pnls.filter((p) => p > 0).length;
  const losses = pnls.filter((p) => p < 0).length;
  const grossProfit = sum(pnls.filter((p) => p > 0));
  const grossLoss = sum(pnls.filter((p) => p < 0));
  const equity = [...result.equity].sort((a, b) => a.time - b.time);
  const dd = drawdowns(equity);
  const returns = dailyReturns(equity, meta.from, meta.to);
  const { sharpe, sortino } = sharpeSortino(returns);

  const notes = [
    `Human gate: ${meta.gate} (every gated order approved as a person would; no one was asked).`,
    `The first ${meta.warmupBars} bars of each series are not reported (warm-up): their trades happened in the simulation but are left out of every number here.`,
    'Fees and the slippage model always apply; P&L is after fees both ways.',
  ];
  if (trades.length === 0) notes.push('No trade was reported: the ratios are n/a.');
  else if (losses === 0) notes.push('Profit factor n/a: no trade lost.');
  if (sharpe === null) notes.push(`Sharpe and Sortino n/a: ${returns.length < 2 ? `${returns.length} daily return(s), at least 2 needed` : 'the daily returns do not vary'}.`);
  else if (sortino === null) notes.push('Sortino n/a: no day lost.');

  return {
    trades: trades.length,
    wins,
    losses,
    winRate: trades.length === 0 ? null : wins / trades.length,
    expectancyR: mean(trades.map((t) => t.r)),
    netPnl: sum(pnls),
    grossProfit,
    grossLoss,
    profitFactor: losses === 0 ? null : grossProfit / Math.abs(grossLoss),
    maxDrawdown: dd.frac,
    maxDrawdownAbs: dd.abs,
    exposure: exposureOf(trades, meta.from, meta.to),
    dailyReturns: returns.length,
    sharpe,
    sortino,
    avgModelledSlippageBps: mean(trades.map((t) => t.modelledSlippageBps)),
    avgRealisedSlippageBps: mean(trades.map((t) => t.realisedSlippageBps)),
    breakdowns: {
      session: breakdown(trades, (t) => t.regime.session),
      volatility: breakdown(trades, (t) => t.regime.volatility),
      trend: breakdown(trades, (t) => t.regime.trend),
      direction: breakdown(trades, (t) => t.direction),
      scoreBucket: breakdown(trades, (t) => scoreBucket(t.score), (a, b) => parseInt(a, 10) - parseInt(b, 10)),
    },
    notes,
  };
}
