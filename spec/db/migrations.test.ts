import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { insertBars, listBars } from '../../adapters/db/bars.repo.ts';
import { knownMigrations, migrateToLatest } from '../../adapters/db/migrate.ts';
import { type TestDatabase, createTestDatabase, testDatabaseKinds } from '../helpers/database.ts';
import { bar } from './fixtures.ts';

const TABLES = ['audit_log', 'auth_state', 'bars', 'broker_orders', 'broker_state', 'config_proposals', 'config_versions', 'dashboard_sessions', 'fills', 'ingest_progress', 'integrity_progress', 'monitor_states', 'orders', 'positions', 'raw_events', 'scores', 'signal_liquidity', 'signals', 'stage_checkpoint_parts', 'stage_checkpoints', 'totp_enrolments', 'users'];

for (const kind of testDatabaseKinds) {
  const s = suite<{ t: TestDatabase }>(`migrations (${kind})`);
  s.before(async (ctx) => {
    ctx.t = await createTestDatabase(kind);
  });
  s.after(async (ctx) => ctx.t?.cleanup());

  s('opening a new database creates every table and the append-only triggers', async ({ t }) => {
    const { db, kind: actual } = t.database;
    assert.is(actual, kind);
    const tables = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_%' ORDER BY table_name`.execute(db);
    assert.equal(tables.rows.map((r) => r.table_name), TABLES);
    const triggers = await sql<{ tgname: string }>`
      SELECT tgname FROM pg_trigger WHERE tgrelid = 'raw_events'::regclass AND NOT tgisinternal`.execute(db);
    assert.equal(triggers.rows.map((r) => r.tgname), ['raw_events_append_only']);
    const auditTriggers = await sql<{ tgname: string }>`
      SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND NOT tgisinternal`.execute(db);
    assert.equal(auditTriggers.rows.map((r) => r.tgname), ['audit_log_append_only']);
    const configTriggers = await sql<{ tgname: string }>`
      SELECT tgname FROM pg_trigger WHERE tgrelid = 'config_versions'::regclass AND NOT tgisinternal`.execute(db);
    assert.equal(configTriggers.rows.map((r) => r.tgname), ['config_versions_append_only']);
    const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
    assert.equal(applied.rows.map((r) => r.name), knownMigrations());
  });

  s('opening the same storage again applies nothing and keeps the data', async ({ t }) => {
    await insertBars(t.database.db, [bar('BTCUSDT', 1)]);
    const db = (await t.reopen()).db;
    assert.equal(await migrateToLatest(db), []);
    const applied = await sql<{ n: number }>`SELECT count(*)::int AS n FROM kysely_migration`.execute(db);
    assert.is(applied.rows[0]?.n, knownMigrations().length);
    assert.equal(await listBars(db, { symbol: 'BTCUSDT', timeframe: '1m' }), [bar('BTCUSDT', 1)]);
  });

  s.run();
}
