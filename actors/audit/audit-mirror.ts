/**
 * The audit mirror's pure parts: the AUDIT subject of an entry, and where to resume and whether
 * the stream still agrees with the table (docs/security.md, "The AUDIT stream").
 */
import type { AuditRecord } from '../../adapters/db/audit-log.repo.ts';

/** The subjects the mirror publishes under, and reads its cursor from. */
export const AUDIT_MIRROR_PREFIX = 'audit.log';

/**
 * `audit.log.<action tokens>`: `gate.live` → `audit.log.gate.live`, so `nats stream view AUDIT
 * --subject 'audit.log.breaker.>'` shows the breaker's entries. A token keeps letters, digits, `_`
 * and `-` (anything else becomes `_`; an empty token is `_`), at most 8 tokens.
 */
export function auditSubject(action: string): string {
  const tokens = action.split('.').slice(0, 8).map((t) => t.replace(/[^A-Za-z0-9_-]/g, '_') || '_');
  return `${AUDIT_MIRROR_PREFIX}.${tokens.join('.')}`;
}

/** The Nats-Msg-Id of an entry on AUDIT: one message per seq. */
export const auditMsgId = (seq: number): string => `audit:${seq}`;

/** What the stream's newest mirrored message says, read back. */
export interface MirroredTail {
  seq: number;
  rowSha256: string;
}

/** Reads a mirrored message's seq and hash; undefined when it is not one the mirror wrote. */
export function mirroredTail(value: unknown): MirroredTail | undefined {
  const v = value as { seq?: unknown; rowSha256?: unknown } | null;
  if (v === null || typeof v !== 'object') return undefined;
  if (!Number.isInteger(v.seq) || (v.seq as number) < 1 || typeof v.rowSha256 !== 'string') return undefined;
  return { seq: v.seq as number, rowSha256: v.rowSha256 };
}

export type MirrorPlan =
  | { kind: 'relay'; after: number }
  | { kind: 'diverged'; seq: number | undefined; reason: string };

/**
 * Where the mirror resumes, from the stream's newest message on `audit.log.>` (`tail`, undefined
 * when there is none) and the table's row at that seq. POLICY: the stream is the cursor (no local
 * cursor to drift); when the stream's last entry is not the table's (another hash, a row the table
 * does not have, a message the mirror did not write), the mirror stops and says so: a person must
 * look, because one of the two was changed.
 */
export function planMirror(newest: { present: boolean; tail: MirroredTail | undefined }, row: Pick<AuditRecord, 'seq' | 'rowSha256'> | undefined): MirrorPlan {
  if (!newest.present) return { kind: 'relay', after: 0 };
  const tail = newest.tail;
  if (tail === undefined) return { kind: 'diverged', seq: undefined, reason: 'the newest message on audit.log.> is not a mirrored audit entry' };
  if (row === undefined) return { kind: 'diverged', seq: tail.seq, reason: `AUDIT holds seq ${tail.seq}, which audit_log does not` };
  if (row.rowSha256 !== tail.rowSha256) {
    return { kind: 'diverged', seq: tail.seq, reason: `seq ${tail.seq}: AUDIT has row hash ${tail.rowSha256.slice(0, 12)}…, audit_log ${row.rowSha256.slice(0, 12)}…` };
  }
  return { kind: 'relay', after: tail.seq };
}
