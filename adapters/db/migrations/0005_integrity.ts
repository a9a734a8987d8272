/**
 * `integrity_progress`: where the integrity auditor's incremental run resumes (actors/integrity/):
 * the last RAW seq it verified and the `raw_events` chain tail (`row_sha256`) at that point.
 *
 * POLICY: a migration that has shipped is never edited; change the schema with a new file.
 */
import { type Kysely, sql } from 'kysely';

/** Takes `Kysely<any>`: a migration must not depend on today's Schema type. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('integrity_progress')
    .addColumn('scope', 'text', (c) => c.primaryKey())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addColumn('row_sha256', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('integrity_progress').execute();
}
