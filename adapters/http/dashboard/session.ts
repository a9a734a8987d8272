/**
 * Dashboard sessions, installed into the dashboard's (encapsulated) fastify context:
 * - every request: the `fakeout-session` cookie is looked up (by its sha256) and judged; a live
 *   session sets `request.dashboardUser` (the role read from `users` now, so a role change applies
 *   at once), an expired or idle one is deleted;
 * - `GET /api/csrf` the CSRF token for the page (before login); `POST /api/login` `{ user, password }`
 *   against the Postgres users (scrypt, actors/auth/password.ts; wrong passwords count towards the
 *   lock of actors/auth/lockout.ts), rate-limited per address and per user; `POST /api/logout`;
 *   `GET /api/me`. Every attempt is in the audit log (`session.login`, `session.login_refused`,
 *   `session.logout`), as the approval surface audits its checks.
 * - {@link makeGuard}: the `guard(action)` preHandler of the dashboard contract.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { appendAudit } from '../../db/audit-log.repo.ts';
import { deleteDashboardSession, getDashboardSession, insertDashboardSession, touchDashboardSession } from '../../db/dashboard-sessions.repo.ts';
import type { Db } from '../../db/schema.ts';
import { getUser, lockAuthState, saveAuthState } from '../../db/users.repo.ts';
import type { Clock } from '../../time/clock.ts';
import { FakeoutError, type ErrorCode } from '../../../actors/domain/errors.ts';
import { isLocked, recordFailure, type LockoutPolicy } from '../../../actors/auth/lockout.ts';
import { verifyPassword } from '../../../actors/auth/password.ts';
import { ACTIONS, can, isRole, type Action, type Role } from '../../../actors/auth/roles.ts';
import { isSessionIdShape, judgeSession, needsTouch, newSessionId, parseLoginBody, sessionIdHash, type SessionPolicy } from './session-rules.ts';

export interface DashboardUser {
  user: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the logged-in dashboard user, or null (set by the dashboard's session hook) */
    dashboardUser: DashboardUser | null;
    /** why there is no dashboard user although a session cookie came: 'expired', 'idle', 'unknown' */
    dashboardSessionEnded: string | null;
  }
}

export const SESSION_COOKIE = 'fakeout-session';
/** The cookies live under /ui only: the rest of the HTTP API (webhook, /api) never sees them. */
export const COOKIE_PATH = '/ui';

export interface SessionOptions {
  db: Db;
  clock: Clock;
  lockout: LockoutPolicy;
  policy: SessionPolicy;
  /** logins a minute per address, and separately per user name */
  loginRatePerMinute: number;
  random?: (n: number) => Uint8Array;
}

/** The contract's guard: 401 without a live session, 403 when the role may not do `action`. */
export function makeGuard(): (action: Action) => preHandlerAsyncHookHandler {
  return (action) => async (request) => {
    const u = request.dashboardUser;
    if (u == null) {
      const why = request.dashboardSessionEnded;
      throw new FakeoutError('FAKEOUT_ERR_DASHBOARD_UNAUTHENTICATED', why == null ? 'log in first (POST /ui/api/login)' : `the session is over (${why}); log in again`);
    }
    if (!can(u.role, action)) throw new FakeoutError('FAKEOUT_ERR_AUTH_FORBIDDEN', `user ${u.user} (${u.role}) may not ${action}`, { details: { role: u.role, action } });
  };
}

const cookieOptions = (maxAgeMs: number) => ({ path: COOKIE_PATH, httpOnly: true, sameSite: 'strict' as const, secure: 'auto' as const, maxAge: Math.floor(maxAgeMs / 1000) });

/**
 * Resolves the session cookie of a /ui request into `request.dashboardUser` (core.plugin.ts
 * installs it on the root context, so every plugin under /ui/api sees the user).
 */
export function resolveSession(opts: Pick<SessionOptions, 'db' | 'clock' | 'policy'>) {
  const { db, clock, policy } = opts;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const id = request.cookies[SESSION_COOKIE];
    if (id === undefined) return;
    if (!isSessionIdShape(id)) {
      request.dashboardSessionEnded = 'unknown';
      return;
    }
    const hash = sessionIdHash(id);
    const s = await getDashboardSession(db, hash);
    const now = clock.now();
    if (s === undefined || !isRole(s.role)) {
      request.dashboardSessionEnded = 'unknown';
      reply.clearCookie(SESSION_COOKIE, { path: COOKIE_PATH });
      return;
    }
    const verdict = judgeSession(s, now, policy);
    if (verdict !== 'live') {
      await deleteDashboardSession(db, hash);
      request.dashboardSessionEnded = verdict === 'idle' ? `idle for over ${Math.round(policy.idleMs / 60_000)} min` : 'expired';
      reply.clearCookie(SESSION_COOKIE, { path: COOKIE_PATH });
      return;
    }
    if (needsTouch(s.lastSeenAt, now, policy)) await touchDashboardSession(db, hash, now);
    request.dashboardUser = { user: s.user, role: s.role };
  };
}

/** `/csrf`, `/login`, `/logout`, `/me`, registered under the prefix /ui/api. */
export const sessionRoutes: FastifyPluginAsync<SessionOptions> = async (app, opts) => {
  const { db, clock, policy } = opts;
  // WHY createRateLimit and not two `app.rateLimit()` preHandlers: the plugin marks a request as
  // rate-limited after its first handler and skips the second, so the per-user limit never ran.
  const perMinute = { max: opts.loginRatePerMinute, timeWindow: 60_000 };
  const limits = [
    app.createRateLimit({ ...perMinute, keyGenerator: (r: FastifyRequest) => `ip:${r.ip}` }),
    app.createRateLimit({
      ...perMinute,
      keyGenerator: (r: FastifyRequest) => {
        const user = (r.body as { user?: unknown } | null)?.user;
        return `user:${typeof user === 'string' ? user.slice(0, 64) : ''}`;
      },
    }),
  ];
  const rateLimited = async (request: FastifyRequest, reply: FastifyReply) => {
    for (const check of limits) {
      const r = await check(request);
      if (!r.isAllowed && r.isExceeded) {
        reply.header('retry-after', String(Math.max(1, r.ttlInSeconds)));
        throw new FakeoutError('FAKEOUT_ERR_DASHBOARD_RATE_LIMITED', `too many login attempts; try again in ${Math.max(1, r.ttlInSeconds)} s`, { details: { retryAfterSeconds: Math.max(1, r.ttlInSeconds) } });
      }
    }
  };
  const guard = makeGuard();

  // Unguarded: the page asks it first, so it learns whether a session is open without a 401 (which the browser would log as an error).
  app.get('/csrf', async (request, reply) => {
    const u = request.dashboardUser;
    // a session that just ended has its cookie cleared in this answer: the token is for no session
    const userInfo = request.dashboardSessionEnded === null ? csrfUserInfo(request) : csrfBinding(undefined);
    return { token: reply.generateCsrf({ userInfo }), session: u == null ? null : { user: u.user, role: u.role, permissions: permissionsOf(u.role) } };
  });

  app.post('/login', { preHandler: rateLimited }, async (request, reply) => {
    const { user, password } = parseLoginBody(request.body);
    const result = await login(opts, user, password, request.ip);
    reply.setCookie(SESSION_COOKIE, result.id, cookieOptions(policy.ttlMs));
    return { user, role: result.role, csrfToken: freshCsrf(request, reply, result.id), permissions: permissionsOf(result.role) };
  });

  app.post('/logout', async (request, reply) => {
    const id = request.cookies[SESSION_COOKIE];
    if (isSessionIdShape(id) && (await deleteDashboardSession(db, sessionIdHash(id))) && request.dashboardUser !== null) {
      await appendAudit(db, { at: clock.now(), actor: request.dashboardUser.user, action: 'session.logout', subject: 'dashboard', details: { remote: request.ip } });
    }
    reply.clearCookie(SESSION_COOKIE, { path: COOKIE_PATH });
    return { loggedOut: true };
  });

  app.get('/me', { preHandler: guard('view') }, async (request, reply) => {
    const u = request.dashboardUser!;
    return { user: u.user, role: u.role, csrfToken: reply.generateCsrf({ userInfo: csrfUserInfo(request) }), permissions: permissionsOf(u.role) };
  });
};

/** What the role may do, so the page can leave out controls it would be refused (the server checks anyway). */
function permissionsOf(role: Role): Action[] {
  return ACTIONS.filter((a) => can(role, a));
}

/** A new CSRF secret at login, so a token planted before the login is worthless after it; the token is bound to the new session. */
function freshCsrf(request: FastifyRequest, reply: FastifyReply, sessionId: string): string {
  delete (request.cookies as Record<string, string | undefined>)['_csrf'];
  return reply.generateCsrf({ userInfo: csrfBinding(sessionId) });
}

/**
 * What a CSRF token is bound to besides its secret cookie (@fastify/csrf-protection's
 * `getUserInfo`): the sha256 of the session cookie the request carries, or `anonymous` without
 * one. So a token issued for one session is refused with another session's cookie, even when
 * both came with the same secret cookie (a planted or shared `_csrf`).
 * WHY the cookie and not only a live session: a POST whose session just ended must still reach
 * the guard and get its 401 "log in again", not a 403 CSRF the page cannot act on.
 */
export function csrfBinding(sessionId: string | undefined): string {
  return isSessionIdShape(sessionId) ? `session:${sessionIdHash(sessionId)}` : 'anonymous';
}

/** {@link csrfBinding} of the request's session cookie: issuing a token and checking one use the same. */
export function csrfUserInfo(request: FastifyRequest): string {
  return csrfBinding(request.cookies[SESSION_COOKIE]);
}

/**
 * user → lock → password, in one transaction that also holds the audit entry and the failure
 * count (committed whatever the outcome, as approvals are). One answer for unknown user, no
 * password and wrong password; the audit log says which.
 */
async function login(opts: SessionOptions, user: string, password: string, remote: string): Promise<{ id: string; role: Role }> {
  const { db, clock } = opts;
  const at = clock.now();
  const outcome = await db.transaction().execute(async (trx): Promise<{ id: string; role: Role } | FakeoutError> => {
    const refuse = async (code: ErrorCode, message: string, why: string, extra: Record<string, unknown> = {}) => {
      await appendAudit(trx, { at, actor: user, action: 'session.login_refused', subject: 'dashboard', details: { code, why, remote, ...extra } });
      return new FakeoutError(code, message, { details: { field: code === 'FAKEOUT_ERR_AUTH_LOCKED' ? 'user' : 'password', ...extra } });
    };
    const row = await getUser(trx, user);
    if (row === undefined) return refuse('FAKEOUT_ERR_AUTH_PASSWORD_WRONG', 'wrong user or password', 'unknown user');
    const state = await lockAuthState(trx, user);
    if (state !== undefined && isLocked(state, at)) {
      return refuse('FAKEOUT_ERR_AUTH_LOCKED', `user ${user} is locked until ${new Date(state.lockedUntil!).toISOString()} after repeated failures`, 'locked', { lockedUntil: state.lockedUntil });
    }
    if (row.password_hash === null || !(await verifyPassword(password, row.password_hash))) {
      if (state !== undefined) {
        const next = recordFailure(state, at, opts.lockout);
        await saveAuthState(trx, user, { ...state, failures: [...next.failures], lockedUntil: next.lockedUntil });
      }
      return refuse('FAKEOUT_ERR_AUTH_PASSWORD_WRONG', 'wrong user or password', row.password_hash === null ? 'no password set' : 'wrong password');
    }
    if (!isRole(row.role)) return refuse('FAKEOUT_ERR_AUTH_FORBIDDEN', `user ${user} has no known role`, 'bad role');
    const id = newSessionId(opts.random);
    await insertDashboardSession(trx, { idSha256: sessionIdHash(id), user, createdAt: at, expiresAt: at + opts.policy.ttlMs, remote });
    await appendAudit(trx, { at, actor: user, action: 'session.login', subject: 'dashboard', details: { role: row.role, remote } });
    return { id, role: row.role };
  });
  if (outcome instanceof FakeoutError) throw outcome;
  return outcome;
}
