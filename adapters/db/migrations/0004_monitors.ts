/**
 * The monitors' records: each signal's liquidity tag, and each monitor's current state (what a
 * dashboard reads: the machine state, the figure it judged, since when).
 *
 * POLICY: a migration that has shipped is never edited; change the schema with a new file.
 */
import { type Kysely, sql } from 'kysely';

/** Takes `Kysely<any>`: a migration must not depend on today's Schema type. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('signal_liquidity')
    .addColumn('signal_id', 'text', (c) => c.primaryKey())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('timeframe', 'text', (c) => c.notNull())
    .addColumn('open_time', 'bigint', (c) => c.notNull())
    .addColumn('low', 'boolean', (c) => c.notNull())
    .addColumn('reasons', 'jsonb', (c) => c.notNull())
    .addColumn('volume', 'double precision')
    .addColumn('threshold', 'double precision')
    .execute();

  await db.schema
    .createTable('monitor_states')
    .addColumn('monitor', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state IN ('normal', 'alert')`))
    .addColumn('value', 'double precision')
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('since', 'bigint')
    .addColumn('figures', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('monitor_states').execute();
  await db.schema.dropTable('signal_liquidity').execute();
}
