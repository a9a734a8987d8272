/**
 * Users, their TOTP enrolments and approval state (single-use step, lockout), and the audit log:
 * append-only and hash-chained like raw_events, so who approved what, when, cannot be rewritten
 * unnoticed.
 *
 * Numbered 0003 because 0002 is the execution schema, written in parallel; the two touch no
 * common table, so either may apply first.
 *
 * POLICY: a migration that has shipped is never edited; change the schema with a new file.
 */
import { type Kysely, sql } from 'kysely';

/** Takes `Kysely<any>`: a migration must not depend on today's Schema type. */
export async function up(db: Kysely<any>): Promise<void> {
  // The roles as of this migration, spelled out: a later change to roles.ts needs a new migration.
  await db.schema
    .createTable('users')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role IN ('viewer', 'trader', 'approver', 'admin')`))
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // The TOTP shared secret, base32. A secret: see docs/security.md for who can read it and how
  // each read by fakeout is audited. One per user; re-enrolment replaces it.
  await db.schema
    .createTable('totp_enrolments')
    .addColumn('user_name', 'text', (c) => c.primaryKey().references('users.name'))
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
    .execute();

  // Per-user approval state, locked FOR UPDATE by every approval attempt.
  await db.schema
    .createTable('auth_state')
    .addColumn('user_name', 'text', (c) => c.primaryKey().references('users.name'))
    .addColumn('last_used_step', 'bigint')
    .addColumn('failures', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('locked_until', 'bigint')
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .addColumn('details', 'jsonb', (c) => c.notNull())
    .addColumn('content_sha256', 'text', (c) => c.notNull())
    .addColumn('prev_sha256', 'text', (c) => c.notNull())
    .addColumn('row_sha256', 'text', (c) => c.notNull())
    .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('audit_log_subject').on('audit_log').column('subject').execute();
  await db.schema.createIndex('audit_log_actor_at').on('audit_log').columns(['actor', 'at']).execute();

  // POLICY: the audit log is append-only in the database, as raw_events is, with the same
  // statement-level trigger function (0001) and so the same SQLSTATE FKA01.
  await sql`
    CREATE TRIGGER audit_log_append_only
      BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION fakeout_refuse_change()`.execute(db);
}

/** Drops everything {@link up} created (development resets only). */
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['audit_log', 'auth_state', 'totp_enrolments', 'users']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
