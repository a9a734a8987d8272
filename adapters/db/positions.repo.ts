/**
 * `positions`: one row per signal that was filled, holding the Position snapshot.
 * POLICY: a closed position is final. Saving again updates an open row (same id) with the newer
 * snapshot, but never reopens or rewrites a closed one.
 */
import { sql } from 'kysely';
import type { ClosedTrade, PositionSnapshot } from '../../actors/execution/position.ts';
import { withDbErrors } from './db-errors.ts';
import type { Db } from './schema.ts';

/** Inserts or advances the position of `snap.spec.id`; false when it was already closed (nothing changed). */
export async function savePosition(db: Db, snap: PositionSnapshot): Promise<boolean> {
  return withDbErrors('save position', async () => {
    const closed = snap.closed;
    const values = {
      status: closed === null ? 'open' : 'closed',
      closed_at: closed?.exitTime ?? null,
      exit_price: closed?.exitPrice ?? null,
      pnl: closed?.pnl ?? null,
      r: closed?.r ?? null,
      snapshot: JSON.stringify(snap),
    };
    const res = await db
      .insertInto('positions')
      .values({
        id: snap.spec.id,
        symbol: snap.spec.symbol,
        direction: snap.spec.direction,
        qty: snap.entry.qty,
        entry_price: snap.entry.price,
        opened_at: snap.entry.time,
        ...values,
      })
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet({ ...values, updated_at: sql<Date>`now()` })
          .where('positions.status', '=', 'open'),
      )
      .executeTakeFirst();
    return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
  });
}

export async function getPositionSnapshot(db: Db, id: string): Promise<PositionSnapshot | undefined> {
  return withDbErrors('get position', async () => {
    const row = await db.selectFrom('positions').select(['snapshot']).where('id', '=', id).executeTakeFirst();
    return row?.snapshot as PositionSnapshot | undefined;
  });
}

/** Snapshots of open positions (to resume them after a restart), oldest first. */
export async function listOpenPositions(db: Db): Promise<PositionSnapshot[]> {
  return withDbErrors('list open positions', async () => {
    const rows = await db.selectFrom('positions').select(['snapshot']).where('status', '=', 'open').orderBy('opened_at').orderBy('id').execute();
    return rows.map((r) => r.snapshot as PositionSnapshot);
  });
}

/** Closed trades, by exit time: the input of equityCurve and dailyPnl. */
export async function listClosedTrades(db: Db): Promise<ClosedTrade[]> {
  return withDbErrors('list closed trades', async () => {
    const rows = await db.selectFrom('positions').select(['snapshot']).where('status', '=', 'closed').orderBy('closed_at').orderBy('id').execute();
    return rows.map((r) => (r.snapshot as PositionSnapshot).closed!);
  });
}
