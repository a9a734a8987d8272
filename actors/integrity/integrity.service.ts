/**
 * One integrity run over the immutable raw store: RAW (the stream, read by seq) against
 * `raw_events` (Postgres), a page at a time, with the pure checks of reconcile.ts.
 *
 * Range: from the last verified seq + 1 (`integrity_progress`; `full` starts at seq 1) through
 * the seq the raw-archiver has handled (its stage checkpoint) — RAW messages after that are
 * `pending` (not archived yet), not a problem. Rows stored above RAW's last seq are `extra`.
 * A clean run moves `integrity_progress` to its end; a failing run leaves it where it was, so
 * the next incremental run looks again. Every run appends one audit entry
 * (`integrity.verified` / `integrity.failed`).
 *
 * What an incremental run cannot see: a row altered BEFORE the last verified point whose stored
 * hashes were left alone is caught only by `full` (the anchor check sees a rewritten tail hash).
 */
import { appendAudit } from '../../adapters/db/audit-log.repo.ts';
import { loadCheckpoint } from '../../adapters/db/checkpoints.repo.ts';
import { GENESIS_SHA } from '../../adapters/db/hash-chain.ts';
import {
  loadIntegrityProgress,
  rawAboveSeq,
  rawRowAtOrBefore,
  rawRowsBetween,
  saveIntegrityProgress,
  storedSeqsOfIds,
} from '../../adapters/db/integrity.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../adapters/time/clock.ts';
import { formatProblem, reconcilePage, type IntegrityProblem, type RawMessage } from './reconcile.ts';

export const RAW_STREAM = 'RAW';
/** The stage whose checkpoint says how far RAW has been archived. */
export const ARCHIVER_STAGE = 'raw-archiver';
export const DEFAULT_PAGE = 1000;
/** Concurrent STREAM.MSG.GET requests within a page. */
const GET_CONCURRENCY = 64;
/** At most this many problems go into the audit entry (the count is always there). */
const AUDITED_PROBLEMS = 50;

/** RAW as the auditor reads it. */
export interface RawReader {
  lastSeq(stream: string): Promise<number>;
  messageAt(stream: string, seq: number): Promise<{ seq: number; msgId: string | undefined; body: string } | undefined>;
}

export interface IntegrityRunDeps {
  db: Db;
  raw: RawReader;
  clock: Clock;
  /** who runs it, for the audit log (`cli:<user>` or `integrity-auditor`) */
  actor: string;
  full?: boolean;
  pageSize?: number;
  onProgress?: (p: { from: number; to: number; through: number; rows: number }) => void;
}

export interface IntegrityResult {
  ok: boolean;
  full: boolean;
  /** the seq range examined (from > to: nothing new) */
  from: number;
  to: number;
  rows: number;
  messages: number;
  duplicates: number;
  /** RAW seqs after `to` the archiver has not handled yet */
  pending: number;
  problems: IntegrityProblem[];
  at: number;
}

export async function runIntegrityCheck(deps: IntegrityRunDeps): Promise<IntegrityResult> {
  const { db, raw } = deps;
  const full = deps.full === true;
  const page = deps.pageSize ?? DEFAULT_PAGE;
  const progress = full ? undefined : await loadIntegrityProgress(db);
  const problems: IntegrityProblem[] = [];
  let prevSha = progress?.rowSha256 ?? GENESIS_SHA;
  const from = (progress?.lastSeq ?? 0) + 1;

  if (progress !== undefined) {
    // the anchor: the chain tail at the last verified point must still be what was verified
    const anchor = await rawRowAtOrBefore(db, progress.lastSeq);
    const now = anchor?.rowSha256 ?? GENESIS_SHA;
    if (now !== progress.rowSha256) {
      problems.push({
        kind: 'chain', seq: anchor?.seq ?? progress.lastSeq, id: anchor?.id ?? '?',
        detail: `the chain tail at the last verified seq ${progress.lastSeq} changed since it was verified (run --full)`,
      });
    }
  }

  const rawLast = await raw.lastSeq(RAW_STREAM);
  const archived = (await loadCheckpoint<unknown>(db, ARCHIVER_STAGE))?.lastSeq ?? 0;
  const to = Math.min(rawLast, archived);
  let rows = 0;
  let messages = 0;
  let duplicates = 0;
  for (let a = from; a <= to; a += page) {
    const b = Math.min(a + page - 1, to);
    const pageRows = await rawRowsBetween(db, a, b, page);
    const msgs = await readMessages(raw, a, b);
    const rowSeqs = new Set(pageRows.map((r) => r.seq));
    const lookUp = msgs.filter((m) => !rowSeqs.has(m.seq)).map((m) => m.msgId ?? idInBody(m.body)).filter((id): id is string => id !== undefined);
    const rep = reconcilePage({ prevSha, rows: pageRows, messages: msgs, storedSeqOfId: await storedSeqsOfIds(db, lookUp) });
    problems.push(...rep.problems);
    prevSha = rep.lastSha;
    rows += rep.rowsChecked;
    messages += rep.messagesChecked;
    duplicates += rep.duplicates;
    deps.onProgress?.({ from, to: b, through: to, rows });
  }
  // rows above anything RAW holds cannot have come from it
  for (const r of await rawAboveSeq(db, Math.max(rawLast, to), AUDITED_PROBLEMS)) {
    problems.push({ kind: 'extra', seq: r.seq, id: r.id, detail: `in raw_events, beyond RAW's last seq ${rawLast}` });
  }

  const at = deps.clock.now();
  const ok = problems.length === 0;
  const result: IntegrityResult = { ok, full, from, to, rows, messages, duplicates, pending: Math.max(0, rawLast - to), problems, at };
  if (ok && to >= from) await saveIntegrityProgress(db, { lastSeq: to, rowSha256: prevSha, verifiedAt: at });
  await appendAudit(db, {
    at,
    actor: deps.actor,
    action: ok ? 'integrity.verified' : 'integrity.failed',
    subject: 'raw_events',
    details: {
      full, from, to, rows, messages, duplicates, pending: result.pending,
      problems: problems.length,
      ...(ok ? {} : { first: problems.slice(0, AUDITED_PROBLEMS).map(formatProblem) }),
    },
  });
  return result;
}

async function readMessages(raw: RawReader, a: number, b: number): Promise<RawMessage[]> {
  const out: RawMessage[] = [];
  for (let s = a; s <= b; s += GET_CONCURRENCY) {
    const seqs = Array.from({ length: Math.min(GET_CONCURRENCY, b - s + 1) }, (_, i) => s + i);
    for (const m of await Promise.all(seqs.map((q) => raw.messageAt(RAW_STREAM, q)))) {
      if (m !== undefined) out.push({ seq: m.seq, msgId: m.msgId, body: m.body });
    }
  }
  return out;
}

function idInBody(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The one-line summary or the problem lines (what the CLI prints). */
export function formatIntegrityResult(r: IntegrityResult): string[] {
  const range = r.to >= r.from ? `seq ${r.from}..${r.to}` : `nothing new after seq ${r.from - 1}`;
  const tail = `${r.pending > 0 ? `; ${r.pending} RAW message${r.pending === 1 ? '' : 's'} not archived yet` : ''}${r.duplicates > 0 ? `; ${r.duplicates} re-published duplicate${r.duplicates === 1 ? '' : 's'}` : ''}`;
  if (r.ok) return [`integrity: ${r.rows} rows verified (${range})${r.full ? ', full' : ''}, OK${tail}`];
  return [`integrity: FAILED, ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in ${range}${tail}`, ...r.problems.map((p) => `  ${formatProblem(p)}`)];
}
