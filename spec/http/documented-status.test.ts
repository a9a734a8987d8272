/**
 * Every HTTP status README.md's route table documents is produced by that route, and every
 * status a route can answer with is documented: the table is read, each (route, status) pair
 * needs a recipe here, and the recipe's request must get exactly that status from the real
 * server (fastify, the real routes and error handlers; only the ports behind them are stubs).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeoutError } from '../../actors/domain/errors.ts';
import type { Signal } from '../../actors/domain/messages.ts';
import type { OrdersRoutesOptions } from '../../adapters/http/orders.routes.ts';
import type { SignalsRoutesOptions } from '../../adapters/http/signals.routes.ts';
import { alertBody, makeFixture, SECRET } from './http-fixture.ts';

const s = suite('documented HTTP statuses');
const ROOT = resolve(import.meta.dirname, '../..');

/** `route → statuses` from the README's HTTP table (`| \`GET /x\` | … 200 … 404 … |`). */
function documented(): Map<string, number[]> {
  const md = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = md.indexOf('## HTTP');
  const section = md.slice(start, md.indexOf('\n## ', start + 1));
  const out = new Map<string, number[]>();
  for (const line of section.split('\n')) {
    const m = /^\|\s*(?:`([A-Z]+ \/[^`?]*)[^`]*`|(any other method or path))\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const codes = [...m[3]!.matchAll(/\b([2-5]\d\d)\b/g)].map((c) => Number(c[1]));
    out.set(m[1] ?? m[2]!, [...new Set(codes)].sort());
  }
  return out;
}

const follow: SignalsRoutesOptions['follow'] = async (q) => {
  if (q.symbol === 'DOWN') throw new FakeoutError('FAKEOUT_ERR_NATS_CONNECT', 'cannot follow SIGNALS: test');
  return { close: async () => undefined };
};
const signals: SignalsRoutesOptions = { recent: async () => [] as Signal[], follow, heartbeatMs: 60_000 };

/**
 * The approval service behind the order routes, stubbed: the refusal each request asks for (by
 * order id or user) is thrown as the service would, so the route's status mapping is what is
 * checked here; the real checks are spec/http/orders.routes.test.ts's, over Postgres and NATS.
 */
const REFUSALS: Record<string, FakeoutError> = {
  unknown: new FakeoutError('FAKEOUT_ERR_ORDER_UNKNOWN', 'no such order'),
  decided: new FakeoutError('FAKEOUT_ERR_ORDER_NOT_PENDING', 'already decided'),
  viewer: new FakeoutError('FAKEOUT_ERR_AUTH_FORBIDDEN', 'role'),
  locked: new FakeoutError('FAKEOUT_ERR_AUTH_LOCKED', 'locked'),
  wrong: new FakeoutError('FAKEOUT_ERR_AUTH_PASSWORD_WRONG', 'password'),
  bad: new FakeoutError('FAKEOUT_ERR_ORDER_INVALID', 'code: missing', { details: { field: 'code' } }),
  cooling: new FakeoutError('FAKEOUT_ERR_BREAKER_COOLDOWN', 'cooling down until …'),
};
const decide = async (id: string, body: unknown) => {
  const user = (body as { user?: string } | null)?.user ?? '';
  const refusal = REFUSALS[id] ?? REFUSALS[user];
  if (refusal) throw refusal;
  return { clientOrderId: id, decision: 'approved', published: true };
};
const orders: OrdersRoutesOptions = {
  listPending: async ({ user }) => {
    if (REFUSALS[user]) throw REFUSALS[user];
    return [];
  },
  approve: decide,
  reject: decide,
  resetBreaker: (body) => decide('breaker', body),
  tripBreaker: (body) => decide('breaker', body),
};
const post = (url: string, body: unknown) => async () => {
  const f = makeFixture({ signals, orders });
  const res = await f.app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  await f.app.close();
  return res.statusCode;
};
const basic = (user: string) => `Basic ${Buffer.from(`${user}:pw`).toString('base64')}`;
const pending = (query: string, user: string) => async () => {
  const f = makeFixture({ signals, orders });
  const res = await f.app.inject({ method: 'GET', url: `/api/orders${query}`, headers: { authorization: basic(user) } });
  await f.app.close();
  return res.statusCode;
};

type Recipe = () => Promise<number>;
const webhook = (payload: string, headers: Record<string, string> = { 'content-type': 'application/json' }, respond?: () => Promise<never>) => async () => {
  const f = makeFixture({ signals, ...(respond ? { respond } : {}) });
  const res = await f.app.inject({ method: 'POST', url: '/webhook/tradingview', payload, headers });
  await f.app.close();
  return res.statusCode;
};
/** From an address the allowlist does not list (inject's default remote is 127.0.0.1). */
const fromUnlisted = async () => {
  const f = makeFixture({ webhookAllowIps: ['52.89.214.238'] });
  const res = await f.app.inject({ method: 'POST', url: '/webhook/tradingview', payload: alertBody() });
  await f.app.close();
  return res.statusCode;
};
/** The second request of a minute at one a minute. */
const overRate = async () => {
  const f = makeFixture({ webhookRatePerMinute: 1 });
  await f.app.inject({ method: 'POST', url: '/webhook/tradingview', payload: alertBody() });
  const res = await f.app.inject({ method: 'POST', url: '/webhook/tradingview', payload: alertBody() });
  await f.app.close();
  return res.statusCode;
};
const get = (url: string, health?: boolean) => async () => {
  const f = makeFixture({ signals, monitors: { list: async () => [] }, ...(health === undefined ? {} : { health: async () => ({ ok: health, details: {} }) }) });
  const res = await f.app.inject({ method: 'GET', url });
  await f.app.close();
  return res.statusCode;
};
/** The stream is hijacked (written by hand), so it is read over a real socket, headers only. */
const stream = (query: string) => async () => {
  const f = makeFixture({ signals });
  const base = await f.app.listen({ host: '127.0.0.1', port: 0 });
  const abort = new AbortController();
  try {
    const res = await fetch(`${base}/api/signals/stream${query}`, { signal: abort.signal });
    return res.status;
  } finally {
    abort.abort();
    await f.app.close();
  }
};

const RECIPES: Record<string, Record<number, Recipe>> = {
  'POST /webhook/tradingview': {
    202: webhook(JSON.stringify(alertBody())),
    400: webhook('{not json'),
    401: webhook(JSON.stringify({ ...alertBody(), secret: 'wrong' })),
    403: fromUnlisted,
    429: overRate,
    413: webhook(JSON.stringify({ ...alertBody(), pad: 'x'.repeat(20_000) })),
    415: webhook('a=b', { 'content-type': 'application/x-www-form-urlencoded' }),
    503: webhook(JSON.stringify(alertBody()), undefined, async () => {
      throw new FakeoutError('FAKEOUT_ERR_INGEST_UNAVAILABLE', 'test: RAW did not acknowledge');
    }),
  },
  'GET /api/signals': { 200: get('/api/signals?limit=5'), 400: get('/api/signals?limit=0') },
  'GET /api/signals/stream': { 200: stream('?symbol=SPY'), 400: stream('?bogus=1'), 503: stream('?symbol=DOWN') },
  'GET /api/orders': { 200: pending('?status=pending', 'ann'), 400: pending('?status=all', 'ann'), 401: pending('?status=pending', 'wrong') },
  'POST /api/orders/:id/approve': {
    202: post('/api/orders/SPY:1m:1:entry/approve', { user: 'ann' }),
    400: post('/api/orders/x/approve', { user: 'bad' }),
    401: post('/api/orders/x/approve', { user: 'wrong' }),
    403: post('/api/orders/x/approve', { user: 'viewer' }),
    404: post('/api/orders/unknown/approve', { user: 'ann' }),
    409: post('/api/orders/decided/approve', { user: 'ann' }),
    423: post('/api/orders/x/approve', { user: 'locked' }),
  },
  'POST /api/orders/:id/reject': {
    202: post('/api/orders/x/reject', { user: 'ann' }),
    400: post('/api/orders/x/reject', { user: 'bad' }),
    401: post('/api/orders/x/reject', { user: 'wrong' }),
    403: post('/api/orders/x/reject', { user: 'viewer' }),
    404: post('/api/orders/unknown/reject', { user: 'ann' }),
    409: post('/api/orders/decided/reject', { user: 'ann' }),
    423: post('/api/orders/x/reject', { user: 'locked' }),
  },
  'POST /api/breaker/reset': {
    202: post('/api/breaker/reset', { user: 'ann' }),
    400: post('/api/breaker/reset', { user: 'bad' }),
    401: post('/api/breaker/reset', { user: 'wrong' }),
    403: post('/api/breaker/reset', { user: 'viewer' }),
    409: post('/api/breaker/reset', { user: 'cooling' }),
    423: post('/api/breaker/reset', { user: 'locked' }),
  },
  'POST /api/breaker/trip': {
    202: post('/api/breaker/trip', { user: 'ann' }),
    400: post('/api/breaker/trip', { user: 'bad' }),
    401: post('/api/breaker/trip', { user: 'wrong' }),
    403: post('/api/breaker/trip', { user: 'viewer' }),
    423: post('/api/breaker/trip', { user: 'locked' }),
  },
  'GET /api/monitors': { 200: get('/api/monitors') },
  'GET /actors': { 200: get('/actors') },
  'GET /metrics': { 200: get('/metrics') },
  'GET /healthz': { 200: get('/healthz', true), 503: get('/healthz', false) },
  'any other method or path': { 404: get('/no/such/route') },
};

s('the README route table lists every route with at least one status', () => {
  const doc = documented();
  assert.equal([...doc.keys()].sort(), Object.keys(RECIPES).sort(), 'routes in README.md vs routes with recipes');
  for (const [route, codes] of doc) assert.ok(codes.length > 0, `${route} documents its statuses`);
});

s('every documented status has a recipe, and every recipe a documented status', () => {
  for (const [route, codes] of documented()) {
    assert.equal(codes, Object.keys(RECIPES[route] ?? {}).map(Number).sort(), route);
  }
});

s('each documented status is what the route answers', async () => {
  for (const [route, recipes] of Object.entries(RECIPES)) {
    for (const [code, recipe] of Object.entries(recipes)) {
      assert.is(await recipe(), Number(code), `${route} → ${code}`);
    }
  }
});

s('the secret used by the recipes is the fixture\'s (so 202 is not an accident)', () => {
  assert.is(alertBody().secret, SECRET);
});

s.run();
