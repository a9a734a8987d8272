/**
 * The Analytics tab's SQL: every figure is one GROUP BY over the stored rows (Postgres and
 * PGlite alike), so the answer is a bounded number of groups however many signals are stored.
 *
 * Local time: `open_time` and `closed_at` are epoch ms UTC; `to_timestamp(ms / 1000.0) AT TIME
 * ZONE <zone>` is the wall time in that zone (Postgres' tz database, DST included). The zone is
 * a bound parameter, never spliced into the SQL text. GROUP BY uses ordinals because the same
 * expression written twice would bind the zone as two parameters, which Postgres does not treat
 * as the same grouping expression.
 */
import { sql, type SelectQueryBuilder } from 'kysely';
import { withDbErrors } from '../../db/db-errors.ts';
import type { Db, Schema } from '../../db/schema.ts';
import type { BreakdownRow, HeatmapRow, HistogramRow, PnlRow } from './analytics-figures.ts';
import type { SignalFilter } from './analytics-query.ts';

export const BREAKDOWN_BY = Object.freeze(['session', 'volatility', 'trend', 'symbol', 'direction'] as const);
export type BreakdownBy = (typeof BREAKDOWN_BY)[number];
const BREAKDOWN_COLUMN: Record<BreakdownBy, 'session' | 'volatility_regime' | 'trend_regime' | 'symbol' | 'direction'> = {
  session: 'session', volatility: 'volatility_regime', trend: 'trend_regime', symbol: 'symbol', direction: 'direction',
};

export const PNL_PERIODS = Object.freeze(['hour', 'day', 'week', 'month'] as const);
export type PnlPeriod = (typeof PNL_PERIODS)[number];

function filtered<T extends 'signals' | 'scores', O>(q: SelectQueryBuilder<Schema, T, O>, f: SignalFilter): SelectQueryBuilder<Schema, T, O> {
  let out = q;
  // the column names are the same on both tables; Kysely cannot see that through the union type
  if (f.symbol !== undefined) out = out.where('symbol' as never, '=', f.symbol as never);
  if (f.from !== undefined) out = out.where('open_time' as never, '>=', f.from as never);
  if (f.to !== undefined) out = out.where('open_time' as never, '<', f.to as never);
  return out;
}

const localTime = (column: string, zone: string) => sql`(to_timestamp(${sql.ref(column)} / 1000.0) AT TIME ZONE ${zone})`;

/** The start of the `period` holding epoch-ms `column`, as local wall time text `YYYY-MM-DDTHH:MI` in `zone` (sorts as time). */
export const periodBucket = (column: string, period: PnlPeriod, zone: string) =>
  sql<string>`to_char(date_trunc(${period}, ${localTime(column, zone)}), 'YYYY-MM-DD"T"HH24:MI')`;

/** The text a period bucket's keyset cursor must look like. */
export const BUCKET_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** Signals per (ISO weekday, hour) of their bar's open in `zone`. At most 168 rows. */
export async function signalHeatmapRows(db: Db, zone: string, f: SignalFilter): Promise<HeatmapRow[]> {
  return withDbErrors('analytics heatmap', async () => {
    const local = localTime('open_time', zone);
    const rows = await filtered(db.selectFrom('signals'), f)
      .select([
        sql<number>`extract(isodow from ${local})::int`.as('dow'),
        sql<number>`extract(hour from ${local})::int`.as('hour'),
        sql<number>`count(*)::int`.as('count'),
      ])
      .groupBy([sql`1`, sql`2`])
      .execute();
    return rows.map((r) => ({ dow: Number(r.dow), hour: Number(r.hour), count: Number(r.count) }));
  });
}

/** Scored bars per score bin of `width`, and how many scored at or above `trigger`. */
export async function scoreHistogramRows(db: Db, width: number, trigger: number | null, f: SignalFilter): Promise<{ rows: HistogramRow[]; atOrAbove: number }> {
  return withDbErrors('analytics score histogram', async () => {
    const rows = await filtered(db.selectFrom('scores'), f)
      .select([sql<number>`floor(score / ${width})::int`.as('bin'), sql<number>`count(*)::int`.as('count')])
      .groupBy([sql`1`])
      .execute();
    let atOrAbove = 0;
    if (trigger !== null) {
      const r = await filtered(db.selectFrom('scores'), f).select(sql<number>`count(*)::int`.as('n')).where('score', '>=', trigger).executeTakeFirst();
      atOrAbove = Number(r?.n ?? 0);
    }
    return { rows: rows.map((r) => ({ bin: Number(r.bin), count: Number(r.count) })), atOrAbove };
  });
}

/**
 * Signals per regime tag (or symbol, direction), with the closed trades they led to: a position's
 * id is its signal's id (adapters/db/positions.repo.ts), so the join is one-to-one.
 */
export async function breakdownRows(db: Db, by: BreakdownBy, f: SignalFilter): Promise<BreakdownRow[]> {
  return withDbErrors('analytics breakdown', async () => {
    let q = db
      .selectFrom('signals as s')
      .leftJoin('positions as p', (j) => j.onRef('p.id', '=', 's.id').on('p.status', '=', 'closed'))
      .select([
        sql<string | null>`${sql.ref(`s.${BREAKDOWN_COLUMN[by]}`)}`.as('key'),
        sql<number>`count(*)::int`.as('signals'),
        sql<number | null>`avg(s.score)::float8`.as('avg_score'),
        sql<number>`count(p.id)::int`.as('trades'),
        sql<number>`(count(*) filter (where p.pnl > 0))::int`.as('wins'),
        sql<number>`coalesce(sum(p.pnl), 0)::float8`.as('pnl'),
        sql<number>`coalesce(sum(p.r), 0)::float8`.as('sum_r'),
      ])
      .groupBy([sql`1`]);
    if (f.symbol !== undefined) q = q.where('s.symbol', '=', f.symbol);
    if (f.from !== undefined) q = q.where('s.open_time', '>=', f.from);
    if (f.to !== undefined) q = q.where('s.open_time', '<', f.to);
    const rows = await q.execute();
    return rows.map((r) => ({
      key: r.key, signals: Number(r.signals), avgScore: r.avg_score === null ? null : Number(r.avg_score), trades: Number(r.trades),
      wins: Number(r.wins), pnl: Number(r.pnl), sumR: Number(r.sum_r),
    }));
  });
}

/**
 * Closed trades' P&L per `period` of their close in `zone`, newest period first, keyset-paged on
 * the period's text (`YYYY-MM-DDTHH:MI`, which sorts as time). `from`/`to` apply to `closed_at`.
 */
export async function pnlRows(db: Db, period: PnlPeriod, zone: string, f: SignalFilter, page: { before?: string; limit: number }): Promise<PnlRow[]> {
  return withDbErrors('analytics pnl', async () => {
    let inner = db
      .selectFrom('positions')
      .select([
        periodBucket('closed_at', period, zone).as('bucket'),
        sql<number>`count(*)::int`.as('trades'),
        sql<number>`(count(*) filter (where pnl > 0))::int`.as('wins'),
        sql<number>`coalesce(sum(pnl), 0)::float8`.as('pnl'),
      ])
      .where('status', '=', 'closed')
      .where('closed_at', 'is not', null)
      .groupBy([sql`1`]);
    if (f.symbol !== undefined) inner = inner.where('symbol', '=', f.symbol);
    if (f.from !== undefined) inner = inner.where('closed_at', '>=', f.from);
    if (f.to !== undefined) inner = inner.where('closed_at', '<', f.to);
    let q = db.selectFrom(inner.as('b')).selectAll().orderBy('bucket', 'desc').limit(page.limit);
    if (page.before !== undefined) q = q.where('bucket', '<', page.before);
    const rows = await q.execute();
    return rows.map((r) => ({ bucket: r.bucket, trades: Number(r.trades), wins: Number(r.wins), pnl: Number(r.pnl) }));
  });
}

export interface SignalListFilter extends SignalFilter {
  session?: string;
  volatility?: string;
  trend?: string;
}

export interface SignalListItem {
  id: string;
  symbol: string;
  timeframe: string;
  openTime: number;
  direction: string;
  score: number;
  session: string | null;
  volatility: string | null;
  trend: string | null;
  /** the closed trade's P&L, null while open or never traded */
  pnl: number | null;
}

/** One page of signals, newest bar first, ties by id descending (keyset on (open_time, id)). */
export async function signalPage(db: Db, f: SignalListFilter, page: { before?: { t: number; id: string }; limit: number }): Promise<SignalListItem[]> {
  return withDbErrors('analytics signal list', async () => {
    let q = db
      .selectFrom('signals as s')
      .leftJoin('positions as p', (j) => j.onRef('p.id', '=', 's.id').on('p.status', '=', 'closed'))
      .select(['s.id', 's.symbol', 's.timeframe', 's.open_time', 's.direction', 's.score', 's.session', 's.volatility_regime', 's.trend_regime', 'p.pnl'])
      .orderBy('s.open_time', 'desc')
      .orderBy('s.id', 'desc')
      .limit(page.limit);
    if (f.symbol !== undefined) q = q.where('s.symbol', '=', f.symbol);
    if (f.from !== undefined) q = q.where('s.open_time', '>=', f.from);
    if (f.to !== undefined) q = q.where('s.open_time', '<', f.to);
    if (f.session !== undefined) q = q.where('s.session', '=', f.session);
    if (f.volatility !== undefined) q = q.where('s.volatility_regime', '=', f.volatility);
    if (f.trend !== undefined) q = q.where('s.trend_regime', '=', f.trend);
    const b = page.before;
    if (b !== undefined) q = q.where((eb) => eb.or([eb('s.open_time', '<', b.t), eb.and([eb('s.open_time', '=', b.t), eb('s.id', '<', b.id)])]));
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id, symbol: r.symbol, timeframe: r.timeframe, openTime: Number(r.open_time), direction: r.direction, score: r.score,
      session: r.session, volatility: r.volatility_regime, trend: r.trend_regime, pnl: r.pnl,
    }));
  });
}
