/** `ingest_progress`: how far a replay file has been published, so an interrupted ingest resumes. */
import { sql } from 'kysely';
import { withDbErrors } from './db-errors.ts';
import type { Db } from './schema.ts';

/** Progress through one replay file. */
export interface IngestProgress {
  /**
   * the replay key (`ReplayFile.replayKey`): sha256 hex of the file bytes, whatever the file is
   * called, or of the bytes with the symbol and format when the file is replayed as something other
   * than what fakeout reads it as by itself (column `file_key`)
   */
  fileKey: string;
  fileName: string;
  /** lines read (good and bad) */
  linesDone: number;
  /** events acknowledged by the RAW stream */
  published: number;
  badRows: number;
  done: boolean;
  /** set by the database on every save; ignored when saving */
  updatedAt?: Date;
}

/** The progress saved for `fileKey`, or undefined for a file never seen. */
export async function getIngestProgress(db: Db, fileKey: string): Promise<IngestProgress | undefined> {
  return withDbErrors('read ingest progress', async () => {
    const r = await db.selectFrom('ingest_progress').selectAll().where('file_key', '=', fileKey).executeTakeFirst();
    if (r === undefined) return undefined;
    return {
      fileKey: r.file_key,
      fileName: r.file_name,
      linesDone: r.lines_done,
      published: r.published,
      badRows: r.bad_rows,
      done: r.done,
      updatedAt: r.updated_at,
    };
  });
}

/** Inserts or replaces the progress of `row.fileKey`. */
export async function saveIngestProgress(db: Db, row: IngestProgress): Promise<void> {
  await withDbErrors('save ingest progress', async () => {
    const values = {
      file_name: row.fileName,
      lines_done: row.linesDone,
      published: row.published,
      bad_rows: row.badRows,
      done: row.done,
    };
    await db
      .insertInto('ingest_progress')
      .values({ file_key: row.fileKey, ...values })
      .onConflict((oc) => oc.column('file_key').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
      .execute();
  });
}
