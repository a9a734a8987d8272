/**
 * `orders` and `fills`: the gateway's record of what it sent and what came back.
 * POLICY: idempotent on deterministic ids. An order is keyed by its client order id
 * (`<signal id>:<leg>`) and unique per (signal, leg); a fill by `<client order id>:fill`.
 * Re-running a step after a crash inserts nothing new; the first copy wins.
 */
import type { Selectable } from 'kysely';
import type { OrderSide, SlippageBreakdown } from '../../actors/execution/cost-model.ts';
import { withDbErrors } from './db-errors.ts';
import type { Db, FillsTable, OrdersTable } from './schema.ts';

export type OrderLeg = 'entry' | 'exit';

export interface OrderRecord {
  clientOrderId: string;
  signalId: string;
  leg: OrderLeg;
  symbol: string;
  side: OrderSide;
  qty: number;
  status: string;
  decisionPrice: number;
  /** predicted before sending */
  modelled: SlippageBreakdown;
  /** parameters in force (cost model, sizing) */
  config: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  /** the governed config version it was sized with (docs/config.md); null before governance */
  configVersion?: number | null;
}

export interface FillRecord {
  fillId: string;
  clientOrderId: string;
  signalId: string;
  leg: OrderLeg;
  symbol: string;
  side: OrderSide;
  qty: number;
  price: number;
  fees: number;
  filledAt: number;
  /** the order's modelled totalBps, copied so the slippage monitor reads one row */
  modelledBps: number;
  /** adverse > 0; null when there was no decision price */
  realisedBps: number | null;
  detail: Record<string, unknown>;
  /** its order's config version */
  configVersion?: number | null;
}

/** The client order id of a signal's leg: the idempotence key from decision to venue. */
export function clientOrderIdFor(signalId: string, leg: OrderLeg): string {
  return `${signalId}:${leg}`;
}

const orderFromRow = (r: Selectable<OrdersTable>): OrderRecord => ({
  clientOrderId: r.client_order_id,
  signalId: r.signal_id,
  leg: r.leg as OrderLeg,
  symbol: r.symbol,
  side: r.side as OrderSide,
  qty: r.qty,
  status: r.status,
  decisionPrice: r.decision_price,
  modelled: r.modelled as SlippageBreakdown,
  config: r.config as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.config_version === null ? {} : { configVersion: r.config_version }),
});

const fillFromRow = (r: Selectable<FillsTable>): FillRecord => ({
  fillId: r.fill_id,
  clientOrderId: r.client_order_id,
  signalId: r.signal_id,
  leg: r.leg as OrderLeg,
  symbol: r.symbol,
  side: r.side as OrderSide,
  qty: r.qty,
  price: r.price,
  fees: r.fees,
  filledAt: r.filled_at,
  modelledBps: r.modelled_bps,
  realisedBps: r.realised_bps,
  detail: r.detail as Record<string, unknown>,
});

/** Stores an order; false when its client order id, or its (signal, leg), is already stored. */
export async function insertOrder(db: Db, o: OrderRecord): Promise<boolean> {
  return withDbErrors('insert order', async () => {
    const res = await db
      .insertInto('orders')
      .values({
        client_order_id: o.clientOrderId,
        signal_id: o.signalId,
        leg: o.leg,
        symbol: o.symbol,
        side: o.side,
        qty: o.qty,
        status: o.status,
        decision_price: o.decisionPrice,
        modelled_slippage_bps: o.modelled.totalBps,
        modelled: JSON.stringify(o.modelled),
        config: JSON.stringify(o.config),
        config_version: o.configVersion ?? null,
        created_at: o.createdAt,
        updated_at: o.updatedAt,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
  });
}

export async function getOrder(db: Db, clientOrderId: string): Promise<OrderRecord | undefined> {
  return withDbErrors('get order', async () => {
    const row = await db.selectFrom('orders').selectAll().where('client_order_id', '=', clientOrderId).executeTakeFirst();
    return row === undefined ? undefined : orderFromRow(row);
  });
}

/** Sets an order's status (e.g. sent, filled, rejected) at `at` (the caller's clock); false when unknown. */
export async function setOrderStatus(db: Db, clientOrderId: string, status: string, at: number): Promise<boolean> {
  return withDbErrors('set order status', async () => {
    const res = await db.updateTable('orders').set({ status, updated_at: at }).where('client_order_id', '=', clientOrderId).executeTakeFirst();
    return (res.numUpdatedRows ?? 0n) > 0n;
  });
}

/** Stores a fill; false when its fill id is already stored. */
export async function insertFill(db: Db, f: FillRecord): Promise<boolean> {
  return withDbErrors('insert fill', async () => {
    const res = await db
      .insertInto('fills')
      .values({
        fill_id: f.fillId,
        client_order_id: f.clientOrderId,
        signal_id: f.signalId,
        leg: f.leg,
        symbol: f.symbol,
        side: f.side,
        qty: f.qty,
        price: f.price,
        fees: f.fees,
        filled_at: f.filledAt,
        modelled_bps: f.modelledBps,
        realised_bps: f.realisedBps,
        detail: JSON.stringify(f.detail),
        config_version: f.configVersion ?? null,
      })
      .onConflict((oc) => oc.column('fill_id').doNothing())
      .executeTakeFirst();
    return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
  });
}

/** Fills, oldest first, optionally of one signal. */
export async function listFills(db: Db, q: { signalId?: string } = {}): Promise<FillRecord[]> {
  return withDbErrors('list fills', async () => {
    let query = db.selectFrom('fills').selectAll().orderBy('filled_at').orderBy('fill_id');
    if (q.signalId !== undefined) query = query.where('signal_id', '=', q.signalId);
    return (await query.execute()).map(fillFromRow);
  });
}

/** Orders with `status`, oldest first (e.g. `pending_approval`: the ones waiting for a person). */
export async function listOrdersByStatus(db: Db, status: string, limit = 1000): Promise<OrderRecord[]> {
  return withDbErrors('list orders', async () => {
    const rows = await db.selectFrom('orders').selectAll().where('status', '=', status).orderBy('created_at').orderBy('client_order_id').limit(limit).execute();
    return rows.map(orderFromRow);
  });
}
