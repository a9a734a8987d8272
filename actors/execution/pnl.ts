/**
 * Account-level P&L from closed trades: the equity curve and P&L per UTC day. Pure; a trade
 * counts on the UTC day of its exit (when its P&L became realised).
 */
import type { ClosedTrade } from './position.ts';

export interface EquityPoint {
  /** exit time of the trade that moved equity here (epoch ms UTC) */
  time: number;
  tradeId: string;
  equity: number;
}

export interface DailyPnl {
  /** YYYY-MM-DD in UTC */
  day: string;
  pnl: number;
  trades: number;
}

type Realised = Pick<ClosedTrade, 'id' | 'exitTime' | 'pnl'>;

/** Trades in the order their P&L was realised: by exit time, then id (so ties are stable). */
function byExit<T extends Realised>(trades: readonly T[]): T[] {
  return [...trades].sort((a, b) => a.exitTime - b.exitTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Equity after each trade, starting from `startingEquity`. */
export function equityCurve(startingEquity: number, trades: readonly Realised[]): EquityPoint[] {
  let equity = startingEquity;
  return byExit(trades).map((t) => {
    equity += t.pnl;
    return { time: t.exitTime, tradeId: t.id, equity };
  });
}

/** Current equity: starting equity plus every realised P&L. */
export function currentEquity(startingEquity: number, trades: readonly Realised[]): number {
  return trades.reduce((e, t) => e + t.pnl, startingEquity);
}

/** The UTC calendar day of an instant, YYYY-MM-DD. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Realised P&L per UTC day, oldest day first; days without trades are absent. */
export function dailyPnl(trades: readonly Realised[]): DailyPnl[] {
  const days = new Map<string, DailyPnl>();
  for (const t of byExit(trades)) {
    const day = utcDay(t.exitTime);
    const d = days.get(day) ?? { day, pnl: 0, trades: 0 };
    d.pnl += t.pnl;
    d.trades += 1;
    days.set(day, d);
  }
  return [...days.values()];
}

/** Largest peak-to-trough fall of the equity curve (0 when it never falls), as an amount. */
export function maxDrawdown(startingEquity: number, trades: readonly Realised[]): number {
  let peak = startingEquity;
  let worst = 0;
  for (const p of equityCurve(startingEquity, trades)) {
    peak = Math.max(peak, p.equity);
    worst = Math.max(worst, peak - p.equity);
  }
  return worst;
}
