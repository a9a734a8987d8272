/** `stage_checkpoints`: where each stage resumes (last stream seq handled, plus its own state). */
import { sql } from 'kysely';
import { withDbErrors } from './db-errors.ts';
import type { Db } from './schema.ts';

/** A stage's saved position and state. */
export interface Checkpoint<S> {
  lastSeq: number;
  state: S;
}

/** The checkpoint of `stage`, or undefined when it never saved one. */
export async function loadCheckpoint<S>(db: Db, stage: string): Promise<Checkpoint<S> | undefined> {
  return withDbErrors(`load checkpoint ${stage}`, async () => {
    const row = await db.selectFrom('stage_checkpoints').select(['last_seq', 'state']).where('stage', '=', stage).executeTakeFirst();
    return row === undefined ? undefined : { lastSeq: row.last_seq, state: row.state as S };
  });
}

/**
 * Saves (inserts or replaces) the checkpoint of `stage`. `state` must be JSON-serialisable.
 * Call it in the same transaction as the effects it covers, so both or neither are durable.
 */
export async function saveCheckpoint<S>(db: Db, stage: string, lastSeq: number, state: S): Promise<void> {
  await saveCheckpointJson(db, stage, lastSeq, JSON.stringify(state));
}

/** {@link saveCheckpoint} with the state already serialised (`json`: JSON text), as the stage runner captures it between batches. */
export async function saveCheckpointJson(db: Db, stage: string, lastSeq: number, json: string): Promise<void> {
  await withDbErrors(`save checkpoint ${stage}`, async () => {
    await db
      .insertInto('stage_checkpoints')
      .values({ stage, last_seq: lastSeq, state: json })
      .onConflict((oc) =>
        oc.column('stage').doUpdateSet({
          last_seq: lastSeq,
          state: json,
          // the database clock, not the process's: one clock for every stored instant of this kind
          updated_at: sql<Date>`now()`,
        }),
      )
      .execute();
  });
}
