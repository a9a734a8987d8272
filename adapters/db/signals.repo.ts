/** `signals`: scores at or over the trigger, one per bar id. */
import type { Direction, Features, RegimeTags, Signal, Timeframe } from '../../actors/domain/messages.ts';
import { withDbErrors } from './db-errors.ts';
import type { Db, SignalRow } from './schema.ts';
import { chunks } from './transaction.ts';

const CHUNK = 1000;

function fromRow(r: SignalRow): Signal {
  return {
    id: r.id,
    symbol: r.symbol,
    timeframe: r.timeframe as Timeframe,
    openTime: r.open_time,
    direction: r.direction as Direction,
    score: r.score,
    entry: r.entry,
    stop: r.stop,
    target: r.target,
    features: withRegime(r),
  };
}

/**
 * The stored features, their regime taken from the columns when the row has them (the columns
 * are the queryable copy, written from `features.regime` on insert). A row from before regime
 * tagging has neither, and its features come back as stored, without `regime`.
 */
function withRegime(r: SignalRow): Features {
  const f = r.features as Features;
  if (r.session === null) return f;
  const regime: RegimeTags = { session: r.session, volatility: r.volatility_regime as RegimeTags['volatility'], trend: r.trend_regime as RegimeTags['trend'] };
  return { ...f, regime };
}

/**
 * Stores signals; returns how many were new.
 * POLICY: idempotent on the signal id (= the bar id: at most one signal per bar), first copy wins.
 */
export async function insertSignals(db: Db, signals: readonly Signal[]): Promise<number> {
  return withDbErrors('insert signals', async () => {
    let n = 0n;
    for (const chunk of chunks(signals, CHUNK)) {
      const rows = chunk.map((s) => ({
        id: s.id,
        symbol: s.symbol,
        timeframe: s.timeframe,
        open_time: s.openTime,
        direction: s.direction,
        score: s.score,
        entry: s.entry,
        stop: s.stop,
        target: s.target,
        features: JSON.stringify(s.features),
        config_version: s.configVersion ?? null,
        // optional chaining: a signal decoded from before regime tagging has features without it
        session: s.features.regime?.session ?? null,
        volatility_regime: s.features.regime?.volatility ?? null,
        trend_regime: s.features.regime?.trend ?? null,
      }));
      const res = await db.insertInto('signals').values(rows).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
      n += res.numInsertedOrUpdatedRows ?? 0n;
    }
    return Number(n);
  });
}

/** Signals, oldest bar first (then by id), optionally of one symbol; `limit` keeps the oldest. */
export async function listSignals(db: Db, q: { symbol?: string; limit?: number } = {}): Promise<Signal[]> {
  return withDbErrors('list signals', async () => {
    let query = db.selectFrom('signals').selectAll().orderBy('open_time').orderBy('id');
    if (q.symbol !== undefined) query = query.where('symbol', '=', q.symbol);
    if (q.limit !== undefined) query = query.limit(q.limit);
    return (await query.execute()).map(fromRow);
  });
}

/** What {@link recentSignals} selects. */
export interface RecentSignalsQuery {
  symbol?: string;
  /** only signals whose bar opened at or after this instant (epoch ms UTC) */
  since?: number;
  limit: number;
}

/**
 * The newest signals: by bar open time, newest first, ties by id descending (a total order, so
 * pages are stable). For `GET /api/signals`.
 */
export async function recentSignals(db: Db, q: RecentSignalsQuery): Promise<Signal[]> {
  return withDbErrors('list recent signals', async () => {
    let query = db.selectFrom('signals').selectAll().orderBy('open_time', 'desc').orderBy('id', 'desc').limit(q.limit);
    if (q.symbol !== undefined) query = query.where('symbol', '=', q.symbol);
    if (q.since !== undefined) query = query.where('open_time', '>=', q.since);
    return (await query.execute()).map(fromRow);
  });
}

/** Signal counts per symbol, sorted by symbol. */
export async function countSignalsBySymbol(db: Db): Promise<{ symbol: string; count: number }[]> {
  return withDbErrors('count signals', async () =>
    db
      .selectFrom('signals')
      .select((eb) => ['symbol', eb.fn.countAll<number>().as('count')])
      .groupBy('symbol')
      .orderBy('symbol')
      .execute(),
  );
}

/** The `n` highest-scoring signals; ties go to the more recent bar, then the smaller id. */
export async function topSignals(db: Db, n: number): Promise<Signal[]> {
  return withDbErrors('list top signals', async () => {
    const rows = await db.selectFrom('signals').selectAll().orderBy('score', 'desc').orderBy('open_time', 'desc').orderBy('id').limit(n).execute();
    return rows.map(fromRow);
  });
}
