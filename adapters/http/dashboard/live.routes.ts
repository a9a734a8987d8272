/**
 * The Live tab's API, under /ui/api (every route behind the session guard):
 * - `GET /signals`, `GET /signals/stream`: the existing signal routes (signals.routes.ts), the
 *   stream as server-sent events, reused as they are behind `guard('view')` ({@link guardedSignalsRoutes});
 * - `GET /chart?symbol=&timeframe=&limit=`: the latest stored bars (limit ≤ 2000) with the
 *   signals, entries and exits inside their range; `GET /series`: symbols and timeframes with bars;
 * - `GET /state`: gate and breaker as the gateway last committed them, orders waiting;
 * - `GET /orders/pending`, `GET /orders/recent?limit=` (≤ 50); `POST /orders/:id/approve` `{ code }` (TOTP) and `POST /orders/:id/reject`
 *   `{ reason }`: the approvals service with the session's user (the password was checked at login);
 * - `POST /breaker/trip` `{ reason }` (`breaker.trip`: the kill switch, no TOTP) and `POST /breaker/reset`
 *   `{ code }` (`breaker.reset`, TOTP): the same service calls and audit as `/api/breaker/*`
 *   (orders.routes.ts), with the session's user; the breaker machine in the gateway decides.
 */
import type { FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import type { Action } from '../../../actors/auth/roles.ts';
import { isTimeframe, type Bar, type Timeframe } from '../../../actors/domain/messages.ts';
import { FakeoutError } from '../../../actors/domain/errors.ts';
import type { ChartMarkerRow } from '../../db/dashboard-live.repo.ts';
import type { PendingOrderView } from '../orders.routes.ts';
import { signalsRoutes, type SignalsRoutesOptions } from '../signals.routes.ts';
import { intParam, invalid, objectBody, onlyParams } from './body.ts';

/** A decision made by the logged-in user: the session names them, the body holds the rest. */
export interface SessionDecisions {
  approve(clientOrderId: string, body: unknown, session: { user: string }): Promise<unknown>;
  reject(clientOrderId: string, body: unknown, session: { user: string }): Promise<unknown>;
  tripBreaker(body: { reason: string }, session: { user: string }): Promise<unknown>;
  resetBreaker(body: { code: string }, session: { user: string }): Promise<unknown>;
}

export interface LiveState {
  gate: string;
  breaker: { state: string; cooldownEndsAt: number | null; clock: number };
  pending: number;
}

export interface LiveRoutesOptions {
  guard: (action: Action) => preHandlerAsyncHookHandler;
  bars(symbol: string, timeframe: Timeframe, limit: number): Promise<Bar[]>;
  markers(q: { symbol: string; timeframe: Timeframe; from: number; to: number; limit: number }): Promise<ChartMarkerRow[]>;
  series(): Promise<{ symbol: string; timeframe: string; bars: number }[]>;
  state(): Promise<LiveState>;
  pending(): Promise<PendingOrderView[]>;
  /** the latest orders by last change (at most 50), newest first */
  recentOrders(limit: number): Promise<unknown[]>;
  /** absent where this process cannot publish decisions (no gateway NATS user): 503 */
  decisions?: SessionDecisions | undefined;
}

/**
 * The existing signal routes, unchanged, behind `guard('view')`. Registered at the prefix /ui,
 * their /api/signals paths become /ui/api/signals and /ui/api/signals/stream.
 */
export const guardedSignalsRoutes: FastifyPluginAsync<{ guard: LiveRoutesOptions['guard']; signals: SignalsRoutesOptions }> = async (app, opts) => {
  app.addHook('preHandler', opts.guard('view'));
  await app.register(signalsRoutes, opts.signals);
};

export const MAX_CHART_BARS = 2000;
const SYMBOL = /^[A-Za-z0-9._:/-]{1,64}$/;

export const liveRoutes: FastifyPluginAsync<LiveRoutesOptions> = async (app, opts) => {
  const { guard } = opts;

  app.get('/chart', { preHandler: guard('view') }, async (request) => {
    const q = request.query as Record<string, unknown>;
    onlyParams(q, ['symbol', 'timeframe', 'limit']);
    if (typeof q.symbol !== 'string' || !SYMBOL.test(q.symbol)) throw invalid('symbol', 'expected 1-64 characters of A-Z a-z 0-9 . _ : / -');
    if (!isTimeframe(q.timeframe)) throw invalid('timeframe', 'expected one of 1m, 5m, 15m, 1h, 4h, 1d');
    const limit = intParam(q, 'limit', 500, 1, MAX_CHART_BARS);
    const bars = await opts.bars(q.symbol, q.timeframe, limit);
    const markers = bars.length === 0 ? [] : await opts.markers({ symbol: q.symbol, timeframe: q.timeframe, from: bars[0]!.openTime, to: bars[bars.length - 1]!.closeTime, limit: MAX_CHART_BARS });
    return { symbol: q.symbol, timeframe: q.timeframe, bars, markers };
  });

  app.get('/series', { preHandler: guard('view') }, async () => ({ series: await opts.series() }));
  app.get('/state', { preHandler: guard('view') }, async () => opts.state());
  app.get('/orders/pending', { preHandler: guard('view') }, async () => ({ orders: await opts.pending() }));
  app.get('/orders/recent', { preHandler: guard('view') }, async (request) => {
    const q = request.query as Record<string, unknown>;
    onlyParams(q, ['limit']);
    return { orders: await opts.recentOrders(intParam(q, 'limit', 20, 1, 50)) };
  });

  const decisions = (): SessionDecisions => {
    if (opts.decisions === undefined) {
      throw new FakeoutError('FAKEOUT_ERR_DASHBOARD_UNAVAILABLE', 'this process cannot publish order decisions (it has no gateway NATS user); use the dashboard of role all or gateway');
    }
    return opts.decisions;
  };
  app.post<{ Params: { id: string } }>('/orders/:id/approve', { preHandler: guard('orders.approve') }, async (request, reply) => {
    const body = objectBody(request.body, ['code']);
    if (typeof body.code !== 'string') throw invalid('code', 'expected the six digits the authenticator shows');
    return reply.code(202).send(await decisions().approve(request.params.id, { code: body.code }, { user: request.dashboardUser!.user }));
  });
  app.post<{ Params: { id: string } }>('/orders/:id/reject', { preHandler: guard('orders.reject') }, async (request, reply) => {
    const body = objectBody(request.body, ['reason']);
    if (typeof body.reason !== 'string') throw invalid('reason', 'expected why the order is rejected');
    return reply.code(202).send(await decisions().reject(request.params.id, { reason: body.reason }, { user: request.dashboardUser!.user }));
  });
  app.post('/breaker/trip', { preHandler: guard('breaker.trip') }, async (request, reply) => {
    const body = objectBody(request.body, ['reason']);
    if (typeof body.reason !== 'string' || body.reason.trim() === '') throw invalid('reason', 'expected why the breaker is tripped (required)');
    return reply.code(202).send(await decisions().tripBreaker({ reason: body.reason.trim() }, { user: request.dashboardUser!.user }));
  });
  app.post('/breaker/reset', { preHandler: guard('breaker.reset') }, async (request, reply) => {
    const body = objectBody(request.body, ['code']);
    if (typeof body.code !== 'string') throw invalid('code', 'expected the six digits the authenticator shows');
    return reply.code(202).send(await decisions().resetBreaker({ code: body.code }, { user: request.dashboardUser!.user }));
  });
};
