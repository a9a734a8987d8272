/**
 * The bounded reads of the dashboard's Live tab: the latest bars of one chart and the fills and
 * signals inside its time range, each with a LIMIT in SQL (never every row to the browser).
 */
import type { Bar, Timeframe } from '../../actors/domain/messages.ts';
import { withDbErrors } from './db-errors.ts';
import type { Db } from './schema.ts';

/** The latest `limit` bars of one symbol and timeframe, oldest first. */
export async function latestBars(db: Db, symbol: string, timeframe: Timeframe, limit: number): Promise<Bar[]> {
  return withDbErrors('list the latest bars', async () => {
    const rows = await db.selectFrom('bars').selectAll().where('symbol', '=', symbol).where('timeframe', '=', timeframe).orderBy('open_time', 'desc').limit(limit).execute();
    return rows.reverse().map((r) => ({
      id: r.id, symbol: r.symbol, timeframe: r.timeframe as Timeframe, openTime: r.open_time, closeTime: r.close_time,
      open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, count: r.count,
    }));
  });
}

export interface ChartMarkerRow {
  kind: 'signal' | 'entry' | 'exit';
  at: number;
  /** long / short for a signal, buy / sell for a fill */
  side: string;
  price: number;
  id: string;
}

/** Signals (by bar open time) and fills (by fill time) of `symbol` in [from, to], at most `limit` of each, oldest first. */
export async function chartMarkers(db: Db, q: { symbol: string; timeframe: Timeframe; from: number; to: number; limit: number }): Promise<ChartMarkerRow[]> {
  return withDbErrors('list chart markers', async () => {
    const signals = await db
      .selectFrom('signals').select(['id', 'open_time', 'direction', 'entry'])
      .where('symbol', '=', q.symbol).where('timeframe', '=', q.timeframe).where('open_time', '>=', q.from).where('open_time', '<=', q.to)
      .orderBy('open_time').limit(q.limit).execute();
    const fills = await db
      .selectFrom('fills').select(['fill_id', 'filled_at', 'leg', 'side', 'price'])
      .where('symbol', '=', q.symbol).where('filled_at', '>=', q.from).where('filled_at', '<=', q.to)
      .orderBy('filled_at').limit(q.limit).execute();
    return [
      ...signals.map((s) => ({ kind: 'signal' as const, at: s.open_time, side: s.direction, price: s.entry, id: s.id })),
      ...fills.map((f) => ({ kind: f.leg === 'exit' ? ('exit' as const) : ('entry' as const), at: f.filled_at, side: f.side, price: f.price, id: f.fill_id })),
    ].sort((a, b) => a.at - b.at);
  });
}

/** The symbols and timeframes that have bars, for the chart's pickers (GROUP BY, bounded by the config). */
export async function chartSeries(db: Db): Promise<{ symbol: string; timeframe: string; bars: number }[]> {
  return withDbErrors('list chart series', async () => {
    const rows = await db.selectFrom('bars').select((eb) => ['symbol', 'timeframe', eb.fn.countAll<number>().as('bars')]).groupBy(['symbol', 'timeframe']).orderBy('symbol').orderBy('timeframe').limit(500).execute();
    return rows.map((r) => ({ symbol: r.symbol, timeframe: r.timeframe, bars: Number(r.bars) }));
  });
}

/** The latest `limit` orders by last change, newest first: what just happened to approvals. */
export async function recentOrders(db: Db, limit: number): Promise<{ clientOrderId: string; symbol: string; leg: string; side: string; qty: number; status: string; updatedAt: number }[]> {
  return withDbErrors('list recent orders', async () => {
    const rows = await db.selectFrom('orders').select(['client_order_id', 'symbol', 'leg', 'side', 'qty', 'status', 'updated_at']).orderBy('updated_at', 'desc').orderBy('client_order_id').limit(limit).execute();
    return rows.map((r) => ({ clientOrderId: r.client_order_id, symbol: r.symbol, leg: r.leg, side: r.side, qty: r.qty, status: r.status, updatedAt: r.updated_at }));
  });
}
