/**
 * Two processes migrating the same fresh Postgres database at once (split roles: a pipeline and a
 * gateway process started together): migrateToLatest holds a session advisory lock around the
 * whole migrator (adapters/db/migrate.ts), so one applies every migration and the other, once it
 * gets the lock, finds nothing to do; neither fails, nothing is applied twice.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase } from '../../adapters/db/database.ts';
import { knownMigrations, migrateToLatest } from '../../adapters/db/migrate.ts';
import { createEmptyPostgresDatabase } from '../helpers/database.ts';

const s = suite('migrations from two processes at once (postgres)');
const ROUNDS = 4;

const kysely = (url: string) => new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });

s(`${ROUNDS} fresh databases, two migrators started together on each: one applies all, the other none, none fails`, async () => {
  const all = knownMigrations();
  for (let round = 0; round < ROUNDS; round++) {
    const fresh = await createEmptyPostgresDatabase();
    const [a, b] = [kysely(fresh.url), kysely(fresh.url)];
    try {
      const results = await Promise.allSettled([migrateToLatest(a), migrateToLatest(b)]);
      const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      assert.equal(failed, [], `round ${round}: a migrator failed`);
      const applied = results.map((r) => (r as PromiseFulfilledResult<string[]>).value).sort((x, y) => x.length - y.length);
      assert.equal(applied, [[], all], `round ${round}: one applies every migration, the other none`);
      const rows = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(a);
      assert.equal(rows.rows.map((r) => r.name), all);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
      await fresh.drop();
    }
  }
});

s('two whole openDatabase calls at once on a fresh database both open a migrated database', async () => {
  const fresh = await createEmptyPostgresDatabase();
  const opened = await Promise.allSettled([openDatabase({ databaseUrl: fresh.url, dataDir: '/nonexistent' }), openDatabase({ databaseUrl: fresh.url, dataDir: '/nonexistent' })]);
  try {
    assert.equal(opened.map((r) => r.status), ['fulfilled', 'fulfilled'], opened.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join('; '));
    for (const r of opened) {
      const { db } = (r as PromiseFulfilledResult<Awaited<ReturnType<typeof openDatabase>>>).value;
      const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM kysely_migration`.execute(db);
      assert.is(rows.rows[0]!.n, knownMigrations().length);
    }
  } finally {
    for (const r of opened) if (r.status === 'fulfilled') await r.value.close();
    await fresh.drop();
  }
});

s.run();
