/**
 * Brings a database to the latest schema with Kysely's Migrator and the in-code migration list.
 * Safe to run from several processes at once (split roles on one Postgres): the whole migrator,
 * including Kysely's creation of its own bookkeeping tables, runs on one connection holding a
 * session advisory lock (`MIGRATION_LOCK_KEY`), so a second process waits, then finds nothing to
 * apply. (Kysely 0.28 also takes a lock of its own, but only around the migrations, not around
 * creating `kysely_migration`; ours covers both and does not depend on Kysely's internals.) Each
 * migration runs in a transaction (DDL is transactional in Postgres and PGlite). PGlite serves
 * one connection: the lock is then uncontended, and the migrator uses the connection it is on.
 */
import { type Kysely, type MigrationProvider, type MigrationResult, Migrator, sql } from 'kysely';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { migrations } from './migrations/index.ts';

/** The advisory lock key of fakeout's migrations (a fixed bigint: ASCII "fakeout" + "m"). */
export const MIGRATION_LOCK_KEY = 0x66616b656f75746dn;

const provider: MigrationProvider = { getMigrations: async () => ({ ...migrations }) };

/** Applies every pending migration; returns the names applied now (empty when already current). */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  let results: MigrationResult[] | undefined;
  let error: unknown;
  try {
    ({ results, error } = await db.connection().execute(async (conn) => {
      await sql`SELECT pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
      try {
        return await new Migrator({ db: conn, provider }).migrateToLatest();
      } finally {
        await sql`SELECT pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
      }
    }));
  } catch (err) {
    error = err;
  }
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new FakeoutError('FAKEOUT_ERR_DB_MIGRATION', `migration ${failed ?? '(setup)'} failed: ${String((error as Error)?.message ?? error)}`, {
      cause: error,
      details: failed === undefined ? {} : { migration: failed },
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The names of all known migrations, in order. */
export function knownMigrations(): string[] {
  return Object.keys(migrations).sort();
}
