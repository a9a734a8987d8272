/**
 * Config governance over HTTP (docs/config.md), served where the approval surface is:
 * - `POST /api/config/proposals` `{ user, password, changes, reason, code? }` (trader, approver, admin);
 * - `POST /api/config/proposals/:id/approve` `{ user, password, code }` (approver, admin; TOTP);
 * - `POST /api/config/proposals/:id/reject` `{ user, password, reason }` (approver, admin, or the proposer).
 * Answers 200 with the proposal's state (`applied` when this call applied it). Refusals come back
 * in the shared error shape with the registry's status.
 */
import type { FastifyPluginAsync } from 'fastify';

export interface ConfigRoutesOptions {
  propose(body: unknown): Promise<unknown>;
  approve(id: string, body: unknown): Promise<unknown>;
  reject(id: string, body: unknown): Promise<unknown>;
}

export const CONFIG_PROPOSALS_PATH = '/api/config/proposals';

export const configRoutes: FastifyPluginAsync<ConfigRoutesOptions> = async (app, opts) => {
  app.post(CONFIG_PROPOSALS_PATH, async (request) => opts.propose(request.body));
  app.post<{ Params: { id: string } }>(`${CONFIG_PROPOSALS_PATH}/:id/approve`, async (request) => opts.approve(request.params.id, request.body));
  app.post<{ Params: { id: string } }>(`${CONFIG_PROPOSALS_PATH}/:id/reject`, async (request) => opts.reject(request.params.id, request.body));
};
