/** `stage_checkpoints`: where each stage resumes (last stream seq handled, plus its own state). */
import { sql } from 'kysely';
import { withDbErrors } from './db-errors.ts';
import type { Db } from './schema.ts';

/** A stage's saved position and state. */
export interface Checkpoint<S> {
  lastSeq: number;
  state: S;
}

/**
 * A stage state held as a head plus keyed parts (migration 0009, docs/architecture.md
 * "Checkpoints in parts"): `head` is the state without its array field `field`, whose items are
 * the parts, in `ord` order. `changed`: only the parts that changed since the previous capture
 * (every part on a processor's first capture), so a batch rewrites what it touched, not the whole.
 */
export interface CheckpointParts {
  head: Record<string, unknown>;
  field: string;
  changed: readonly { key: string; ord: number; state: unknown }[];
}

/** A checkpoint serialised between batches: the whole state, or a head (naming its parts field) and the changed parts. */
export interface CheckpointText {
  json: string;
  parts?: readonly { key: string; ord: number; json: string }[] | undefined;
}

/** The head field that names the array its parts join back into. */
export const PARTS_FIELD = '$parts';

/** The text of a head and its changed parts. Pure. */
export function checkpointText(parts: CheckpointParts): CheckpointText {
  if (PARTS_FIELD in parts.head || parts.field in parts.head) throw new Error(`checkpoint head must not hold ${PARTS_FIELD} or its parts field ${parts.field}`);
  return {
    json: JSON.stringify({ ...parts.head, [PARTS_FIELD]: parts.field }),
    parts: parts.changed.map((p) => ({ key: p.key, ord: p.ord, json: JSON.stringify(p.state) })),
  };
}

/** The parts of the items in `dirty`, which it then empties: what a processor's `checkpointParts()` hands over. Pure. */
export function takeParts<T, S>(dirty: Set<T>, part: (item: T) => { key: string; ord: number; state: S }): { key: string; ord: number; state: S }[] {
  const changed = [...dirty].map(part);
  dirty.clear();
  return changed;
}

/**
 * The checkpoint of `stage`, or undefined when it never saved one. A state saved in parts comes
 * back joined: the head with its parts field holding every part in `ord` order, the same value
 * the processor's `snapshot()` gave.
 */
export async function loadCheckpoint<S>(db: Db, stage: string): Promise<Checkpoint<S> | undefined> {
  return withDbErrors(`load checkpoint ${stage}`, async () => {
    const row = await db.selectFrom('stage_checkpoints').select(['last_seq', 'state']).where('stage', '=', stage).executeTakeFirst();
    if (row === undefined) return undefined;
    const state = row.state as Record<string, unknown> | null;
    const field = state !== null && typeof state === 'object' && !Array.isArray(state) ? state[PARTS_FIELD] : undefined;
    if (typeof field !== 'string') return { lastSeq: row.last_seq, state: row.state as S };
    const parts = await db.selectFrom('stage_checkpoint_parts').select('state').where('stage', '=', stage).orderBy('ord').execute();
    const { [PARTS_FIELD]: _marker, ...head } = state!;
    return { lastSeq: row.last_seq, state: { ...head, [field]: parts.map((p) => p.state) } as S };
  });
}

/** Rows per statement when saving parts (4 parameters each, far under Postgres's 65,535). */
const PARTS_PER_STATEMENT = 500;

/**
 * Saves a serialised checkpoint: the head row, then the changed parts (upserted by key). Call it
 * in the same transaction as the effects it covers. Parts are never deleted: the stages that save
 * in parts never drop a series.
 */
export async function saveCheckpointText(db: Db, stage: string, lastSeq: number, cp: CheckpointText): Promise<void> {
  await saveCheckpointJson(db, stage, lastSeq, cp.json);
  const parts = cp.parts ?? [];
  for (let i = 0; i < parts.length; i += PARTS_PER_STATEMENT) {
    const rows = parts.slice(i, i + PARTS_PER_STATEMENT).map((p) => ({ stage, key: p.key, ord: p.ord, state: p.json }));
    await withDbErrors(`save checkpoint parts ${stage}`, async () => {
      await db
        .insertInto('stage_checkpoint_parts')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['stage', 'key']).doUpdateSet((eb) => ({
            ord: eb.ref('excluded.ord'),
            state: eb.ref('excluded.state'),
            updated_at: sql<Date>`now()`,
          })),
        )
        .execute();
    });
  }
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
        oc.column('stage').doUpdateSet((eb) => ({
          last_seq: eb.ref('excluded.last_seq'),
          // the row's own value: the JSON is sent once, not twice (370 kB for 100 symbols' features)
          state: eb.ref('excluded.state'),
          // the database clock, not the process's: one clock for every stored instant of this kind
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
  });
}
