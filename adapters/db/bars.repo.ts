/** `bars`: closed OHLCV bars, one row per bar id (`<symbol>:<timeframe>:<openTime>`). */
import type { Bar, Timeframe } from '../../actors/domain/messages.ts';
import { withDbErrors } from './db-errors.ts';
import type { BarRow, Db } from './schema.ts';
import { chunks } from './transaction.ts';

/** 11 parameters per row. */
const CHUNK = 1000;

function toRow(b: Bar): BarRow {
  return {
    id: b.id,
    symbol: b.symbol,
    timeframe: b.timeframe,
    open_time: b.openTime,
    close_time: b.closeTime,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    count: b.count,
  };
}

function fromRow(r: BarRow): Bar {
  return {
    id: r.id,
    symbol: r.symbol,
    // only insertBars writes this column, from a Timeframe
    timeframe: r.timeframe as Timeframe,
    openTime: r.open_time,
    closeTime: r.close_time,
    open: r.open,
    high: r.high,
    low: r.low,
    close: r.close,
    volume: r.volume,
    count: r.count,
  };
}

/**
 * Stores bars; returns how many were new.
 * POLICY: idempotent on the bar id, which is unique per symbol, timeframe and bucket, so a
 * redelivered bar is a no-op (`ON CONFLICT (id) DO NOTHING`): the first copy stored wins.
 */
export async function insertBars(db: Db, bars: readonly Bar[]): Promise<number> {
  return withDbErrors('insert bars', async () => {
    let n = 0n;
    for (const chunk of chunks(bars, CHUNK)) {
      const res = await db.insertInto('bars').values(chunk.map(toRow)).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
      n += res.numInsertedOrUpdatedRows ?? 0n;
    }
    return Number(n);
  });
}

/**
 * Bars, oldest first (then by id); filtered by symbol and/or timeframe when given; `limit` keeps
 * the oldest `limit`.
 */
export async function listBars(db: Db, q: { symbol?: string; timeframe?: Timeframe; limit?: number } = {}): Promise<Bar[]> {
  return withDbErrors('list bars', async () => {
    let query = db.selectFrom('bars').selectAll().orderBy('open_time').orderBy('id');
    if (q.symbol !== undefined) query = query.where('symbol', '=', q.symbol);
    if (q.timeframe !== undefined) query = query.where('timeframe', '=', q.timeframe);
    if (q.limit !== undefined) query = query.limit(q.limit);
    return (await query.execute()).map(fromRow);
  });
}

/** Bar counts per symbol and timeframe, sorted by symbol then timeframe. */
export async function countBarsByTimeframe(db: Db): Promise<{ symbol: string; timeframe: Timeframe; count: number }[]> {
  return withDbErrors('count bars', async () => {
    const rows = await db
      .selectFrom('bars')
      .select((eb) => ['symbol', 'timeframe', eb.fn.countAll<number>().as('count')])
      .groupBy(['symbol', 'timeframe'])
      .orderBy('symbol')
      .orderBy('timeframe')
      .execute();
    return rows.map((r) => ({ symbol: r.symbol, timeframe: r.timeframe as Timeframe, count: r.count }));
  });
}

/** Bars of one symbol and timeframe with `from ≤ openTime ≤ to`, oldest first (the paper broker's catch-up). */
export async function listBarsBetween(db: Db, symbol: string, timeframe: Timeframe, from: number, to: number): Promise<Bar[]> {
  return withDbErrors('list bars between', async () => {
    const rows = await db.selectFrom('bars').selectAll().where('symbol', '=', symbol).where('timeframe', '=', timeframe)
      .where('open_time', '>=', from).where('open_time', '<=', to).orderBy('open_time').execute();
    return rows.map(fromRow);
  });
}
