/**
 * Dashboard sessions (docs/operations.md, "Dashboard"): one row per logged-in browser. The row
 * is keyed by the sha256 of the session id, never the id itself, so a copy of the table (a
 * backup, a read replica) cannot be replayed as a cookie. `expires_at` is the absolute end,
 * `last_seen_at` drives the idle timeout; both epoch ms from the injected clock.
 *
 * POLICY: a migration that has shipped is never edited; change the schema with a new file.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dashboard_sessions')
    .addColumn('id_sha256', 'text', (c) => c.primaryKey())
    .addColumn('user_name', 'text', (c) => c.notNull().references('users.name'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('remote', 'text')
    .execute();
  await db.schema.createIndex('dashboard_sessions_user').on('dashboard_sessions').column('user_name').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dashboard_sessions').execute();
}
