/**
 * What the integrity auditor (actors/integrity/) reads from Postgres, and its resume point
 * `integrity_progress`. Reads only, except {@link saveIntegrityProgress}.
 */
import { sql } from 'kysely';
import { withDbErrors } from './db-errors.ts';
import type { Db } from './schema.ts';

/** The auditor's saved point: RAW verified through `lastSeq`, the chain tail there `rowSha256`. */
export interface IntegrityProgress {
  lastSeq: number;
  rowSha256: string;
  verifiedAt: number;
}

const SCOPE = 'raw';

export async function loadIntegrityProgress(db: Db): Promise<IntegrityProgress | undefined> {
  const row = await withDbErrors('load integrity progress', () =>
    db.selectFrom('integrity_progress').select(['last_seq', 'row_sha256', 'verified_at']).where('scope', '=', SCOPE).executeTakeFirst(),
  );
  return row === undefined ? undefined : { lastSeq: Number(row.last_seq), rowSha256: row.row_sha256, verifiedAt: Number(row.verified_at) };
}

export async function saveIntegrityProgress(db: Db, p: IntegrityProgress): Promise<void> {
  await withDbErrors('save integrity progress', () =>
    db
      .insertInto('integrity_progress')
      .values({ scope: SCOPE, last_seq: p.lastSeq, row_sha256: p.rowSha256, verified_at: p.verifiedAt })
      .onConflict((oc) => oc.column('scope').doUpdateSet({ last_seq: p.lastSeq, row_sha256: p.rowSha256, verified_at: p.verifiedAt, updated_at: sql<Date>`now()` }))
      .execute(),
  );
}

/** The `raw_events` rows with `from <= seq <= to` (to may be Infinity), in seq order, at most `limit`. */
export async function rawRowsBetween(db: Db, from: number, to: number, limit: number) {
  return withDbErrors('read raw events for the integrity check', async () => {
    let q = db
      .selectFrom('raw_events')
      .select(['seq', 'id', 'source', 'symbol', 'kind', 'event_ts', 'received_at', 'envelope', 'content_sha256', 'prev_sha256', 'row_sha256'])
      .where('seq', '>=', from)
      .orderBy('seq')
      .limit(limit);
    if (Number.isFinite(to)) q = q.where('seq', '<=', to);
    return (await q.execute()).map((r) => ({ ...r, seq: Number(r.seq), event_ts: Number(r.event_ts), received_at: Number(r.received_at) }));
  });
}

/** The seq each of `ids` is stored at (ids not stored are absent). */
export async function storedSeqsOfIds(db: Db, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await withDbErrors('look up raw event ids', () => db.selectFrom('raw_events').select(['id', 'seq']).where('id', 'in', [...ids]).execute());
  return new Map(rows.map((r) => [r.id, Number(r.seq)]));
}

/** The last row at or below `seq` (its seq and row hash), or undefined. */
export async function rawRowAtOrBefore(db: Db, seq: number): Promise<{ seq: number; id: string; rowSha256: string } | undefined> {
  const row = await withDbErrors('read the raw chain at a seq', () =>
    db.selectFrom('raw_events').select(['seq', 'id', 'row_sha256']).where('seq', '<=', seq).orderBy('seq', 'desc').limit(1).executeTakeFirst(),
  );
  return row === undefined ? undefined : { seq: Number(row.seq), id: row.id, rowSha256: row.row_sha256 };
}

/** Up to `limit` rows stored above `seq` (seq and id). */
export async function rawAboveSeq(db: Db, seq: number, limit: number): Promise<{ seq: number; id: string }[]> {
  const rows = await withDbErrors('read raw events above a seq', () =>
    db.selectFrom('raw_events').select(['seq', 'id']).where('seq', '>', seq).orderBy('seq').limit(limit).execute(),
  );
  return rows.map((r) => ({ seq: Number(r.seq), id: r.id }));
}
