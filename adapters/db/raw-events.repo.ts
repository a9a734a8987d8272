/**
 * `raw_events`: the RAW stream mirrored into Postgres, append-only and hash-chained in seq order
 * (see hash-chain.ts). The database refuses UPDATE, DELETE and TRUNCATE; this module only appends
 * and reads.
 */
import { sql } from 'kysely';
import { FakeoutError } from '../../actors/domain/errors.ts';
import type { RawEnvelope } from '../../actors/domain/messages.ts';
import { withDbErrors } from './db-errors.ts';
import { GENESIS_SHA, chainRow, sha256Hex, canonicalJson } from './hash-chain.ts';
import type { Db, NewRawEventRow } from './schema.ts';
import { chunks, inTransaction } from './transaction.ts';

/** One RAW stream message to archive: its stream sequence and the envelope it carried. */
export interface RawEventInput {
  seq: number;
  envelope: RawEnvelope;
}

/** 11 bound parameters per row: 500 rows stay far below Postgres' 65 535. */
const INSERT_CHUNK = 500;
const VERIFY_PAGE = 1000;
/**
 * The advisory lock key that serialises appenders ("fkraw" as ASCII). Two appenders reading the
 * same tail would fork the chain; under the lock the second sees the first's rows.
 */
const RAW_CHAIN_LOCK = 0x666b726177;

/** The columns derived from an envelope, so a reader need not parse JSONB to filter. */
function derivedColumns(env: RawEnvelope) {
  return {
    id: env.id,
    source: env.source,
    symbol: env.event.symbol,
    kind: env.event.kind,
    event_ts: env.event.ts,
    received_at: env.receivedAt,
  };
}

/**
 * Appends RAW messages and returns the `row_sha256` of the chain's last row afterwards.
 *
 * Idempotent by design, because the archiver may see a message again after a crash:
 * - a row whose seq is already stored with the same envelope id is skipped (redelivery);
 * - a row whose envelope id is already stored under another seq is skipped (the same event
 *   published again after the RAW duplicate window): `raw_events` keeps each id once, at its
 *   first seq, so `ON CONFLICT` never has to silently drop a row the chain was computed over.
 *
 * POLICY: rows are chained in seq order and only ever after the stored tail, under an advisory
 * transaction lock; the tail is read from the database, never trusted from the caller.
 *
 * @param prevSha optional cross-check: the tail the caller believes in (from {@link lastRawChainSha}
 *   or the previous call). When the batch contains no already-stored seq and it differs from the
 *   stored tail, another writer or a stale cache is at work: FAKEOUT_ERR_DB_CHAIN, nothing written.
 * @throws FakeoutError FAKEOUT_ERR_DB_CHAIN when a seq at or below the tail is not stored (out of
 *   order) or holds a different envelope id (the RAW stream was recreated), or on a prevSha mismatch.
 */
export async function appendRawEvents(db: Db, rows: readonly RawEventInput[], prevSha?: string): Promise<string> {
  return withDbErrors('append raw events', () =>
    inTransaction(db, async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${RAW_CHAIN_LOCK}::bigint)`.execute(trx);
      const tail = await trx.selectFrom('raw_events').select(['seq', 'row_sha256']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const tailSeq = tail?.seq ?? Number.NEGATIVE_INFINITY;
      let sha = tail?.row_sha256 ?? GENESIS_SHA;

      const sorted = [...rows].sort((a, b) => a.seq - b.seq);
      const old = sorted.filter((r) => r.seq <= tailSeq);
      const fresh = sorted.filter((r) => r.seq > tailSeq);
      await checkAlreadyStored(trx, old);
      if (prevSha !== undefined && old.length === 0 && prevSha !== sha) {
        throw new FakeoutError('FAKEOUT_ERR_DB_CHAIN', `raw_events tail is ${sha.slice(0, 12)}…, not the expected ${prevSha.slice(0, 12)}…`, {
          details: { tailSeq: tail?.seq ?? null },
        });
      }

      const storedIds = await existingIds(trx, fresh.map((r) => r.envelope.id));
      const toInsert: NewRawEventRow[] = [];
      let lastSeq = tailSeq;
      for (const { seq, envelope } of fresh) {
        if (seq === lastSeq) throw new FakeoutError('FAKEOUT_ERR_DB_CHAIN', `seq ${seq} appears twice in one batch`, { details: { seq } });
        lastSeq = seq;
        if (storedIds.has(envelope.id)) continue;
        storedIds.add(envelope.id);
        const link = chainRow(sha, envelope);
        sha = link.row_sha256;
        toInsert.push({ seq, ...derivedColumns(envelope), envelope: JSON.stringify(envelope), ...link });
      }

      let inserted = 0n;
      for (const chunk of chunks(toInsert, INSERT_CHUNK)) {
        const res = await trx.insertInto('raw_events').values(chunk).onConflict((oc) => oc.doNothing()).executeTakeFirst();
        inserted += res.numInsertedOrUpdatedRows ?? 0n;
      }
      // Under the lock nothing can conflict; if something did, the chain computed above would name
      // a row that is not there, so roll the whole batch back instead.
      if (inserted !== BigInt(toInsert.length)) {
        throw new FakeoutError('FAKEOUT_ERR_DB_CHAIN', `expected to insert ${toInsert.length} raw events, inserted ${inserted}`);
      }
      return sha;
    }),
  );
}

/** Every row at or below the tail must already be stored, under its seq or (skipped duplicate) its id. */
async function checkAlreadyStored(trx: Db, old: readonly RawEventInput[]): Promise<void> {
  for (const chunk of chunks(old, INSERT_CHUNK)) {
    const bySeq = new Map(
      (
        await trx
          .selectFrom('raw_events')
          .select(['seq', 'id'])
          .where('seq', 'in', chunk.map((r) => r.seq))
          .execute()
      ).map((r) => [r.seq, r.id]),
    );
    const ids = await existingIds(trx, chunk.map((r) => r.envelope.id));
    for (const { seq, envelope } of chunk) {
      const storedId = bySeq.get(seq);
      if (storedId === envelope.id) continue;
      if (storedId !== undefined) {
        throw new FakeoutError('FAKEOUT_ERR_DB_CHAIN', `raw_events seq ${seq} holds ${storedId}, not ${envelope.id}: was the RAW stream recreated?`, {
          details: { seq, storedId, id: envelope.id },
        });
      }
      if (!ids.has(envelope.id)) {
        throw new FakeoutError('FAKEOUT_ERR_DB_CHAIN', `raw event seq ${seq} arrived after the chain passed it`, { details: { seq, id: envelope.id } });
      }
    }
  }
}

async function existingIds(trx: Db, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const chunk of chunks(ids, INSERT_CHUNK * 4)) {
    const rows = await trx.selectFrom('raw_events').select('id').where('id', 'in', chunk).execute();
    for (const r of rows) found.add(r.id);
  }
  return found;
}

/** The `row_sha256` of the last row by seq, or {@link GENESIS_SHA} when the table is empty. */
export async function lastRawChainSha(db: Db): Promise<string> {
  const row = await withDbErrors('read the raw chain tail', () =>
    db.selectFrom('raw_events').select('row_sha256').orderBy('seq', 'desc').limit(1).executeTakeFirst(),
  );
  return row?.row_sha256 ?? GENESIS_SHA;
}

/** The highest archived RAW seq, or undefined when nothing is archived (where an archiver resumes). */
export async function lastRawSeq(db: Db): Promise<number | undefined> {
  const row = await withDbErrors('read the last raw seq', () =>
    db.selectFrom('raw_events').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst(),
  );
  return row?.seq;
}

/** How many raw events are archived. */
export async function countRawEvents(db: Db): Promise<number> {
  const row = await withDbErrors('count raw events', () =>
    db.selectFrom('raw_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  );
  return row.n;
}

/** The outcome of {@link verifyRawChain}. */
export interface RawChainReport {
  ok: boolean;
  /** rows examined: all of them when ok, up to and including the first bad one otherwise */
  rows: number;
  /** the first seq whose hashes, link or derived columns do not match */
  firstBadSeq?: number;
}

/**
 * Recomputes the whole chain in seq order, a page at a time (memory stays flat however long the
 * table): each row's content hash from its envelope, its link to the row before, its own hash,
 * and that the filterable columns still say what the envelope says.
 *
 * What it cannot see: removal of the LAST rows (nothing links to them). The integrity auditor's
 * reconciliation against the RAW stream covers that.
 */
export async function verifyRawChain(db: Db): Promise<RawChainReport> {
  return withDbErrors('verify the raw chain', async () => {
    let prev = GENESIS_SHA;
    let after = Number.NEGATIVE_INFINITY;
    let rows = 0;
    for (;;) {
      let q = db.selectFrom('raw_events').selectAll().orderBy('seq').limit(VERIFY_PAGE);
      if (Number.isFinite(after)) q = q.where('seq', '>', after);
      const page = await q.execute();
      for (const row of page) {
        rows += 1;
        const content = sha256Hex(canonicalJson(row.envelope));
        // A tampered envelope may lack any field, so read it defensively.
        const env = row.envelope as { id?: unknown; source?: unknown; receivedAt?: unknown; event?: Record<string, unknown> } | null;
        const columnsMatch =
          row.id === env?.id &&
          row.source === env?.source &&
          row.symbol === env?.event?.symbol &&
          row.kind === env?.event?.kind &&
          row.event_ts === env?.event?.ts &&
          row.received_at === env?.receivedAt;
        if (!columnsMatch || row.content_sha256 !== content || row.prev_sha256 !== prev || row.row_sha256 !== sha256Hex(prev + content)) {
          return { ok: false, rows, firstBadSeq: row.seq };
        }
        prev = row.row_sha256;
        after = row.seq;
      }
      if (page.length < VERIFY_PAGE) return { ok: true, rows };
    }
  });
}
