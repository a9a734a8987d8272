/**
 * The first schema: the archived RAW stream (append-only, hash-chained), the pipeline's outputs
 * (bars, scores, signals) and the bookkeeping that makes restarts resume (stage checkpoints,
 * replay-file progress).
 *
 * POLICY: a migration that has shipped is never edited; change the schema with a new file.
 */
import { type Kysely, sql } from 'kysely';
import { APPEND_ONLY_SQLSTATE } from '../db-errors.ts';

/** Applies the foundation schema. Takes `Kysely<any>` because a migration must not depend on today's Schema type. */
export async function up(db: Kysely<any>): Promise<void> {
  // BIGINT for seq and every instant: epoch ms overflow int4 in 1970 + 24.8 days.
  await db.schema
    .createTable('raw_events')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('event_ts', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('envelope', 'jsonb', (c) => c.notNull())
    .addColumn('content_sha256', 'text', (c) => c.notNull())
    .addColumn('prev_sha256', 'text', (c) => c.notNull())
    .addColumn('row_sha256', 'text', (c) => c.notNull())
    .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // POLICY: raw_events is append-only in the database itself, not just in the code, so a bug or a
  // hand-typed statement cannot rewrite history. Statement-level, so even an UPDATE that matches
  // no row is refused. The custom SQLSTATE lets db-errors.ts classify it without reading text.
  await sql`
    CREATE FUNCTION fakeout_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = ${sql.lit(APPEND_ONLY_SQLSTATE)},
              HINT = 'rows are hash-chained; record a correction by appending, never by rewriting';
    END
    $fn$`.execute(db);
  await sql`
    CREATE TRIGGER raw_events_append_only
      BEFORE UPDATE OR DELETE OR TRUNCATE ON raw_events
      FOR EACH STATEMENT EXECUTE FUNCTION fakeout_refuse_change()`.execute(db);

  await db.schema
    .createTable('bars')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('timeframe', 'text', (c) => c.notNull())
    .addColumn('open_time', 'bigint', (c) => c.notNull())
    .addColumn('close_time', 'bigint', (c) => c.notNull())
    .addColumn('open', 'double precision', (c) => c.notNull())
    .addColumn('high', 'double precision', (c) => c.notNull())
    .addColumn('low', 'double precision', (c) => c.notNull())
    .addColumn('close', 'double precision', (c) => c.notNull())
    .addColumn('volume', 'double precision', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('bars_symbol_timeframe_open_time').on('bars').columns(['symbol', 'timeframe', 'open_time']).execute();

  await db.schema
    .createTable('scores')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('timeframe', 'text', (c) => c.notNull())
    .addColumn('open_time', 'bigint', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('direction', 'text')
    .addColumn('components', 'jsonb', (c) => c.notNull())
    .addColumn('features', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scores_symbol_open_time').on('scores').columns(['symbol', 'open_time']).execute();

  await db.schema
    .createTable('signals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('timeframe', 'text', (c) => c.notNull())
    .addColumn('open_time', 'bigint', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('entry', 'double precision', (c) => c.notNull())
    .addColumn('stop', 'double precision', (c) => c.notNull())
    .addColumn('target', 'double precision', (c) => c.notNull())
    .addColumn('features', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('signals_symbol_open_time').on('signals').columns(['symbol', 'open_time']).execute();

  await db.schema
    .createTable('stage_checkpoints')
    .addColumn('stage', 'text', (c) => c.primaryKey())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('ingest_progress')
    .addColumn('file_key', 'text', (c) => c.primaryKey())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('lines_done', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('published', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('bad_rows', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('done', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

/** Drops everything {@link up} created (for development resets; production never migrates down). */
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['ingest_progress', 'stage_checkpoints', 'signals', 'scores', 'bars', 'raw_events']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`DROP FUNCTION IF EXISTS fakeout_refuse_change()`.execute(db);
}
