/**
 * Execution storage: the gateway's orders, fills and positions, and the paper broker's own book
 * (broker_orders, broker_state). Two books on purpose: the gateway's records are what it decided
 * and saw; broker_orders is what the (paper) venue holds, as a real exchange would on its side.
 *
 * POLICY: every id is deterministic (client order id `<signal id>:<leg>`, fill id
 * `<client order id>:fill`, position id = signal id) and inserts use ON CONFLICT DO NOTHING, so a
 * restarted gateway re-running a step stores nothing twice.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('client_order_id', 'text', (c) => c.primaryKey())
    .addColumn('signal_id', 'text', (c) => c.notNull())
    .addColumn('leg', 'text', (c) => c.notNull().check(sql`leg IN ('entry', 'exit')`))
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull().check(sql`side IN ('buy', 'sell')`))
    .addColumn('qty', 'double precision', (c) => c.notNull().check(sql`qty > 0`))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('decision_price', 'double precision', (c) => c.notNull())
    .addColumn('modelled_slippage_bps', 'double precision', (c) => c.notNull())
    .addColumn('modelled', 'jsonb', (c) => c.notNull())
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // one entry and one exit per signal: a second entry for the same signal cannot be stored
    .addUniqueConstraint('orders_signal_leg', ['signal_id', 'leg'])
    .execute();

  await db.schema
    .createTable('fills')
    .addColumn('fill_id', 'text', (c) => c.primaryKey())
    .addColumn('client_order_id', 'text', (c) => c.notNull().references('orders.client_order_id'))
    .addColumn('signal_id', 'text', (c) => c.notNull())
    .addColumn('leg', 'text', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('qty', 'double precision', (c) => c.notNull())
    .addColumn('price', 'double precision', (c) => c.notNull())
    .addColumn('fees', 'double precision', (c) => c.notNull())
    .addColumn('filled_at', 'bigint', (c) => c.notNull())
    .addColumn('modelled_bps', 'double precision', (c) => c.notNull())
    .addColumn('realised_bps', 'double precision')
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('fills_signal').on('fills').column('signal_id').execute();

  await db.schema
    .createTable('positions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('open', 'closed')`))
    .addColumn('qty', 'double precision', (c) => c.notNull())
    .addColumn('entry_price', 'double precision', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('exit_price', 'double precision')
    .addColumn('pnl', 'double precision')
    .addColumn('r', 'double precision')
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await sql`CREATE SEQUENCE broker_fill_seq`.execute(db);
  await db.schema
    .createTable('broker_orders')
    .addColumn('client_order_id', 'text', (c) => c.primaryKey())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('venue', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('qty', 'double precision', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('working', 'filled', 'cancelled')`))
    .addColumn('placed_at', 'bigint', (c) => c.notNull())
    .addColumn('hints', 'jsonb', (c) => c.notNull())
    .addColumn('fill_seq', 'bigint', (c) => c.unique())
    .addColumn('fill', 'jsonb')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('broker_orders_working').on('broker_orders').columns(['symbol', 'status', 'placed_at']).execute();

  await db.schema
    .createTable('broker_state')
    .addColumn('broker', 'text', (c) => c.primaryKey())
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['broker_state', 'broker_orders', 'positions', 'fills', 'orders']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`DROP SEQUENCE IF EXISTS broker_fill_seq`.execute(db);
}
