/**
 * `audit_log`: who did what, when, to what; append-only in the database and hash-chained in seq
 * order with the same rule as raw_events (hash-chain.ts). This module only appends and reads.
 *
 * A row's content is the canonical JSON of `{ seq, at, actor, action, subject, before, after,
 * details }` (absent values as null), so every column a person reads is covered by the chain,
 * its seq included: renumbering rows to hide a deletion breaks it too.
 */
import { sql } from 'kysely';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { withDbErrors } from './db-errors.ts';
import { GENESIS_SHA, canonicalJson, chainRow, sha256Hex } from './hash-chain.ts';
import type { AuditLogRow, Db } from './schema.ts';
import { inTransaction } from './transaction.ts';

/** What a caller records. `at` comes from the caller's injected clock. */
export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  subject?: string | null;
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
}

/** One stored entry, as read back. */
export interface AuditRecord {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  before: unknown;
  after: unknown;
  details: Record<string, unknown>;
  rowSha256: string;
}

/**
 * The advisory lock key that serialises audit appenders ("fkaud" as ASCII), distinct from the
 * raw chain's: two appenders reading the same tail would fork the chain.
 */
const AUDIT_CHAIN_LOCK = 0x666b617564;
const VERIFY_PAGE = 1000;
export const MAX_AUDIT_TAIL = 10_000;

/** The object whose canonical JSON is a row's content (hash-chain.ts `chainRow`). */
export function auditContent(r: Omit<AuditRecord, 'rowSha256'>): Record<string, unknown> {
  return { seq: r.seq, at: r.at, actor: r.actor, action: r.action, subject: r.subject, before: r.before, after: r.after, details: r.details };
}

function invalid(field: string, message: string): never {
  throw new FakeoutError('FAKEOUT_ERR_AUDIT_INVALID', `audit entry ${field}: ${message}; nothing was appended`, { details: { field } });
}

/** The JSON value as it will be stored and read back (undefined members dropped, Dates as text…). */
function asStored(field: string, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  try {
    return JSON.parse(canonicalJson(value)) as unknown;
  } catch (err) {
    return invalid(field, `not representable as JSON (${(err as Error).message})`);
  }
}

function normalise(entry: AuditEntry): Omit<AuditRecord, 'seq' | 'rowSha256'> {
  if (!Number.isSafeInteger(entry.at) || entry.at < 0) invalid('at', `expected epoch milliseconds, got ${String(entry.at)}`);
  if (typeof entry.actor !== 'string' || entry.actor.trim() === '') invalid('actor', 'expected a non-empty name');
  if (typeof entry.action !== 'string' || entry.action.trim() === '') invalid('action', 'expected a non-empty name');
  if (entry.subject !== undefined && entry.subject !== null && typeof entry.subject !== 'string') invalid('subject', 'expected text');
  const details = asStored('details', entry.details ?? {});
  if (details === null || typeof details !== 'object' || Array.isArray(details)) invalid('details', 'expected an object');
  return {
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject ?? null,
    before: asStored('before', entry.before),
    after: asStored('after', entry.after),
    details: details as Record<string, unknown>,
  };
}

/**
 * Appends one entry after the stored tail and returns it as stored (`appendAudits` of one).
 *
 * POLICY: call it with the transaction that makes the audited change, so the entry and the
 * change commit or roll back together. Appenders serialise on an advisory transaction lock and
 * read the tail under it, so concurrent appends (any process, same database) keep one chain.
 * @throws FakeoutError FAKEOUT_ERR_AUDIT_INVALID naming the field, before anything is written.
 */
export async function appendAudit(tx: Db, entry: AuditEntry): Promise<AuditRecord> {
  return (await appendAudits(tx, [entry]))[0]!;
}

/** Rows per INSERT in `appendAudits` (11 parameters each, far below Postgres' 65,535). */
const AUDIT_INSERT_CHUNK = 500;

/**
 * Appends the entries, in order, after the stored tail: one lock, one tail read and one INSERT
 * per 500 rows however many there are (the gateway audits every skipped signal of a batch).
 * Same POLICY as `appendAudit`; every entry is validated before anything is written, so one bad
 * entry appends none of them.
 * @throws FakeoutError FAKEOUT_ERR_AUDIT_INVALID naming the field (and, for several, the index).
 */
export async function appendAudits(tx: Db, entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
  const bases = entries.map((entry, i) => {
    try {
      return normalise(entry);
    } catch (err) {
      if (!(err instanceof FakeoutError) || entries.length === 1) throw err;
      throw new FakeoutError(err.code, `${err.message} (entry ${i} of ${entries.length})`, { details: { ...err.info, index: i } });
    }
  });
  if (bases.length === 0) return [];
  return withDbErrors('append to the audit log', () =>
    inTransaction(tx, async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK}::bigint)`.execute(trx);
      const tail = await trx.selectFrom('audit_log').select(['seq', 'row_sha256']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      let seq = tail?.seq ?? 0;
      let prev = tail?.row_sha256 ?? GENESIS_SHA;
      const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
      const records: AuditRecord[] = [];
      const rows = bases.map((base) => {
        seq += 1;
        const link = chainRow(prev, auditContent({ seq, ...base }));
        prev = link.row_sha256;
        records.push({ seq, ...base, rowSha256: link.row_sha256 });
        return {
          seq,
          at: base.at,
          actor: base.actor,
          action: base.action,
          subject: base.subject,
          before: json(base.before),
          after: json(base.after),
          details: JSON.stringify(base.details),
          ...link,
        };
      });
      for (let i = 0; i < rows.length; i += AUDIT_INSERT_CHUNK) {
        await trx.insertInto('audit_log').values(rows.slice(i, i + AUDIT_INSERT_CHUNK)).execute();
      }
      return records;
    }),
  );
}

function toRecord(row: AuditLogRow): AuditRecord {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    before: row.before ?? null,
    after: row.after ?? null,
    details: row.details,
    rowSha256: row.row_sha256,
  };
}

/** The last `n` entries, oldest first. */
export async function tailAudit(db: Db, n: number): Promise<AuditRecord[]> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_AUDIT_TAIL) invalid('n', `expected an integer 1..${MAX_AUDIT_TAIL}, got ${String(n)}`);
  const rows = await withDbErrors('read the audit tail', () => db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(n).execute());
  return rows.reverse().map(toRecord);
}

/** Up to `limit` entries after `seq`, oldest first (the audit mirror's page), and the highest seq stored. */
export async function auditAfter(db: Db, seq: number, limit: number): Promise<{ rows: AuditRecord[]; maxSeq: number }> {
  return withDbErrors('read the audit log after a seq', async () => {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute();
    const top = await db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return { rows: rows.map(toRecord), maxSeq: top?.seq ?? 0 };
  });
}

/** The outcome of {@link verifyAuditChain}. */
export type AuditChainReport =
  | { ok: true; rows: number }
  | {
      ok: false;
      /** rows examined, up to and including the first bad one */
      rows: number;
      firstBadSeq: number;
      reason: string;
    };

/**
 * Recomputes the chain in seq order, a page at a time: each row's content hash from its columns,
 * its link to the row before, its own hash, and that seqs run 1, 2, 3… without a gap.
 *
 * What it cannot see: removal of the LAST rows (nothing links to them); see docs/security.md.
 */
export async function verifyAuditChain(db: Db): Promise<AuditChainReport> {
  return withDbErrors('verify the audit chain', async () => {
    let prev = GENESIS_SHA;
    let expectSeq = 1;
    let rows = 0;
    for (;;) {
      const page = await db.selectFrom('audit_log').selectAll().where('seq', '>=', expectSeq).orderBy('seq').limit(VERIFY_PAGE).execute();
      for (const row of page) {
        rows += 1;
        const bad = (reason: string) => ({ ok: false as const, rows, firstBadSeq: row.seq, reason });
        if (row.seq !== expectSeq) return bad(`seq ${row.seq} follows seq ${expectSeq - 1}: rows are missing`);
        const record = toRecord(row);
        const content = sha256Hex(canonicalJson(auditContent(record)));
        if (row.content_sha256 !== content) return bad('its columns do not match content_sha256: the row was edited');
        if (row.prev_sha256 !== prev) return bad(`prev_sha256 does not match the row_sha256 of seq ${row.seq - 1}: a row before it was changed, removed or inserted`);
        if (row.row_sha256 !== sha256Hex(prev + content)) return bad('row_sha256 is not sha256(prev_sha256 + content_sha256)');
        prev = row.row_sha256;
        expectSeq = row.seq + 1;
      }
      if (page.length < VERIFY_PAGE) return { ok: true, rows };
    }
  });
}
