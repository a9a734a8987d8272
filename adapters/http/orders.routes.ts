/**
 * The human approval surface over HTTP, served only by a process that holds the `gateway` NATS
 * user (roles `all` and `gateway`), because a decision is published on ORDERS as that user:
 * - `GET /api/orders?status=pending`: orders waiting for a person (HTTP Basic `user:password`, any role);
 * - `POST /api/orders/:id/approve` `{ user, password, code }` (approver or admin, TOTP);
 * - `POST /api/orders/:id/reject` `{ user, password, reason }` (approver or admin);
 * - `POST /api/breaker/reset` `{ user, password, code }` (approver or admin, TOTP);
 * - `POST /api/breaker/trip` `{ user, password, reason }` (the kill switch: trader, approver or admin, no TOTP).
 * A decision answers 202 once ORDERS acknowledged it: the gateway applies it asynchronously.
 * Refusals come back in the shared error shape with the registry's status (401, 403, 404, 409, 423).
 */
import type { FastifyPluginAsync } from 'fastify';
import { FakeoutError } from '../../actors/domain/errors.ts';

/** A pending order as the API shows it. */
export interface PendingOrderView {
  clientOrderId: string;
  signalId: string;
  symbol: string;
  side: string;
  qty: number;
  decisionPrice: number;
  createdAt: number;
}

/** What the routes call; the service validates the bodies and names the bad field. */
export interface OrdersRoutesOptions {
  listPending(credentials: { user: string; password: string }): Promise<PendingOrderView[]>;
  approve(clientOrderId: string, body: unknown): Promise<unknown>;
  reject(clientOrderId: string, body: unknown): Promise<unknown>;
  resetBreaker(body: unknown): Promise<unknown>;
  tripBreaker(body: unknown): Promise<unknown>;
}

export const ORDERS_PATH = '/api/orders';
export const BREAKER_RESET_PATH = '/api/breaker/reset';
export const BREAKER_TRIP_PATH = '/api/breaker/trip';

/** `Authorization: Basic base64(user:password)`; anything else is a 401 naming the header. */
export function basicCredentials(header: unknown): { user: string; password: string } {
  const m = typeof header === 'string' ? /^Basic ([A-Za-z0-9+/=]{1,2800})$/.exec(header) : null;
  const decoded = m === null ? '' : Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    throw new FakeoutError('FAKEOUT_ERR_AUTH_PASSWORD_WRONG', 'send Authorization: Basic with user:password', { details: { field: 'authorization' } });
  }
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export const ordersRoutes: FastifyPluginAsync<OrdersRoutesOptions> = async (app, opts) => {
  app.get(ORDERS_PATH, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    for (const key of Object.keys(query)) {
      if (key !== 'status') throw new FakeoutError('FAKEOUT_ERR_API_INVALID_QUERY', `unknown parameter ${JSON.stringify(key)}`, { details: { field: key } });
    }
    if (query.status !== undefined && query.status !== 'pending') {
      throw new FakeoutError('FAKEOUT_ERR_API_INVALID_QUERY', 'status: only "pending" can be listed', { details: { field: 'status' } });
    }
    const orders = await opts.listPending(basicCredentials(request.headers.authorization));
    return reply.type('application/json; charset=utf-8').send({ status: 'pending', order: 'oldest first', orders });
  });

  app.post<{ Params: { id: string } }>(`${ORDERS_PATH}/:id/approve`, async (request, reply) => {
    return reply.code(202).send(await opts.approve(request.params.id, request.body));
  });

  app.post<{ Params: { id: string } }>(`${ORDERS_PATH}/:id/reject`, async (request, reply) => {
    return reply.code(202).send(await opts.reject(request.params.id, request.body));
  });

  app.post(BREAKER_RESET_PATH, async (request, reply) => {
    return reply.code(202).send(await opts.resetBreaker(request.body));
  });

  app.post(BREAKER_TRIP_PATH, async (request, reply) => {
    return reply.code(202).send(await opts.tripBreaker(request.body));
  });
};
