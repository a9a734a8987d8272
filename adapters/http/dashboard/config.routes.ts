/**
 * The Config tab's API, under /ui/api, over the config governance service (actors/config,
 * docs/config.md) with the session's user:
 * - `GET /config`: the version in force (each parameter with its variable and meaning), open and
 *   recent proposals, the applied versions (the change history), all from Postgres (bounded);
 * - `POST /config/validate` `{ changes }`: the start-up rules applied to the changes, nothing stored;
 * - `POST /config/proposals` `{ changes, reason, code? }`, `POST /config/proposals/:id/approve`
 *   `{ code }`, `POST /config/proposals/:id/reject` `{ reason }`.
 */
import type { FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import type { Action } from '../../../actors/auth/roles.ts';
import { GOVERNED, GOVERNED_NAMES, validateChanges, type GovernedParams } from '../../../actors/config/governed.ts';
import { CONFIG_DOCS } from '../../../actors/domain/config.ts';
import { FakeoutError } from '../../../actors/domain/errors.ts';
import type { ConfigProposalRecord } from '../../db/config.repo.ts';
import type { GovernedVersion } from '../../../actors/config/governed.ts';
import { invalid, objectBody } from './body.ts';

/** Config decisions made by the logged-in user (the session names them). */
export interface SessionConfigDecisions {
  propose(body: unknown, session: { user: string }): Promise<unknown>;
  approve(id: string, body: unknown, session: { user: string }): Promise<unknown>;
  reject(id: string, body: unknown, session: { user: string }): Promise<unknown>;
}

export interface ConfigTabOptions {
  guard: (action: Action) => preHandlerAsyncHookHandler;
  /** applied versions, newest first */
  versions(limit: number): Promise<GovernedVersion[]>;
  proposals(limit: number): Promise<ConfigProposalRecord[]>;
  /** absent where this process cannot apply config (no gateway NATS user): 503 */
  decisions?: SessionConfigDecisions | undefined;
}

const HISTORY = 50;
const MEANING = new Map(CONFIG_DOCS.map((d) => [d.name, d.meaning]));

/** A proposal as the page shows it: no machine snapshot. */
function proposalView(p: ConfigProposalRecord) {
  return { id: p.id, proposedBy: p.proposedBy, proposedAt: p.proposedAt, expiresAt: p.expiresAt, reason: p.reason, baseVersion: p.baseVersion, changes: p.changes, state: p.state, appliedVersion: p.appliedVersion, updatedAt: p.updatedAt };
}

export const configTabRoutes: FastifyPluginAsync<ConfigTabOptions> = async (app, opts) => {
  const { guard } = opts;
  const current = async (): Promise<GovernedVersion> => {
    const [v] = await opts.versions(1);
    if (v === undefined) throw new FakeoutError('FAKEOUT_ERR_DASHBOARD_UNAVAILABLE', 'no governed config version is stored yet');
    return v;
  };
  const decisions = (): SessionConfigDecisions => {
    if (opts.decisions === undefined) throw new FakeoutError('FAKEOUT_ERR_DASHBOARD_UNAVAILABLE', 'this process cannot decide config changes (no gateway NATS user); use the dashboard of role all or gateway');
    return opts.decisions;
  };
  const who = (request: { dashboardUser: { user: string } | null }) => ({ user: request.dashboardUser!.user });

  app.get('/config', { preHandler: guard('view') }, async () => {
    const versions = await opts.versions(HISTORY);
    const now = versions[0];
    return {
      version: now?.version ?? null,
      params: GOVERNED_NAMES.map((name) => ({ name, variable: GOVERNED[name], value: now?.params[name] ?? null, meaning: MEANING.get(GOVERNED[name]) ?? '' })),
      proposals: (await opts.proposals(HISTORY)).map(proposalView),
      history: versions.map((v) => ({ version: v.version, appliedAt: v.appliedAt, appliedBy: v.appliedBy, proposalId: v.proposalId, params: v.params })),
    };
  });

  app.post('/config/validate', { preHandler: guard('config.propose') }, async (request) => {
    const body = objectBody(request.body, ['changes']);
    const base = (await current()).params as GovernedParams;
    const r = validateChanges(base, body.changes);
    return { changes: r.changes, after: r.after };
  });

  app.post('/config/proposals', { preHandler: guard('config.propose') }, async (request) => {
    const body = objectBody(request.body, ['changes', 'reason', 'code']);
    if (body.code !== undefined && typeof body.code !== 'string') throw invalid('code', 'expected the six digits the authenticator shows');
    return decisions().propose(body, who(request));
  });
  app.post<{ Params: { id: string } }>('/config/proposals/:id/approve', { preHandler: guard('config.approve') }, async (request) => {
    const body = objectBody(request.body, ['code']);
    if (typeof body.code !== 'string') throw invalid('code', 'expected the six digits the authenticator shows');
    return decisions().approve(request.params.id, body, who(request));
  });
  app.post<{ Params: { id: string } }>('/config/proposals/:id/reject', { preHandler: guard('config.propose') }, async (request) => {
    const body = objectBody(request.body, ['reason']);
    if (typeof body.reason !== 'string') throw invalid('reason', 'expected why the proposal is rejected');
    return decisions().reject(request.params.id, body, who(request));
  });
};
