/**
 * A fresh, migrated database for one test suite, on a real Postgres server or on embedded PGlite,
 * and its removal. Repository suites loop over {@link testDatabaseKinds} so the same test body
 * runs on both.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../adapters/db/database.ts';

export type TestDatabaseKind = 'postgres' | 'pglite';

/** Every kind the repository tests run on. */
export const testDatabaseKinds: readonly TestDatabaseKind[] = Object.freeze(['postgres', 'pglite']);

/** The local test server: trust auth, user postgres (see helper-brief). */
export const TEST_POSTGRES_ADMIN_URL = process.env.FAKEOUT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** the open database; replaced by {@link TestDatabase.reopen} */
  database: Database;
  /** the connection URL (postgres kind only) */
  url?: string;
  /** the data directory passed to openDatabase (PGlite lives in `<dataDir>/pglite`) */
  dataDir: string;
  /** Closes the database and opens the same storage again (migrations run again). */
  reopen(): Promise<Database>;
  /** Closes the database and drops it (postgres) or deletes its directory (pglite). */
  cleanup(): Promise<void>;
}

const CLOSE_GRACE_MS = 10_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function databaseUrl(admin: string, name: string): string {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates and opens a uniquely named, empty, migrated database of `kind`. */
export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), `fakeout-db-${kind}-`));
  let url: string | undefined;
  let dropDatabase = async (): Promise<void> => undefined;
  if (kind === 'postgres') {
    const name = `fakeout_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    url = databaseUrl(TEST_POSTGRES_ADMIN_URL, name);
    dropDatabase = () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  const open = () => openDatabase(url === undefined ? { dataDir } : { databaseUrl: url, dataDir });
  let database: Database;
  try {
    database = await open();
  } catch (err) {
    await dropDatabase().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const handle: TestDatabase = {
    database,
    dataDir,
    async reopen() {
      await handle.database.close();
      handle.database = await open();
      return handle.database;
    },
    async cleanup() {
      try {
        // A failed test can leave a transaction open that close() would wait on forever; the
        // files and the database are removed regardless (DROP ... WITH (FORCE) ends sessions).
        await Promise.race([handle.database.close(), delay(CLOSE_GRACE_MS)]);
        await dropDatabase();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
  if (url !== undefined) handle.url = url;
  return handle;
}

/** One statement on the admin database, on a short-lived client (CREATE/DROP DATABASE cannot run in a transaction). */
async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A uniquely named, empty Postgres database (no migrations run): its URL and how to drop it. */
export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `fakeout_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return { url: databaseUrl(TEST_POSTGRES_ADMIN_URL, name), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
