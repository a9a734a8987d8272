/**
 * A server with the dashboard on a fresh PGlite database, a clock the test moves, real users
 * (scrypt passwords via the auth service) and recording fakes for the decision ports, driven
 * through `inject()`. Also: log in, and the cookie jar / CSRF header a browser would send.
 */
import type { FastifyInstance } from 'fastify';
import { createAuthService } from '../../actors/auth/auth.service.ts';
import { lockoutPolicy } from '../../actors/auth/lockout.ts';
import { buildHttpServer, type HttpServerOptions } from '../../adapters/http/index.ts';
import { createMetrics } from '../../adapters/metrics/index.ts';
import type { Clock } from '../../adapters/time/clock.ts';
import type { DashboardOptions } from '../../adapters/http/dashboard/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

export const PASSWORDS = { vic: 'viewer-password-1', tom: 'trader-password-2', ann: 'approver-password-3', ada: 'admin-password-44' } as const;
export const ROLES = { vic: 'viewer', tom: 'trader', ann: 'approver', ada: 'admin' } as const;
export type Who = keyof typeof PASSWORDS;

export class TestClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

export interface Call { kind: string; id?: string; body: unknown; user: string }

export interface DashFixture {
  app: FastifyInstance;
  db: TestDatabase;
  clock: TestClock;
  calls: Call[];
  cleanup(): Promise<void>;
}

export async function makeDashboard(over: { dashboard?: Partial<DashboardOptions>; server?: Partial<HttpServerOptions>; decisions?: boolean } = {}): Promise<DashFixture> {
  const db = await createTestDatabase('pglite');
  const clock = new TestClock(Date.UTC(2026, 2, 2, 12, 0));
  const lockout = lockoutPolicy(5, 900);
  const auth = createAuthService({ db: db.database.db, clock, lockout, secretsDir: db.dataDir, operator: 'test' });
  for (const [name, role] of Object.entries(ROLES)) await auth.addUser(name, role, PASSWORDS[name as Who]);
  const calls: Call[] = [];
  const record = (kind: string) => async (id: string, body: unknown, s: { user: string }) => {
    calls.push({ kind, id, body, user: s.user });
    return { clientOrderId: id, decision: kind, published: true };
  };
  const withDecisions = over.decisions ?? true;
  const dashboard: DashboardOptions = {
    db: db.database.db,
    clock,
    lockout,
    loginRatePerMinute: 1000,
    signals: { recent: async () => [], follow: async () => ({ close: async () => undefined }) },
    live: {
      bars: async () => [],
      markers: async () => [],
      series: async () => [],
      state: async () => ({ gate: 'gated', breaker: { state: 'closed', cooldownEndsAt: null, clock: 0 }, pending: 0 }),
      pending: async () => [],
      recentOrders: async () => [],
      ...(withDecisions
        ? {
            decisions: {
              approve: record('approve'),
              reject: record('reject'),
              tripBreaker: async (body: unknown, s: { user: string }) => (calls.push({ kind: 'breaker.trip', body, user: s.user }), { trip: 'requested', published: true }),
              resetBreaker: async (body: unknown, s: { user: string }) => (calls.push({ kind: 'breaker.reset', body, user: s.user }), { reset: 'requested', published: true }),
            },
          }
        : {}),
    },
    config: {
      versions: async () => [],
      proposals: async () => [],
      ...(withDecisions
        ? {
            decisions: {
              propose: async (body: unknown, s: { user: string }) => (calls.push({ kind: 'propose', body, user: s.user }), { state: 'proposed' }),
              approve: async (id: string, body: unknown, s: { user: string }) => (calls.push({ kind: 'config.approve', id, body, user: s.user }), { state: 'applied' }),
              reject: async (id: string, body: unknown, s: { user: string }) => (calls.push({ kind: 'config.reject', id, body, user: s.user }), { state: 'rejected' }),
            },
          }
        : {}),
    },
    ...over.dashboard,
  };
  const app = buildHttpServer({ logger: { level: 'silent' }, webhookSecret: 'unused-secret', actorsTree: () => ({}), metrics: createMetrics(), dashboard, ...over.server });
  return {
    app, db, clock, calls,
    async cleanup() {
      await app.close();
      await db.cleanup();
    },
  };
}

/** The `name=value` pairs of a response's Set-Cookie headers. */
export function setCookies(res: { headers: Record<string, unknown> }): Map<string, string> {
  const raw = res.headers['set-cookie'];
  const lines = raw === undefined ? [] : Array.isArray(raw) ? (raw as string[]) : [String(raw)];
  return new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), l]));
}

/** A browser's view of one user agent: its cookies and the CSRF token the page holds. */
export class Agent {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(private app: FastifyInstance, private remoteAddress = '127.0.0.1') {}

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  absorb(res: { headers: Record<string, unknown> }): void {
    for (const [name, line] of setCookies(res)) {
      const value = line.slice(name.length + 1).split(';')[0]!;
      if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: 'GET' | 'POST', url: string, body?: unknown, opts: { csrf?: string | null; headers?: Record<string, string> } = {}) {
    const token = opts.csrf === undefined ? this.csrf : opts.csrf;
    const res = await this.app.inject({
      method, url, remoteAddress: this.remoteAddress,
      headers: { ...(this.cookies.size > 0 ? { cookie: this.header() } : {}), ...(method === 'POST' && token !== null ? { 'x-csrf-token': token } : {}), ...opts.headers },
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });
    this.absorb(res);
    return res;
  }

  async fetchCsrf(): Promise<void> {
    const res = await this.request('GET', '/ui/api/csrf');
    this.csrf = (res.json() as { token: string }).token;
  }

  async login(user: string, password: string) {
    if (this.csrf === '') await this.fetchCsrf();
    const res = await this.request('POST', '/ui/api/login', { user, password });
    if (res.statusCode === 200) this.csrf = (res.json() as { csrfToken: string }).csrfToken;
    return res;
  }
}

export async function loggedIn(app: FastifyInstance, who: Who): Promise<Agent> {
  const a = new Agent(app);
  const res = await a.login(who, PASSWORDS[who]);
  if (res.statusCode !== 200) throw new Error(`login of ${who} failed: ${res.statusCode} ${res.body}`);
  return a;
}
