/**
 * Config governance (docs/config.md): propose, approve and reject changes of the governed
 * parameters. Each person is authenticated (password; approvals also a single-use TOTP code),
 * every step and every refusal is audited, and the proposal's life is the XState machine
 * machines/config.machine.ts, persisted in `config_proposals`. A change that reaches `applied`
 * is written to the KV bucket `config` (only if its current revision is still the one the
 * proposal was made against) and mirrored to `config_versions`; the stages pick it up at their
 * next batch.
 *
 * Wiring: time from the injected clock; the bucket through `store` (a short-lived admin
 * connection in the app).
 */
import { randomBytes } from 'node:crypto';
import { createActor, type SnapshotFrom } from 'xstate';
import { appendAudit } from '../../adapters/db/audit-log.repo.ts';
import {
  getConfigProposal, insertConfigProposal, insertConfigVersion, lockConfigDecisions, updateConfigProposal, type ConfigProposalRecord,
} from '../../adapters/db/config.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../adapters/time/clock.ts';
import { configMachine, OPEN_STATES, type ConfigEvent, type ConfigStateValue } from '../../machines/config.machine.ts';
import { isRefusal, text, type ApprovalsService, type Authenticated, type Refusal } from '../auth/approvals.service.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { FakeoutError } from '../domain/errors.ts';
import { inDeskHours, type DeskHours } from './desk-hours.ts';
import { diffParams, validateChanges, type GovernedVersion } from './governed.ts';

export interface ConfigStore {
  /** the version in force and its KV revision */
  stored(): Promise<{ version: GovernedVersion; revision: number }>;
  /** writes `next` only if the current revision is still `expectedRevision`; returns the new revision */
  write(next: GovernedVersion, expectedRevision: number): Promise<number>;
}

export interface ConfigServiceDeps {
  db: Db;
  clock: Clock;
  approvals: Pick<ApprovalsService, 'decideThenCommit' | 'authenticate'>;
  auth: Pick<AuthService, 'checkApproval'>;
  store: ConfigStore;
  desk: DeskHours;
  proposalTtlMs: number;
}

export interface ConfigDecision {
  id: string;
  state: ConfigStateValue;
  /** the version now in force when this call applied the change */
  appliedVersion: number | null;
  changes: Record<string, [number, number]>;
  inDeskHours: boolean;
}

const MAX_REASON = 500;
const ID_SHAPE = /^cfg-[0-9a-z]{1,16}-[0-9a-f]{8}$/;
type Snap = SnapshotFrom<typeof configMachine>;

export function createConfigService(deps: ConfigServiceDeps) {
  const { db, clock } = deps;

  function restore(p: ConfigProposalRecord) {
    return createActor(configMachine, { snapshot: p.context as Snap, input: { id: p.id, proposer: p.proposedBy, proposerRole: '', expiresAt: p.expiresAt } }).start();
  }

  /** TOTP for an approval (audited as approval.granted / approval.refused by the auth service). */
  async function secondFactor(trx: Db, who: Authenticated, body: unknown, subject: string): Promise<Refusal | undefined> {
    const code = text(body, 'code', 'FAKEOUT_ERR_AUTH_TOTP_MALFORMED', 6);
    if (isRefusal(code)) return { ...code, message: 'code: expected the six digits the authenticator shows' };
    const check = await deps.auth.checkApproval(trx, who.user, code, 'config.approve', subject);
    return check.ok ? undefined : { code: check.error.code, message: check.error.message, details: { ...check.error.info } };
  }

  /**
   * Sends `event` to the proposal's machine, persists the result, audits it, and applies the
   * change when the machine reached `applied`. Returns the refusal when the event changed nothing.
   */
  async function step(trx: Db, p: ConfigProposalRecord, event: ConfigEvent, refuse: (r: Refusal) => Promise<Refusal>): Promise<ConfigDecision | Refusal> {
    const actor = restore(p);
    const before = actor.getSnapshot().value as ConfigStateValue;
    actor.send(event);
    const snap = actor.getSnapshot();
    const state = snap.value as ConfigStateValue;
    const subject = `config:${p.id}`;
    const by = event.type === 'EXPIRE' ? 'fakeout' : event.by;
    const changes = diffParams(p.before, p.after) as Record<string, [number, number]>;
    const inHours = event.type === 'APPROVE' ? event.inHours : inDeskHours(event.at, deps.desk);
    if (state === before && event.type === 'APPROVE') {
      const why = snap.context.lastRefusal;
      return refuse(why === 'self-approval'
        ? { code: 'FAKEOUT_ERR_CONFIG_SELF_APPROVAL', message: `${event.by} proposed or already approved ${p.id}: a second, different approver must approve it${inHours ? '' : ' out of desk hours'}`, details: { field: 'user', state } }
        : { code: 'FAKEOUT_ERR_AUTH_FORBIDDEN', message: `user ${event.by} (${event.role}) may not approve a config change`, details: { field: 'user', role: event.role } });
    }
    let appliedVersion: number | null = null;
    if (state === 'applied') {
      const stored = await deps.store.stored();
      if (stored.version.version !== p.baseVersion) {
        return refuse({ code: 'FAKEOUT_ERR_CONFIG_PROPOSAL_CLOSED', message: `${p.id} was made against version ${p.baseVersion}, but version ${stored.version.version} is in force now: propose again`, details: { field: 'id', baseVersion: p.baseVersion, current: stored.version.version } });
      }
      const next: GovernedVersion = { version: p.baseVersion + 1, params: p.after, appliedAt: event.at, appliedBy: by, proposalId: p.id };
      // POLICY: the bucket first (what the stages read), then its mirror in this transaction. A
      // crash between the two is repaired at the next start (mirrorGovernedVersion).
      const revision = await deps.store.write(next, stored.revision);
      await insertConfigVersion(trx, next, revision);
      appliedVersion = next.version;
    }
    await updateConfigProposal(trx, p.id, { state, context: actor.getPersistedSnapshot(), appliedVersion, updatedAt: event.at });
    const action = event.type === 'APPROVE' ? 'config.approved' : event.type === 'REJECT' ? 'config.rejected' : 'config.expired';
    if (state === 'expired') {
      await appendAudit(trx, { at: event.at, actor: by, action: 'config.expired', subject, details: { expiresAt: p.expiresAt, requested: event.type } });
    } else {
      await appendAudit(trx, { at: event.at, actor: by, action, subject, details: { state, inDeskHours: inHours, ...(event.type === 'REJECT' ? { reason: event.reason } : {}) } });
    }
    if (appliedVersion !== null) {
      await appendAudit(trx, { at: event.at, actor: by, action: 'config.applied', subject, details: { version: appliedVersion, changes, approvals: snap.context.approvals.map((a) => a.by), inDeskHours: inHours } });
    }
    if (state === 'expired' && event.type !== 'EXPIRE') {
      return refuse({ code: 'FAKEOUT_ERR_CONFIG_PROPOSAL_CLOSED', message: `${p.id} expired at ${new Date(p.expiresAt).toISOString()}; nothing changed`, details: { field: 'id', state } });
    }
    return { id: p.id, state, appliedVersion, changes, inDeskHours: inHours };
  }

  async function openProposal(trx: Db, id: string, refuse: (r: Refusal) => Promise<Refusal>): Promise<ConfigProposalRecord | Refusal> {
    if (!ID_SHAPE.test(id)) return refuse({ code: 'FAKEOUT_ERR_CONFIG_PROPOSAL_INVALID', message: 'id: expected a proposal id like cfg-…-…', details: { field: 'id' } });
    const p = await getConfigProposal(trx, id, true);
    if (p === undefined) return refuse({ code: 'FAKEOUT_ERR_CONFIG_PROPOSAL_UNKNOWN', message: `no config proposal ${JSON.stringify(id)}`, details: { field: 'id' } });
    if (!OPEN_STATES.includes(p.state as ConfigStateValue)) {
      return refuse({ code: 'FAKEOUT_ERR_CONFIG_PROPOSAL_CLOSED', message: `${id} is ${p.state}; nothing changed`, details: { field: 'id', state: p.state } });
    }
    return p;
  }

  /**
   * `POST /api/config/proposals` `{ user, password, changes, reason, code? }`. A proposer who may
   * approve and sends a TOTP `code` gives the first approval with the proposal (an admin in desk
   * hours thereby applies it).
   */
  async function propose(body: unknown): Promise<ConfigDecision & { before: Record<string, number>; after: Record<string, number>; expiresAt: number }> {
    const at = clock.now();
    return deps.approvals.decideThenCommit('config.propose', 'config', (body as { user?: unknown } | null)?.user, async (trx, refuse) => {
      await lockConfigDecisions(trx);
      const who = await deps.approvals.authenticate(trx, body, 'config.propose', refuse);
      if (isRefusal(who)) return who;
      const reason = text(body, 'reason', 'FAKEOUT_ERR_CONFIG_PROPOSAL_INVALID', MAX_REASON);
      if (isRefusal(reason)) return refuse(reason);
      const stored = await deps.store.stored();
      let validated: ReturnType<typeof validateChanges>;
      try {
        validated = validateChanges(stored.version.params, (body as Record<string, unknown>).changes);
      } catch (err) {
        if (!(err instanceof FakeoutError)) throw err;
        return refuse({ code: err.code, message: err.message, details: { ...err.info } });
      }
      const id = `cfg-${at.toString(36)}-${randomBytes(4).toString('hex')}`;
      const expiresAt = at + deps.proposalTtlMs;
      const actor = createActor(configMachine, { input: { id, proposer: who.user, proposerRole: who.role, expiresAt } }).start();
      const record: ConfigProposalRecord = {
        id, proposedBy: who.user, proposedAt: at, expiresAt, reason, baseVersion: stored.version.version, changes: validated.changes,
        before: stored.version.params, after: validated.after, state: 'proposed', context: actor.getPersistedSnapshot(), appliedVersion: null, updatedAt: at,
      };
      await insertConfigProposal(trx, record);
      const changes = diffParams(record.before, record.after) as Record<string, [number, number]>;
      const inHours = inDeskHours(at, deps.desk);
      await appendAudit(trx, { at, actor: who.user, action: 'config.proposed', subject: `config:${id}`, details: { role: who.role, reason, baseVersion: record.baseVersion, changes, inDeskHours: inHours, expiresAt } });
      const extra = { before: record.before, after: record.after, expiresAt };
      const withCode = typeof (body as Record<string, unknown>).code === 'string';
      if (!withCode || (who.role !== 'approver' && who.role !== 'admin')) {
        return { id, state: 'proposed' as const, appliedVersion: null, changes, inDeskHours: inHours, ...extra };
      }
      const second = await secondFactor(trx, who, body, `config:${id}`);
      if (second !== undefined) return refuse(second);
      const r = await step(trx, record, { type: 'APPROVE', by: who.user, role: who.role, at, inHours }, refuse);
      return isRefusal(r) ? r : { ...r, ...extra };
    });
  }

  /** `POST /api/config/proposals/:id/approve` `{ user, password, code }`. */
  async function approve(id: string, body: unknown): Promise<ConfigDecision> {
    const at = clock.now();
    return deps.approvals.decideThenCommit('config.approve', `config:${id.slice(0, 64)}`, (body as { user?: unknown } | null)?.user, async (trx, refuse) => {
      await lockConfigDecisions(trx);
      const who = await deps.approvals.authenticate(trx, body, 'config.approve', refuse);
      if (isRefusal(who)) return who;
      const p = await openProposal(trx, id, refuse);
      if (isRefusal(p)) return p;
      const event: ConfigEvent = { type: 'APPROVE', by: who.user, role: who.role, at, inHours: inDeskHours(at, deps.desk) };
      // An expired proposal (the machine's guard expires it) and a self-approval (the machine
      // refuses it) are decided before the TOTP code is checked, so neither spends a step.
      const snap = restore(p).getSnapshot();
      const self = snap.value === 'pendingSecondApproval' && (who.user === p.proposedBy || snap.context.approvals.some((a) => a.by === who.user));
      if (at >= p.expiresAt || self) return step(trx, p, event, refuse);
      const second = await secondFactor(trx, who, body, `config:${id}`);
      if (second !== undefined) return refuse(second);
      return step(trx, p, event, refuse);
    });
  }

  /** `POST /api/config/proposals/:id/reject` `{ user, password, reason }`: an approver, an admin, or the proposer withdrawing it. */
  async function reject(id: string, body: unknown): Promise<ConfigDecision> {
    const at = clock.now();
    return deps.approvals.decideThenCommit('config.propose', `config:${id.slice(0, 64)}`, (body as { user?: unknown } | null)?.user, async (trx, refuse) => {
      await lockConfigDecisions(trx);
      const who = await deps.approvals.authenticate(trx, body, 'config.propose', refuse);
      if (isRefusal(who)) return who;
      const p = await openProposal(trx, id, refuse);
      if (isRefusal(p)) return p;
      if (who.user !== p.proposedBy && who.role !== 'approver' && who.role !== 'admin') {
        return refuse({ code: 'FAKEOUT_ERR_AUTH_FORBIDDEN', message: `user ${who.user} (${who.role}) may reject only their own proposals`, details: { field: 'user', role: who.role } });
      }
      const reason = text(body, 'reason', 'FAKEOUT_ERR_CONFIG_PROPOSAL_INVALID', MAX_REASON);
      if (isRefusal(reason)) return refuse(reason);
      return step(trx, p, { type: 'REJECT', by: who.user, at, reason }, refuse);
    });
  }

  return { propose, approve, reject };
}

export type ConfigService = ReturnType<typeof createConfigService>;
