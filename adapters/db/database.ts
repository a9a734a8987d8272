/**
 * Opens fakeout's database: Kysely over a `pg` Pool, either to the Postgres server named by
 * DATABASE_URL or to an embedded PGlite served on a local socket (see embedded-pglite.ts), and
 * migrates it to the latest schema before handing it out.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { type EmbeddedPglite, startEmbeddedPglite } from './embedded-pglite.ts';
import { migrateToLatest } from './migrate.ts';
import type { Schema } from './schema.ts';

/** An open database. `close()` is idempotent. */
export interface Database {
  db: Kysely<Schema>;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** a postgres:// URL; when absent, an embedded PGlite under `dataDir` is used */
  databaseUrl?: string;
  /** fakeout's data directory; PGlite lives in `<dataDir>/pglite` */
  dataDir: string;
  /** Postgres pool size (default 10). PGlite always gets exactly one connection: see embedded-pglite.ts. */
  poolSize?: number;
  /**
   * Errors of idle pooled connections (the server went away between queries). Without a
   * listener pg would crash the process; the next query fails with FAKEOUT_ERR_DB_CONNECT anyway.
   */
  onIdleError?: (err: FakeoutError) => void;
}

const INT8_OID = 20;
/** See embedded-pglite.ts for why PGlite gets exactly one connection. */
const PGLITE_POOL_SIZE = 1;
const CONNECTION_TIMEOUT_MS = 30_000;

/**
 * POLICY: BIGINT arrives as a JS number. Every BIGINT column holds epoch ms or a stream sequence,
 * far below 2^53; a value past that is corruption, and failing loudly beats rounding silently.
 * Installed per pool (not on the global `pg.types`) so no other pg user in the process changes.
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`BIGINT ${text} is outside the safe integer range`);
  return n;
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/**
 * Opens and migrates the database.
 * @throws FakeoutError FAKEOUT_ERR_DB_CONNECT when the server (or the embedded one) cannot be reached or started,
 *   FAKEOUT_ERR_DB_MIGRATION when a migration fails.
 */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const kind = opts.databaseUrl === undefined || opts.databaseUrl === '' ? 'pglite' : 'postgres';
  let embedded: EmbeddedPglite | undefined;
  let poolConfig: pg.PoolConfig;
  if (kind === 'postgres') {
    poolConfig = { connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 };
  } else {
    try {
      // One pooled connection, but the server admits two: a connection the pool just dropped
      // may not have been released by the server yet when its replacement connects. The pool
      // never holds two, so the server never interleaves two clients' messages.
      embedded = await startEmbeddedPglite(opts.dataDir, PGLITE_POOL_SIZE + 1);
    } catch (err) {
      throw new FakeoutError('FAKEOUT_ERR_DB_CONNECT', `could not start the embedded database in ${opts.dataDir}: ${String(err)}`, {
        cause: err,
        details: { kind },
      });
    }
    // Idle connections are never closed: reconnecting to PGlite buys nothing.
    poolConfig = { host: embedded.host, port: embedded.port, user: 'postgres', database: 'postgres', max: PGLITE_POOL_SIZE, idleTimeoutMillis: 0 };
  }
  // Also bounds the wait for a free pooled connection, so a query awaited inside a transaction
  // on the same pool (a deadlock with PGlite's single connection) fails instead of hanging.
  const pool = new pg.Pool({ ...poolConfig, types, connectionTimeoutMillis: CONNECTION_TIMEOUT_MS });
  pool.on('error', (err) => {
    opts.onIdleError?.(new FakeoutError('FAKEOUT_ERR_DB_CONNECT', `idle database connection failed: ${err.message}`, { cause: err }));
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      // Kysely's destroy ends the pool; the clients must be gone before the embedded server stops.
      await db.destroy();
      await embedded?.stop();
    })();
    return closed;
  };

  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await close().catch(() => undefined);
    throw new FakeoutError('FAKEOUT_ERR_DB_CONNECT', `could not connect to the ${kind} database: ${(err as Error).message}`, {
      cause: err,
      details: { kind },
    });
  }
  try {
    await migrateToLatest(db);
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return { db, kind, close };
}
