/**
 * The integrity auditor's pure logic: one page of `raw_events` rows reconciled against the RAW
 * stream messages of the same seq range, and the hash chain recomputed over the rows. No I/O, no
 * clock: the caller reads both sides and the chain tail before the page (integrity.service.ts).
 *
 * What each problem means:
 * - `chain`: a row's stored hashes do not match its envelope or the row before it (tampered or
 *   inserted in Postgres), or its filterable columns contradict its envelope;
 * - `missing`: a RAW message whose envelope is not in `raw_events` (under its seq, or, for a
 *   re-published duplicate, under its id at an earlier seq);
 * - `extra`: a row whose seq RAW does not hold;
 * - `altered`: RAW and the row at the same seq disagree: another `Nats-Msg-Id` than the row's id,
 *   or another content hash.
 *
 * POLICY (the documented duplicate, raw-events.repo.ts): `raw_events` keeps each envelope id once,
 * at its first seq; a later RAW message with the same id (published again after the duplicate
 * window) has no row of its own. That is not `missing` when the id is stored at an EARLIER seq.
 */
import { GENESIS_SHA, canonicalJson, sha256Hex } from '../../adapters/db/hash-chain.ts';

/** A `raw_events` row as the auditor reads it. */
export interface AuditedRow {
  seq: number;
  id: string;
  source?: string;
  symbol?: string;
  kind?: string;
  event_ts?: number;
  received_at?: number;
  content_sha256: string;
  prev_sha256: string;
  row_sha256: string;
  envelope: unknown;
}

/** A RAW stream message: its seq, its `Nats-Msg-Id` header (undefined when absent) and its body text. */
export interface RawMessage {
  seq: number;
  msgId: string | undefined;
  body: string;
}

export type ProblemKind = 'chain' | 'missing' | 'extra' | 'altered';

export interface IntegrityProblem {
  kind: ProblemKind;
  seq: number;
  /** the envelope id (the row's, or the message's when there is no row) */
  id: string;
  detail: string;
}

export interface PageInput {
  /** the `row_sha256` of the last row before this page ({@link GENESIS_SHA} before the first) */
  prevSha: string;
  rows: readonly AuditedRow[];
  messages: readonly RawMessage[];
  /**
   * For the messages that have no row at their seq: the seq at which their id IS stored, if
   * anywhere (the caller looks these ids up). Absent ids are not stored at all.
   */
  storedSeqOfId: ReadonlyMap<string, number>;
}

export interface PageReport {
  problems: IntegrityProblem[];
  /** the `row_sha256` of this page's last row as stored (the next page's prevSha) */
  lastSha: string;
  rowsChecked: number;
  messagesChecked: number;
  /** RAW messages accepted as the documented re-published duplicate */
  duplicates: number;
}

/** The content hash of a RAW body, or undefined when it is not JSON. */
export function bodyContentSha(body: string): string | undefined {
  try {
    return sha256Hex(canonicalJson(JSON.parse(body)));
  } catch {
    return undefined;
  }
}

/** Whether the row's filterable columns say what its envelope says (only those the caller read). */
function columnsMatch(row: AuditedRow): boolean {
  const env = row.envelope as { id?: unknown; source?: unknown; receivedAt?: unknown; event?: Record<string, unknown> } | null;
  if (row.id !== env?.id) return false;
  if (row.source !== undefined && row.source !== env?.source) return false;
  if (row.symbol !== undefined && row.symbol !== env?.event?.symbol) return false;
  if (row.kind !== undefined && row.kind !== env?.event?.kind) return false;
  if (row.event_ts !== undefined && row.event_ts !== env?.event?.ts) return false;
  if (row.received_at !== undefined && row.received_at !== env?.receivedAt) return false;
  return true;
}

/** The chain check of one row after `prev`: undefined when it holds, else what is wrong. */
export function chainProblem(prev: string, row: AuditedRow): string | undefined {
  let content: string;
  try {
    content = sha256Hex(canonicalJson(row.envelope));
  } catch {
    return 'envelope has no JSON representation';
  }
  if (row.content_sha256 !== content) return `content_sha256 ${row.content_sha256.slice(0, 12)}… does not match the envelope (${content.slice(0, 12)}…)`;
  if (row.prev_sha256 !== prev) return `prev_sha256 ${row.prev_sha256.slice(0, 12)}… does not link to the row before (${prev.slice(0, 12)}…)`;
  if (row.row_sha256 !== sha256Hex(prev + content)) return `row_sha256 ${row.row_sha256.slice(0, 12)}… is not sha256(prev + content)`;
  if (!columnsMatch(row)) return 'columns id/source/symbol/kind/event_ts/received_at contradict the envelope';
  return undefined;
}

/**
 * Reconciles one page. Rows and messages may come in any order; both are taken in seq order.
 * The chain continues from the STORED hash of each row (so one tampered row is named once, not
 * every row after it).
 */
export function reconcilePage(input: PageInput): PageReport {
  const problems: IntegrityProblem[] = [];
  const rows = [...input.rows].sort((a, b) => a.seq - b.seq);
  const bySeq = new Map(rows.map((r) => [r.seq, r]));
  const msgSeqs = new Set<number>();
  let duplicates = 0;

  let prev = input.prevSha;
  for (const row of rows) {
    const why = chainProblem(prev, row);
    if (why !== undefined) problems.push({ kind: 'chain', seq: row.seq, id: row.id, detail: why });
    prev = row.row_sha256;
  }

  for (const m of [...input.messages].sort((a, b) => a.seq - b.seq)) {
    msgSeqs.add(m.seq);
    const row = bySeq.get(m.seq);
    const bodyId = messageId(m);
    if (row === undefined) {
      const stored = bodyId === undefined ? undefined : input.storedSeqOfId.get(bodyId);
      if (stored !== undefined && stored < m.seq) {
        duplicates += 1;
        continue;
      }
      problems.push({
        kind: 'missing', seq: m.seq, id: bodyId ?? '?',
        detail: stored === undefined ? 'in RAW, not in raw_events' : `in RAW, its id stored at a later seq ${stored}`,
      });
      continue;
    }
    if (m.msgId !== row.id) {
      problems.push({ kind: 'altered', seq: m.seq, id: row.id, detail: `RAW Nats-Msg-Id ${JSON.stringify(m.msgId ?? null)} is not the row's id` });
      continue;
    }
    const sha = bodyContentSha(m.body);
    if (sha !== row.content_sha256) {
      problems.push({ kind: 'altered', seq: m.seq, id: row.id, detail: sha === undefined ? 'RAW body is not JSON' : `RAW content ${sha.slice(0, 12)}… is not the row's content_sha256 ${row.content_sha256.slice(0, 12)}…` });
    }
  }

  for (const row of rows) {
    if (!msgSeqs.has(row.seq)) problems.push({ kind: 'extra', seq: row.seq, id: row.id, detail: 'in raw_events, not in RAW' });
  }

  problems.sort((a, b) => a.seq - b.seq || a.kind.localeCompare(b.kind));
  return { problems, lastSha: prev, rowsChecked: rows.length, messagesChecked: input.messages.length, duplicates };
}

/** The id a message claims: its `Nats-Msg-Id`, else the envelope id in its body. */
function messageId(m: RawMessage): string | undefined {
  if (m.msgId !== undefined) return m.msgId;
  try {
    const id = (JSON.parse(m.body) as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** One problem as a line: `seq 12 id abc: missing — in RAW, not in raw_events`. */
export function formatProblem(p: IntegrityProblem): string {
  return `seq ${p.seq} id ${p.id}: ${p.kind} — ${p.detail}`;
}

export { GENESIS_SHA };
