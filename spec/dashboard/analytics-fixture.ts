/**
 * What the DASH-DATA route tests share: a test guard standing in for the session plugin's (the
 * contract's shape), a fastify app with one dashboard plugin under `/ui/api`, and row builders
 * for seeding a real database.
 *
 * The test guard reads `x-test-role`: absent → 401, a role that may not do the action (or not a
 * role at all) → 403, in the shared error shape; allowed → the request goes on, and the answer
 * carries `x-test-action` naming the action the route asked for, so a test can check it.
 */
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { can, isRole, type Action } from '../../actors/auth/roles.ts';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { installErrorHandlers } from '../../adapters/http/errors.ts';
import type { DashboardGuard } from '../../adapters/http/dashboard/analytics-query.ts';
import type { Db } from '../../adapters/db/schema.ts';

export const testGuard: DashboardGuard = (action: Action) => async (request, reply) => {
  const role = request.headers['x-test-role'];
  if (role === undefined) throw new FakeoutError('FAKEOUT_ERR_AUTH_UNKNOWN_USER', 'log in first');
  if (typeof role !== 'string' || !isRole(role) || !can(role, action)) throw new FakeoutError('FAKEOUT_ERR_AUTH_FORBIDDEN', `${String(role)} may not ${action}`);
  reply.header('x-test-action', action);
};

export async function dashboardApp<O extends Record<string, unknown>>(plugin: FastifyPluginAsync<O>, opts: O): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  installErrorHandlers(app);
  await app.register(plugin as FastifyPluginAsync<Record<string, unknown>>, { ...opts, prefix: '/ui/api' });
  await app.ready();
  return app;
}

/** GET as `role` (default viewer); the parsed body, status and the action the guard was asked for. */
export async function get(app: FastifyInstance, url: string, role: string | null = 'viewer') {
  const res = await app.inject({ method: 'GET', url: `/ui/api${url}`, headers: role === null ? {} : { 'x-test-role': role } });
  const type = String(res.headers['content-type'] ?? '');
  return { status: res.statusCode, body: type.startsWith('application/json') ? res.json() : res.body, action: res.headers['x-test-action'], bytes: res.body.length };
}

export const T0 = Date.UTC(2024, 0, 1); // Monday 2024-01-01 00:00 UTC
export const H = 3_600_000;

export interface SignalSeed {
  symbol: string;
  at: number;
  score: number;
  session?: string | null;
  volatility?: string | null;
  trend?: string | null;
  direction?: string;
}

export function signalRow(s: SignalSeed) {
  return {
    id: `${s.symbol}:1m:${s.at}`, symbol: s.symbol, timeframe: '1m', open_time: s.at, direction: s.direction ?? 'long', score: s.score,
    entry: 100, stop: 99, target: 102, features: '{}', session: s.session ?? null, volatility_regime: s.volatility ?? null, trend_regime: s.trend ?? null,
  };
}

export async function insertSignalRows(db: Db, seeds: readonly SignalSeed[]): Promise<void> {
  for (let i = 0; i < seeds.length; i += 2000) await db.insertInto('signals').values(seeds.slice(i, i + 2000).map(signalRow)).execute();
}

export function positionRow(signalId: string, p: { symbol: string; status: 'open' | 'closed'; openedAt: number; closedAt?: number; pnl?: number; r?: number }) {
  return {
    id: signalId, symbol: p.symbol, direction: 'long', status: p.status, qty: 1, entry_price: 100, opened_at: p.openedAt,
    closed_at: p.closedAt ?? null, exit_price: p.status === 'closed' ? 100 : null, pnl: p.pnl ?? null, r: p.r ?? null, snapshot: '{}',
  };
}
