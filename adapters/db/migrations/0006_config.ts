/**
 * Configuration governance (docs/config.md): `config_versions` mirrors the JetStream KV bucket
 * `config` (one row per applied version, append-only), `config_proposals` holds each proposed
 * change with its machine state (machines/config.machine.ts), and `config_version` records on
 * every score, signal, order and fill the governed version it was computed with (null for rows
 * written before governance existed).
 *
 * POLICY: a migration that has shipped is never edited; change the schema with a new file.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('config_versions')
    .addColumn('version', 'integer', (c) => c.primaryKey().check(sql`version >= 1`))
    .addColumn('params', 'jsonb', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .addColumn('applied_by', 'text', (c) => c.notNull())
    .addColumn('proposal_id', 'text')
    .addColumn('kv_revision', 'bigint', (c) => c.notNull())
    .execute();
  // POLICY: append-only in the database, like raw_events and audit_log, with the same
  // statement-level trigger function (0001) and so the same SQLSTATE FKA01.
  await sql`
    CREATE TRIGGER config_versions_append_only
      BEFORE UPDATE OR DELETE OR TRUNCATE ON config_versions
      FOR EACH STATEMENT EXECUTE FUNCTION fakeout_refuse_change()`.execute(db);

  await db.schema
    .createTable('config_proposals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('proposed_by', 'text', (c) => c.notNull())
    .addColumn('proposed_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('base_version', 'integer', (c) => c.notNull())
    .addColumn('changes', 'jsonb', (c) => c.notNull())
    .addColumn('before', 'jsonb', (c) => c.notNull())
    .addColumn('after', 'jsonb', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('context', 'jsonb', (c) => c.notNull())
    .addColumn('applied_version', 'integer')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  for (const table of ['scores', 'signals', 'orders', 'fills']) {
    await db.schema.alterTable(table).addColumn('config_version', 'integer').execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['scores', 'signals', 'orders', 'fills']) await db.schema.alterTable(table).dropColumn('config_version').execute();
  await db.schema.dropTable('config_proposals').execute();
  await db.schema.dropTable('config_versions').execute();
}
