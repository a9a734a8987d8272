/**
 * The dashboard session's rules, as plain functions: how an id is made and stored, and whether a
 * stored session is still good. No I/O; the plugin (session.plugin.ts) reads and writes the rows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { FakeoutError } from '../../../actors/domain/errors.ts';

/** 32 random bytes, base64url without padding: 43 characters. */
export const SESSION_ID_BYTES = 32;
const SESSION_ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface SessionPolicy {
  /** the absolute lifetime from login */
  ttlMs: number;
  /** a session with no request for this long is over */
  idleMs: number;
  /** last_seen_at is written at most this often (a write per request would be a write per SSE reconnect and poll) */
  touchEveryMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = Object.freeze({ ttlMs: 12 * 3_600_000, idleMs: 30 * 60_000, touchEveryMs: 60_000 });

export function newSessionId(random: (n: number) => Uint8Array = randomBytes): string {
  return Buffer.from(random(SESSION_ID_BYTES)).toString('base64url');
}

/** What is stored for a session id: its sha256, hex. POLICY: the id itself is never stored or logged. */
export function sessionIdHash(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** Whether a cookie value can be a session id at all (anything else is not looked up). */
export function isSessionIdShape(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID_SHAPE.test(value);
}

export type SessionVerdict = 'live' | 'expired' | 'idle';

/** A session is over at exactly `expiresAt`, and once `idleMs` passed since it was last seen. */
export function judgeSession(s: { expiresAt: number; lastSeenAt: number }, now: number, policy: Pick<SessionPolicy, 'idleMs'>): SessionVerdict {
  if (now >= s.expiresAt) return 'expired';
  if (now - s.lastSeenAt >= policy.idleMs) return 'idle';
  return 'live';
}

/** Whether last_seen_at is old enough to be rewritten now. */
export function needsTouch(lastSeenAt: number, now: number, policy: Pick<SessionPolicy, 'touchEveryMs'>): boolean {
  return now - lastSeenAt >= policy.touchEveryMs;
}

const USER_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const MAX_PASSWORD = 1024;

function invalid(field: string, message: string): never {
  throw new FakeoutError('FAKEOUT_ERR_DASHBOARD_INVALID', `${field}: ${message}`, { details: { field } });
}

/** The login body `{ user, password }`; anything else is a 400 naming the field. */
export function parseLoginBody(body: unknown): { user: string; password: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) invalid('body', 'expected a JSON object { user, password }');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (key !== 'user' && key !== 'password') invalid(key, 'unknown field');
  if (typeof b.user !== 'string' || !USER_SHAPE.test(b.user)) invalid('user', 'expected a user name (1-64 letters, digits, ".", "_", "@" or "-")');
  if (typeof b.password !== 'string' || b.password.length === 0) invalid('password', 'expected a non-empty string');
  if (b.password.length > MAX_PASSWORD) invalid('password', `at most ${MAX_PASSWORD} characters`);
  return { user: b.user, password: b.password };
}
