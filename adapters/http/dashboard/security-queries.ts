/**
 * Pages of the audit log for the dashboard (recent entries, the vault access log, the breaker's
 * history): newest first, keyset-paged on `seq` (the chain's order, unique), optionally only some
 * actions. Reads only; the chain itself is verified by adapters/db/audit-log.repo.ts.
 */
import { withDbErrors } from '../../db/db-errors.ts';
import type { Db } from '../../db/schema.ts';

export interface AuditPageItem {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
  /** before/after are left out of a list (a config change's can be large); the CLI shows them */
  hasChange: boolean;
}

export interface AuditPageQuery {
  /** only these actions (exact names) */
  actions?: readonly string[];
  /** only actions starting with this text, e.g. `breaker.` */
  actionPrefix?: string;
  actor?: string;
  /** entries with seq below this */
  before?: number;
  limit: number;
}

/** `%` and `_` are LIKE wildcards; a prefix given by a caller is matched literally. */
const likePrefix = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function auditPage(db: Db, q: AuditPageQuery): Promise<AuditPageItem[]> {
  return withDbErrors('read an audit page', async () => {
    let query = db
      .selectFrom('audit_log')
      .select(['seq', 'at', 'actor', 'action', 'subject', 'details', 'before', 'after'])
      .orderBy('seq', 'desc')
      .limit(q.limit);
    if (q.actions !== undefined) query = query.where('action', 'in', [...q.actions]);
    if (q.actionPrefix !== undefined) query = query.where('action', 'like', likePrefix(q.actionPrefix));
    if (q.actor !== undefined) query = query.where('actor', '=', q.actor);
    if (q.before !== undefined) query = query.where('seq', '<', q.before);
    const rows = await query.execute();
    return rows.map((r) => ({
      seq: Number(r.seq), at: Number(r.at), actor: r.actor, action: r.action, subject: r.subject, details: r.details,
      hasChange: (r.before ?? null) !== null || (r.after ?? null) !== null,
    }));
  });
}

/** One page and the cursor of the next (`null` on the last page), asking one row more than shown. */
export async function auditPageWithNext(db: Db, q: AuditPageQuery): Promise<{ entries: AuditPageItem[]; next: number | null }> {
  const rows = await auditPage(db, { ...q, limit: q.limit + 1 });
  const entries = rows.slice(0, q.limit);
  return { entries, next: rows.length > q.limit ? entries[entries.length - 1]!.seq : null };
}
