/**
 * Brings a database to the latest schema with Kysely's Migrator and the in-code migration list.
 * Safe to run from several processes at once: the Postgres dialect takes an advisory lock, and
 * each migration runs in a transaction (DDL is transactional in Postgres and PGlite).
 */
import { type Kysely, type MigrationProvider, type MigrationResult, Migrator } from 'kysely';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { migrations } from './migrations/index.ts';

const provider: MigrationProvider = { getMigrations: async () => ({ ...migrations }) };

/** Applies every pending migration; returns the names applied now (empty when already current). */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  let results: MigrationResult[] | undefined;
  let error: unknown;
  try {
    ({ results, error } = await migrator.migrateToLatest());
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
