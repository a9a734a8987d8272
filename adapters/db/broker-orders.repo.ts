/**
 * `broker_orders` and `broker_state`: the paper broker's book in Postgres, implementing the
 * PaperBrokerStore port, so a restarted process sees every order it accepted and never places
 * or fills one twice.
 */
import { sql } from 'kysely';
import type { BrokerFill, ExecutionHints, OrderSide, OrderStatus } from '../broker/broker.ts';
import type { NewFill, PaperBrokerStore, PaperOrderRecord } from '../broker/paper-store.ts';
import type { VenueType } from '../../actors/execution/instruments.ts';
import { withDbErrors } from './db-errors.ts';
import { inTransaction } from './transaction.ts';
import type { Db } from './schema.ts';
import type { Selectable } from 'kysely';
import type { BrokerOrdersTable } from './schema.ts';

function fromRow(r: Selectable<BrokerOrdersTable>): PaperOrderRecord {
  return {
    clientOrderId: r.client_order_id,
    symbol: r.symbol,
    venue: r.venue as VenueType,
    side: r.side as OrderSide,
    qty: r.qty,
    status: r.status as OrderStatus,
    placedAt: r.placed_at,
    hints: r.hints as ExecutionHints,
    fill: (r.fill as BrokerFill | null) ?? null,
  };
}

/** The paper broker's store on `db`; `broker` names its state row (one per paper broker). */
export function pgPaperBrokerStore(db: Db, broker = 'paper'): PaperBrokerStore {
  return {
    async insertOrder(o) {
      return withDbErrors('insert broker order', async () => {
        // POLICY: the client order id is the primary key; a second placement inserts nothing
        const res = await db
          .insertInto('broker_orders')
          .values({
            client_order_id: o.clientOrderId,
            symbol: o.symbol,
            venue: o.venue,
            side: o.side,
            qty: o.qty,
            status: o.status,
            placed_at: o.placedAt,
            hints: JSON.stringify(o.hints),
          })
          .onConflict((oc) => oc.column('client_order_id').doNothing())
          .executeTakeFirst();
        return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
      });
    },

    async getOrder(id) {
      return withDbErrors('get broker order', async () => {
        const row = await db.selectFrom('broker_orders').selectAll().where('client_order_id', '=', id).executeTakeFirst();
        return row === undefined ? undefined : fromRow(row);
      });
    },

    async workingOrders(symbol) {
      return withDbErrors('list working broker orders', async () => {
        const rows = await db
          .selectFrom('broker_orders')
          .selectAll()
          .where('symbol', '=', symbol)
          .where('status', '=', 'working')
          .orderBy('placed_at')
          .orderBy('client_order_id')
          .execute();
        return rows.map(fromRow);
      });
    },

    async recordFill(id, fill: NewFill, state?: unknown) {
      return withDbErrors('record broker fill', async () =>
        // POLICY: the fill and the state it comes with (the bracket it opens) commit together
        inTransaction(db, async (tx) => {
          // compare-and-set on status: only a working order takes a fill, whoever else tries
          const row = await tx
            .updateTable('broker_orders')
            .set({
              status: 'filled',
              fill_seq: sql<number>`nextval('broker_fill_seq')`,
              fill: sql<string>`jsonb_set(${JSON.stringify(fill)}::jsonb, '{cursor}', to_jsonb(currval('broker_fill_seq')::text))`,
              updated_at: sql<Date>`now()`,
            })
            .where('client_order_id', '=', id)
            .where('status', '=', 'working')
            .returning(['fill'])
            .executeTakeFirst();
          if (row === undefined) return undefined;
          if (state !== undefined) await upsertState(tx, broker, state);
          return row.fill as BrokerFill;
        }),
      );
    },

    async cancel(id) {
      return withDbErrors('cancel broker order', async () => {
        const res = await db
          .updateTable('broker_orders')
          .set({ status: 'cancelled', updated_at: sql<Date>`now()` })
          .where('client_order_id', '=', id)
          .where('status', '=', 'working')
          .executeTakeFirst();
        return (res.numUpdatedRows ?? 0n) > 0n;
      });
    },

    async fillsAfter(afterSeq, limit) {
      return withDbErrors('list broker fills', async () => {
        const rows = await db
          .selectFrom('broker_orders')
          .select(['fill'])
          .where('fill_seq', '>', afterSeq)
          .orderBy('fill_seq')
          .limit(limit)
          .execute();
        return rows.map((r) => r.fill as BrokerFill);
      });
    },

    async loadState() {
      return withDbErrors('load broker state', async () => {
        const row = await db.selectFrom('broker_state').select(['state']).where('broker', '=', broker).executeTakeFirst();
        return row?.state;
      });
    },

    async saveState(state) {
      await withDbErrors('save broker state', () => upsertState(db, broker, state));
    },
  };
}

async function upsertState(db: Db, broker: string, state: unknown): Promise<void> {
  const json = JSON.stringify(state);
  await db
    .insertInto('broker_state')
    .values({ broker, state: json })
    .onConflict((oc) => oc.column('broker').doUpdateSet({ state: json, updated_at: sql<Date>`now()` }))
    .execute();
}
