/**
 * The gateway's rows of one stage batch (orders, fills, positions) in a few multi-row statements,
 * each column one array parameter zipped back into rows by `unnest` (as raw-events.repo.ts does).
 *
 * POLICY: the rows end as the one-row-at-a-time writes would leave them (orders.repo.ts,
 * positions.repo.ts), applied in the batch's order:
 * - an order: insert unless any unique key exists (the first row of an id wins), else (and for
 *   every later row of the id) its status and updated_at are set: so the row ends with the first
 *   insertable row's fields and the LAST row's status and time;
 * - a fill: inserted unless its fill id exists (the first wins);
 * - a position: inserted, or its snapshot written while it is open: so it ends with the first
 *   closed snapshot of the batch (none after it applies), else the last one; the entry columns are
 *   only ever those of the insert (the first snapshot of the batch).
 * Orders are written before fills (a fill references its order).
 */
import { sql } from 'kysely';
import type { PositionSnapshot } from '../../actors/execution/position.ts';
import { withDbErrors } from './db-errors.ts';
import type { FillRecord, OrderRecord } from './orders.repo.ts';
import type { Db } from './schema.ts';

/** Writes `rows` (in the batch's order) as {@link insertOrder} then, when not inserted, {@link setOrderStatus} row by row would. */
export async function saveOrderRows(db: Db, rows: readonly OrderRecord[]): Promise<void> {
  if (rows.length === 0) return;
  const first = new Map<string, OrderRecord>();
  const last = new Map<string, OrderRecord>();
  const count = new Map<string, number>();
  for (const r of rows) {
    if (!first.has(r.clientOrderId)) first.set(r.clientOrderId, r);
    last.set(r.clientOrderId, r);
    count.set(r.clientOrderId, (count.get(r.clientOrderId) ?? 0) + 1);
  }
  const ins = [...first.values()];
  await withDbErrors('insert orders', async () => {
    const res = await sql<{ client_order_id: string }>`
      INSERT INTO orders (client_order_id, signal_id, leg, symbol, side, qty, status, decision_price, modelled_slippage_bps, modelled, config, config_version, created_at, updated_at)
      SELECT * FROM unnest(${ins.map((o) => o.clientOrderId)}::text[], ${ins.map((o) => o.signalId)}::text[], ${ins.map((o) => o.leg)}::text[],
        ${ins.map((o) => o.symbol)}::text[], ${ins.map((o) => o.side)}::text[], ${ins.map((o) => o.qty)}::float8[], ${ins.map((o) => o.status)}::text[],
        ${ins.map((o) => o.decisionPrice)}::float8[], ${ins.map((o) => o.modelled.totalBps)}::float8[], ${ins.map((o) => JSON.stringify(o.modelled))}::jsonb[],
        ${ins.map((o) => JSON.stringify(o.config))}::jsonb[], ${ins.map((o) => o.configVersion ?? null)}::integer[],
        ${ins.map((o) => o.createdAt)}::bigint[], ${ins.map((o) => o.updatedAt)}::bigint[])
      ON CONFLICT DO NOTHING
      RETURNING client_order_id`.execute(db);
    const inserted = new Set(res.rows.map((r) => r.client_order_id));
    // the status of every id not inserted, or with rows after its insert: the last row's
    const upd = [...last.values()].filter((o) => !inserted.has(o.clientOrderId) || count.get(o.clientOrderId)! > 1);
    if (upd.length === 0) return;
    await sql`
      UPDATE orders SET status = v.status, updated_at = v.at
      FROM unnest(${upd.map((o) => o.clientOrderId)}::text[], ${upd.map((o) => o.status)}::text[], ${upd.map((o) => o.updatedAt)}::bigint[]) AS v(id, status, at)
      WHERE orders.client_order_id = v.id`.execute(db);
  });
}

/** Inserts `fills` as {@link insertFill} one by one would (a stored fill id is skipped). */
export async function insertFillRows(db: Db, fills: readonly FillRecord[]): Promise<void> {
  if (fills.length === 0) return;
  const f = fills;
  await withDbErrors('insert fills', () => sql`
    INSERT INTO fills (fill_id, client_order_id, signal_id, leg, symbol, side, qty, price, fees, filled_at, modelled_bps, realised_bps, detail, config_version)
    SELECT * FROM unnest(${f.map((x) => x.fillId)}::text[], ${f.map((x) => x.clientOrderId)}::text[], ${f.map((x) => x.signalId)}::text[],
      ${f.map((x) => x.leg)}::text[], ${f.map((x) => x.symbol)}::text[], ${f.map((x) => x.side)}::text[], ${f.map((x) => x.qty)}::float8[],
      ${f.map((x) => x.price)}::float8[], ${f.map((x) => x.fees)}::float8[], ${f.map((x) => x.filledAt)}::bigint[], ${f.map((x) => x.modelledBps)}::float8[],
      ${f.map((x) => x.realisedBps)}::float8[], ${f.map((x) => JSON.stringify(x.detail))}::jsonb[], ${f.map((x) => x.configVersion ?? null)}::integer[])
    ON CONFLICT (fill_id) DO NOTHING`.execute(db));
}

/** Writes `snaps` (in the batch's order) as {@link savePosition} one by one would. */
export async function savePositionRows(db: Db, snaps: readonly PositionSnapshot[]): Promise<void> {
  if (snaps.length === 0) return;
  const byId = new Map<string, { first: PositionSnapshot; final: PositionSnapshot }>();
  for (const s of snaps) {
    const seen = byId.get(s.spec.id);
    if (seen === undefined) byId.set(s.spec.id, { first: s, final: s });
    else if (seen.final.closed === null) seen.final = s; // once closed, no later snapshot applies
  }
  const rows = [...byId.values()];
  const fin = rows.map((r) => r.final);
  await withDbErrors('save positions', () => sql`
    INSERT INTO positions (id, symbol, direction, qty, entry_price, opened_at, status, closed_at, exit_price, pnl, r, snapshot)
    SELECT * FROM unnest(${rows.map((r) => r.first.spec.id)}::text[], ${rows.map((r) => r.first.spec.symbol)}::text[], ${rows.map((r) => r.first.spec.direction)}::text[],
      ${rows.map((r) => r.first.entry.qty)}::float8[], ${rows.map((r) => r.first.entry.price)}::float8[], ${rows.map((r) => r.first.entry.time)}::bigint[],
      ${fin.map((s) => (s.closed === null ? 'open' : 'closed'))}::text[], ${fin.map((s) => s.closed?.exitTime ?? null)}::bigint[],
      ${fin.map((s) => s.closed?.exitPrice ?? null)}::float8[], ${fin.map((s) => s.closed?.pnl ?? null)}::float8[], ${fin.map((s) => s.closed?.r ?? null)}::float8[],
      ${fin.map((s) => JSON.stringify(s))}::jsonb[])
    ON CONFLICT (id) DO UPDATE SET status = excluded.status, closed_at = excluded.closed_at, exit_price = excluded.exit_price, pnl = excluded.pnl,
      r = excluded.r, snapshot = excluded.snapshot, updated_at = now()
    WHERE positions.status = 'open'`.execute(db));
}
