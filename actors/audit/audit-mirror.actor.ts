/**
 * audit-mirror: relays `audit_log` to the AUDIT stream in seq order, every FAKEOUT_AUDIT_MIRROR_MS
 * (a ticker service, actors/app/ticker.service.ts). Each entry is `audit.log.<action tokens>`,
 * Nats-Msg-Id `audit:<seq>`, its body the whole row with its hash. The cursor is the stream's
 * newest `audit.log.>` message (STREAM.MSG.GET last_by_subj), checked against the table first
 * (`planMirror`): a restart, a crash between publish and anything else, or NATS being down only
 * delays it; it never skips or repeats a seq (a repeat inside the 60-min duplicate window is
 * dropped by its id). On divergence it stops relaying, logs an error and reports it (metric).
 */
import { auditAfter, type AuditRecord } from '../../adapters/db/audit-log.repo.ts';
import { startTickerService } from '../app/ticker.service.ts';
import type { AnyDb, Bus, Logger } from '../stage/ports.ts';
import type { StageActor } from '../stage/stage.actor.ts';
import { AUDIT_MIRROR_PREFIX, auditMsgId, auditSubject, mirroredTail, planMirror } from './audit-mirror.ts';

/** Entries published per tick at most. */
export const AUDIT_MIRROR_PAGE = 500;

export interface AuditMirrorReport {
  /** the highest seq on AUDIT after this tick */
  lastSeq: number;
  /** entries in audit_log not yet on AUDIT */
  lag: number;
  diverged: boolean;
}

/** One relay round: reads the cursor, checks it, publishes the next page. Exported for tests. */
export async function mirrorOnce(deps: { bus: Bus; db: AnyDb; log?: Logger }): Promise<AuditMirrorReport> {
  const newest = await deps.bus.lastMessage('AUDIT', `${AUDIT_MIRROR_PREFIX}.>`);
  const tail = newest === undefined ? undefined : mirroredTail(newest.value);
  const at = tail === undefined ? undefined : (await auditAfter(deps.db, tail.seq - 1, 1)).rows[0];
  const plan = planMirror({ present: newest !== undefined, tail }, at?.seq === tail?.seq ? at : undefined);
  if (plan.kind === 'diverged') {
    deps.log?.error({ seq: plan.seq, reason: plan.reason }, 'audit mirror stopped: the AUDIT stream and audit_log disagree');
    const { maxSeq } = await auditAfter(deps.db, Number.MAX_SAFE_INTEGER, 1);
    return { lastSeq: tail?.seq ?? 0, lag: Math.max(0, maxSeq - (tail?.seq ?? 0)), diverged: true };
  }
  const { rows, maxSeq } = await auditAfter(deps.db, plan.after, AUDIT_MIRROR_PAGE);
  if (rows.length > 0) await deps.bus.publishMany(rows.map((r: AuditRecord) => ({ subject: auditSubject(r.action), id: auditMsgId(r.seq), value: r })));
  const lastSeq = rows.at(-1)?.seq ?? plan.after;
  return { lastSeq, lag: Math.max(0, maxSeq - lastSeq), diverged: false };
}

export function startAuditMirrorActor(deps: { bus: Bus; db: AnyDb; log: Logger; intervalMs: number; onReport?: (r: AuditMirrorReport) => void }): StageActor {
  let warned = false;
  return startTickerService('audit-mirror', {
    intervalMs: deps.intervalMs,
    connection: deps.bus.connection,
    async tick() {
      const r = await mirrorOnce({ bus: deps.bus, db: deps.db, log: warned ? undefined : deps.log });
      warned = r.diverged;
      deps.onReport?.(r);
    },
  });
}
