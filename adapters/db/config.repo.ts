/**
 * `config_versions` (the governed config's applied versions, mirror of the KV bucket `config`,
 * append-only) and `config_proposals` (each proposed change and its machine state). docs/config.md.
 */
import { sql } from 'kysely';
import type { GovernedParams, GovernedVersion } from '../../actors/config/governed.ts';
import { withDbErrors } from './db-errors.ts';
import type { Db } from './schema.ts';

export interface ConfigProposalRecord {
  id: string;
  proposedBy: string;
  proposedAt: number;
  expiresAt: number;
  reason: string;
  baseVersion: number;
  changes: Partial<GovernedParams>;
  before: GovernedParams;
  after: GovernedParams;
  state: string;
  /** the machine's persisted snapshot (machines/config.machine.ts) */
  context: unknown;
  appliedVersion: number | null;
  updatedAt: number;
}

/** Mirrors one applied version; false when that version is already stored. */
export async function insertConfigVersion(db: Db, v: GovernedVersion, kvRevision: number): Promise<boolean> {
  return withDbErrors('insert config version', async () => {
    const res = await db
      .insertInto('config_versions')
      .values({ version: v.version, params: JSON.stringify(v.params), applied_at: v.appliedAt, applied_by: v.appliedBy, proposal_id: v.proposalId, kv_revision: kvRevision })
      .onConflict((oc) => oc.column('version').doNothing())
      .executeTakeFirst();
    return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
  });
}

export async function listConfigVersions(db: Db, limit = 100): Promise<(GovernedVersion & { kvRevision: number })[]> {
  return withDbErrors('list config versions', async () => {
    const rows = await db.selectFrom('config_versions').selectAll().orderBy('version', 'desc').limit(limit).execute();
    return rows.map((r) => ({ version: r.version, params: r.params as GovernedParams, appliedAt: Number(r.applied_at), appliedBy: r.applied_by, proposalId: r.proposal_id, kvRevision: Number(r.kv_revision) }));
  });
}

export async function getConfigVersion(db: Db, version: number): Promise<GovernedVersion | undefined> {
  return withDbErrors('get config version', async () => {
    const r = await db.selectFrom('config_versions').selectAll().where('version', '=', version).executeTakeFirst();
    return r === undefined ? undefined : { version: r.version, params: r.params as GovernedParams, appliedAt: Number(r.applied_at), appliedBy: r.applied_by, proposalId: r.proposal_id };
  });
}

const fromRow = (r: Record<string, unknown>): ConfigProposalRecord => ({
  id: r.id as string,
  proposedBy: r.proposed_by as string,
  proposedAt: Number(r.proposed_at),
  expiresAt: Number(r.expires_at),
  reason: r.reason as string,
  baseVersion: r.base_version as number,
  changes: r.changes as Partial<GovernedParams>,
  before: r.before as GovernedParams,
  after: r.after as GovernedParams,
  state: r.state as string,
  context: r.context,
  appliedVersion: (r.applied_version as number | null) ?? null,
  updatedAt: Number(r.updated_at),
});

export async function insertConfigProposal(db: Db, p: ConfigProposalRecord): Promise<void> {
  await withDbErrors('insert config proposal', async () => {
    await db
      .insertInto('config_proposals')
      .values({
        id: p.id, proposed_by: p.proposedBy, proposed_at: p.proposedAt, expires_at: p.expiresAt, reason: p.reason, base_version: p.baseVersion,
        changes: JSON.stringify(p.changes), before: JSON.stringify(p.before), after: JSON.stringify(p.after), state: p.state,
        context: JSON.stringify(p.context), applied_version: p.appliedVersion, updated_at: p.updatedAt,
      })
      .execute();
  });
}

export async function updateConfigProposal(db: Db, id: string, u: { state: string; context: unknown; appliedVersion: number | null; updatedAt: number }): Promise<void> {
  await withDbErrors('update config proposal', async () => {
    await db
      .updateTable('config_proposals')
      .set({ state: u.state, context: JSON.stringify(u.context), applied_version: u.appliedVersion, updated_at: u.updatedAt })
      .where('id', '=', id)
      .execute();
  });
}

/** One proposal; `forUpdate` locks its row for the rest of the transaction. */
export async function getConfigProposal(db: Db, id: string, forUpdate = false): Promise<ConfigProposalRecord | undefined> {
  return withDbErrors('get config proposal', async () => {
    const q = db.selectFrom('config_proposals').selectAll().where('id', '=', id);
    const r = await (forUpdate ? q.forUpdate() : q).executeTakeFirst();
    return r === undefined ? undefined : fromRow(r as unknown as Record<string, unknown>);
  });
}

export async function listConfigProposals(db: Db, q: { states?: readonly string[]; limit?: number } = {}): Promise<ConfigProposalRecord[]> {
  return withDbErrors('list config proposals', async () => {
    let query = db.selectFrom('config_proposals').selectAll().orderBy('proposed_at', 'desc').limit(q.limit ?? 100);
    if (q.states !== undefined && q.states.length > 0) query = query.where('state', 'in', [...q.states]);
    const rows = await query.execute();
    return rows.map((r) => fromRow(r as unknown as Record<string, unknown>));
  });
}

/** Serialises config decisions (two approvals of the same version race otherwise): "fkcfg". */
export async function lockConfigDecisions(db: Db): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${0x666b636667}::bigint)`.execute(db);
}
