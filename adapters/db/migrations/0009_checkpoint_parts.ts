/**
 * Keyed checkpoint parts (docs/architecture.md "The stage runner", "Checkpoints in parts"): a
 * stage whose state is mostly per-series (the feature engine, the bar builder) saves a small head
 * in `stage_checkpoints` and one row per series here, and rewrites only the series a batch
 * changed. The whole feature-engine state of 100 symbols is about 370 kB of JSON; it was rewritten
 * at every batch. `ord` keeps the series in the order the stage first saw them, so a restored
 * stage iterates them as the one that saved them did.
 *
 * POLICY: a migration that has shipped is never edited; change the schema with a new file.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stage_checkpoint_parts')
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('ord', 'integer', (c) => c.notNull())
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('stage_checkpoint_parts_pk', ['stage', 'key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stage_checkpoint_parts').execute();
}
