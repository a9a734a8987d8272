/**
 * `raw_events`: the RAW stream mirrored into Postgres, append-only and hash-chained in seq order
 * (see hash-chain.ts). The database refuses UPDATE, DELETE and TRUNCATE; this module only appends
 * and reads.
 */
import { sql } from 'kysely';
import { FakeoutError } from '../../actors/domain/errors.ts';
import type { RawEnvelope } from '../../actors/domain/messages.ts';
import { withDbErrors } from './db-errors.ts';
import { GENESIS_SHA, type ChainLink, chainRow, sha256Hex, canonicalJson } from './hash-chain.ts';
import type { Db, NewRawEventRow } from './schema.ts';
import { chunks, inTransaction } from './transaction.ts';

/** One RAW stream message to archive: its stream sequence and the envelope it carried. */
export interface RawEventInput {
  seq: number;
  envelope: RawEnvelope;
}

/** Rows per query of the (rare) redelivery check, and per page of {@link verifyRawChain}. */
const CHECK_CHUNK = 500;
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
 * Round trips, whatever the batch size (the archiver's hot path, docs/benchmarks.md): the lock;
 * one read of the tail together with which of the batch's ids are already stored; one INSERT of
 * every row as column arrays (`unnest`, 11 parameters, not 11 per row); plus the check of
 * already-stored seqs, only when the batch holds some (a redelivery).
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
      // POLICY: its own statement, before the tail is read: a statement's snapshot is taken when
      // it starts, so a tail read in the statement that waited for the lock could be stale.
      await sql`SELECT pg_advisory_xact_lock(${RAW_CHAIN_LOCK}::bigint)`.execute(trx);
      const head = await readTailAndIds(trx, rows.map((r) => r.envelope.id));
      const tailSeq = head.tailSeq ?? Number.NEGATIVE_INFINITY;
      let sha = head.tailSha ?? GENESIS_SHA;

      const sorted = [...rows].sort((a, b) => a.seq - b.seq);
      const old = sorted.filter((r) => r.seq <= tailSeq);
      const fresh = sorted.filter((r) => r.seq > tailSeq);
      await checkAlreadyStored(trx, old);
      if (prevSha !== undefined && old.length === 0 && prevSha !== sha) {
        throw new FakeoutError('FAKEOUT_ERR_DB_CHAIN', `raw_events tail is ${sha.slice(0, 12)}…, not the expected ${prevSha.slice(0, 12)}…`, {
          details: { tailSeq: head.tailSeq },
        });
      }

      // Every id of the batch that is stored, under any seq: for a fresh row that is exactly
      // "published again after the duplicate window" (an old row's id is stored under its own seq).
      const storedIds = head.storedIds;
      const cols = emptyColumns();
      let lastSeq = tailSeq;
      for (const { seq, envelope } of fresh) {
        if (seq === lastSeq) throw new FakeoutError('FAKEOUT_ERR_DB_CHAIN', `seq ${seq} appears twice in one batch`, { details: { seq } });
        lastSeq = seq;
        if (storedIds.has(envelope.id)) continue;
        storedIds.add(envelope.id);
        const link = chainRow(sha, envelope);
        sha = link.row_sha256;
        pushRow(cols, seq, envelope, link);
      }
      const inserted = cols.seq.length === 0 ? 0n : await insertColumns(trx, cols);
      // Under the lock nothing can conflict; if something did, the chain computed above would name
      // a row that is not there, so roll the whole batch back instead.
      if (inserted !== BigInt(cols.seq.length)) {
        throw new FakeoutError('FAKEOUT_ERR_DB_CHAIN', `expected to insert ${cols.seq.length} raw events, inserted ${inserted}`);
      }
      return sha;
    }),
  );
}

/** The stored tail (seq and row_sha256, null when empty) and which of `ids` are stored: one round trip. */
async function readTailAndIds(trx: Db, ids: readonly string[]): Promise<{ tailSeq: number | null; tailSha: string | null; storedIds: Set<string> }> {
  const { rows } = await sql<{ tail_seq: number | null; tail_sha: string | null; ids: string[] }>`
    SELECT (SELECT seq FROM raw_events ORDER BY seq DESC LIMIT 1) AS tail_seq,
           (SELECT row_sha256 FROM raw_events ORDER BY seq DESC LIMIT 1) AS tail_sha,
           ARRAY(SELECT id FROM raw_events WHERE id = ANY(${[...ids]}::text[])) AS ids`.execute(trx);
  const row = rows[0]!;
  return { tailSeq: row.tail_seq, tailSha: row.tail_sha, storedIds: new Set(row.ids) };
}

/** The rows to insert, one array per column (the parameters of the `unnest` INSERT). */
type RawColumns = { [K in keyof Omit<NewRawEventRow, 'stored_at'>]-?: NonNullable<NewRawEventRow[K]>[] };

function emptyColumns(): RawColumns {
  return { seq: [], id: [], source: [], symbol: [], kind: [], event_ts: [], received_at: [], envelope: [], content_sha256: [], prev_sha256: [], row_sha256: [] };
}

function pushRow(cols: RawColumns, seq: number, envelope: RawEnvelope, link: ChainLink): void {
  const d = derivedColumns(envelope);
  cols.seq.push(seq);
  cols.id.push(d.id);
  cols.source.push(d.source);
  cols.symbol.push(d.symbol);
  cols.kind.push(d.kind);
  cols.event_ts.push(d.event_ts);
  cols.received_at.push(d.received_at);
  cols.envelope.push(JSON.stringify(envelope));
  cols.content_sha256.push(link.content_sha256);
  cols.prev_sha256.push(link.prev_sha256);
  cols.row_sha256.push(link.row_sha256);
}

/**
 * One INSERT for the whole batch: each column is one array parameter and `unnest` zips them
 * back into rows, so the statement has 11 parameters however many rows (a VALUES list has 11
 * per row: slow to build and to plan, and capped at 65 535 parameters). Returns the rows inserted.
 *
 * The envelopes go as one JSON array text (`jsonb_array_elements`), not as a `jsonb[]`: the pg
 * driver writes an array parameter as an array literal, escaping every `"` and `\` of every
 * element, and the envelope is mostly quotes (1.3% of a replay's CPU profile, docs/benchmarks.md
 * session 22). `ROWS FROM` zips the functions' rows by position, as the many-argument `unnest`
 * does; the JSON text is each envelope's `JSON.stringify`, joined, so the stored jsonb is the same.
 */
async function insertColumns(trx: Db, c: RawColumns): Promise<bigint> {
  const envelopes = `[${c.envelope.join(',')}]`;
  const res = await sql`
    INSERT INTO raw_events (seq, id, source, symbol, kind, event_ts, received_at, envelope, content_sha256, prev_sha256, row_sha256)
    SELECT * FROM ROWS FROM (unnest(${c.seq}::bigint[]), unnest(${c.id}::text[]), unnest(${c.source}::text[]), unnest(${c.symbol}::text[]),
                             unnest(${c.kind}::text[]), unnest(${c.event_ts}::bigint[]), unnest(${c.received_at}::bigint[]),
                             jsonb_array_elements(${envelopes}::jsonb),
                             unnest(${c.content_sha256}::text[]), unnest(${c.prev_sha256}::text[]), unnest(${c.row_sha256}::text[]))
    ON CONFLICT DO NOTHING`.execute(trx);
  return res.numAffectedRows ?? 0n;
}

/** Every row at or below the tail must already be stored, under its seq or (skipped duplicate) its id. */
async function checkAlreadyStored(trx: Db, old: readonly RawEventInput[]): Promise<void> {
  for (const chunk of chunks(old, CHECK_CHUNK)) {
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
  if (ids.length === 0) return found;
  const rows = await trx.selectFrom('raw_events').select('id').where('id', '=', sql<string>`ANY(${[...ids]}::text[])`).execute();
  for (const r of rows) found.add(r.id);
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
