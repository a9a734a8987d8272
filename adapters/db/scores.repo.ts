/** `scores`: every score the scoring engine produced, one per bar id. */
import type { Direction, Features, Score, Timeframe } from '../../actors/domain/messages.ts';
import { withDbErrors } from './db-errors.ts';
import type { Db, ScoreRow } from './schema.ts';
import { chunks } from './transaction.ts';

const CHUNK = 1000;

function fromRow(r: ScoreRow): Score {
  return {
    id: r.id,
    symbol: r.symbol,
    timeframe: r.timeframe as Timeframe,
    openTime: r.open_time,
    score: r.score,
    direction: r.direction as Direction | null,
    components: r.components,
    features: r.features as Features,
  };
}

/**
 * Stores scores; returns how many were new.
 * POLICY: idempotent on the score id (= the bar id: one score per bar), first copy wins.
 */
export async function insertScores(db: Db, scores: readonly Score[]): Promise<number> {
  return withDbErrors('insert scores', async () => {
    let n = 0n;
    for (const chunk of chunks(scores, CHUNK)) {
      const rows = chunk.map((s) => ({
        id: s.id,
        symbol: s.symbol,
        timeframe: s.timeframe,
        open_time: s.openTime,
        score: s.score,
        direction: s.direction,
        components: JSON.stringify(s.components),
        features: JSON.stringify(s.features),
        config_version: s.configVersion ?? null,
      }));
      const res = await db.insertInto('scores').values(rows).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
      n += res.numInsertedOrUpdatedRows ?? 0n;
    }
    return Number(n);
  });
}

/** How many scores are stored. */
export async function countScores(db: Db): Promise<number> {
  return withDbErrors('count scores', async () => {
    const row = await db.selectFrom('scores').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return row.n;
  });
}

/** Scores, oldest bar first (then by id, so the order is total), optionally of one symbol. */
export async function listScores(db: Db, q: { symbol?: string; limit?: number } = {}): Promise<Score[]> {
  return withDbErrors('list scores', async () => {
    let query = db.selectFrom('scores').selectAll().orderBy('open_time').orderBy('id');
    if (q.symbol !== undefined) query = query.where('symbol', '=', q.symbol);
    if (q.limit !== undefined) query = query.limit(q.limit);
    return (await query.execute()).map(fromRow);
  });
}
