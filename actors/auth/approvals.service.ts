/**
 * The human decisions on orders waiting at the gate, and the breaker reset: authenticates the
 * person (password; for approve and reset also a single-use TOTP code), checks the order is
 * pending, audits every refusal, and publishes the decision on ORDERS for the gateway
 * (actors/execution/order-messages.ts). Wiring: the publish function is injected (the process's
 * `gateway` NATS connection), time comes from the injected clock.
 *
 * Order of checks: request shape → user → lock → password → role → order (or, for a reset, the
 * breaker's committed state) → TOTP. A lock is decided before the password is hashed; the order
 * (the breaker) is looked up before the TOTP code is used up, so a code is never spent on an
 * order that cannot be approved or a reset the breaker would refuse. Wrong passwords count towards
 * the same lock as wrong codes.
 */
import { appendAudit } from '../../adapters/db/audit-log.repo.ts';
import { getOrder, listOrdersByStatus, type OrderRecord } from '../../adapters/db/orders.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { getUser, lockAuthState, saveAuthState } from '../../adapters/db/users.repo.ts';
import type { Clock } from '../../adapters/time/clock.ts';
import { pastWallTtl } from '../execution/gateway-policy.ts';
import { FakeoutError, type ErrorCode } from '../domain/errors.ts';
import {
  BREAKER_RESET_SUBJECT,
  resetMsgId,
  tripMsgId,
  tripSubject,
  approvedMsgId,
  approvedSubject,
  rejectedMsgId,
  rejectedSubject,
  ORDER_STATUS,
} from '../execution/order-messages.ts';
import type { AuthService } from './auth.service.ts';
import { resetRefusal, type BreakerView } from './reset-readiness.ts';
import { isLocked, recordFailure, type LockoutPolicy } from './lockout.ts';
import { verifyPassword } from './password.ts';
import { can, type Action, type Role } from './roles.ts';

/** Publishes `value` on `subject` with Nats-Msg-Id `msgId`, awaiting the stream's ack. */
export type PublishDecision = (subject: string, msgId: string, value: unknown) => Promise<{ seq: number; duplicate: boolean }>;

export interface ApprovalsServiceDeps {
  db: Db;
  clock: Clock;
  lockout: LockoutPolicy;
  auth: Pick<AuthService, 'checkApproval'>;
  publish: PublishDecision;
  /**
   * When given, an approval of a live order past its window by this clock is refused early
   * (FAKEOUT_ERR_ORDER_EXPIRED); the gateway refuses it in any case.
   */
  expiry?: { approvalTtlMs: number; signalMaxAgeMs: number };
  /**
   * When given, the breaker as the gateway last committed it: a reset the breaker would refuse
   * (closed, or open inside its cooldown) is refused here first (FAKEOUT_ERR_BREAKER_NOT_OPEN,
   * FAKEOUT_ERR_BREAKER_COOLDOWN, 409), before the code is used; the breaker decides in any case.
   */
  breaker?: (trx: Db) => Promise<BreakerView>;
}

export interface Decision {
  clientOrderId: string;
  decision: 'approved' | 'rejected';
  published: true;
}

const ORDER_ID_SHAPE = /^[\x21-\x7e]{1,256}$/;
const MAX_REASON = 500;
const MAX_PASSWORD = 1024;

export type Refusal = { code: ErrorCode; message: string; details?: Record<string, unknown> };
export type Authenticated = { user: string; role: Role };

/** Fields of a request body as strings; a missing or non-string field is a refusal naming it. */
export function text(body: unknown, field: string, code: ErrorCode, max: number): string | Refusal {
  const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (typeof v !== 'string' || v.length === 0) return { code, message: `${field}: expected a non-empty string`, details: { field } };
  if (v.length > max) return { code, message: `${field}: at most ${max} characters, got ${v.length}`, details: { field } };
  return v;
}

export const isRefusal = (v: unknown): v is Refusal => typeof v === 'object' && v !== null && 'code' in v;

export function createApprovalsService(deps: ApprovalsServiceDeps) {
  const { db, clock } = deps;

  /**
   * Runs `decide` in one transaction that commits whatever it answers, so a refusal's audit entry
   * (and a failure counted towards the lock) is kept; then throws the refusal.
   */
  async function decideThenCommit<T>(requested: Action, subject: string | null, actorName: unknown, decide: (trx: Db, refuse: (r: Refusal) => Promise<Refusal>) => Promise<T | Refusal>): Promise<T> {
    const at = clock.now();
    const actor = typeof actorName === 'string' && actorName.length > 0 ? actorName.slice(0, 64) : '(no user)';
    const result = await db.transaction().execute((trx) =>
      decide(trx, async (r) => {
        // POLICY: never a password or a code in the audit log: only what was refused and why.
        await appendAudit(trx, { at, actor, action: 'approval.refused', subject, details: { requested, code: r.code, ...(r.details ?? {}) } });
        return r;
      }),
    );
    if (isRefusal(result)) throw new FakeoutError(result.code, result.message, { details: { ...(result.details ?? {}), requested } });
    return result;
  }

  /**
   * user → lock → password → role, inside `trx`; a wrong password counts towards the lock.
   * With `session` (a dashboard session, adapters/http/dashboard/) the user is the session's and
   * the password was checked at login: the lock and the role are still checked now, so a lock or
   * a role change applies to an open session at once.
   */
  async function authenticate(trx: Db, body: unknown, action: Action, refuse: (r: Refusal) => Promise<Refusal>, session?: { user: string }): Promise<Authenticated | Refusal> {
    const name = session === undefined ? text(body, 'user', 'FAKEOUT_ERR_AUTH_INVALID', 64) : session.user;
    if (isRefusal(name)) return refuse(name);
    const password = session === undefined ? text(body, 'password', 'FAKEOUT_ERR_AUTH_INVALID', MAX_PASSWORD) : undefined;
    if (isRefusal(password)) return refuse(password);
    const wrong = (why: string) => refuse({ code: 'FAKEOUT_ERR_AUTH_PASSWORD_WRONG', message: 'wrong user or password', details: { field: 'password', why } });
    const user = await getUser(trx, name);
    if (user === undefined) return wrong('unknown user');
    const state = await lockAuthState(trx, name);
    const at = clock.now();
    if (state !== undefined && isLocked(state, at)) {
      return refuse({
        code: 'FAKEOUT_ERR_AUTH_LOCKED',
        message: `user ${name} is locked until ${new Date(state.lockedUntil!).toISOString()} after repeated failures`,
        details: { field: 'user', lockedUntil: state.lockedUntil },
      });
    }
    if (password !== undefined && (user.password_hash === null || !(await verifyPassword(password, user.password_hash)))) {
      if (state !== undefined) {
        const next = recordFailure(state, at, deps.lockout);
        await saveAuthState(trx, name, { ...state, failures: [...next.failures], lockedUntil: next.lockedUntil });
      }
      return wrong(user.password_hash === null ? 'no password set' : 'wrong password');
    }
    const role = user.role as Role;
    if (!can(role, action)) return refuse({ code: 'FAKEOUT_ERR_AUTH_FORBIDDEN', message: `user ${name} (${role}) may not ${action}`, details: { field: 'user', role } });
    return { user: name, role };
  }

  /** The order named in the path, pending approval; else the refusal (404, 409). */
  async function pendingOrder(trx: Db, clientOrderId: string, refuse: (r: Refusal) => Promise<Refusal>): Promise<OrderRecord | Refusal> {
    if (!ORDER_ID_SHAPE.test(clientOrderId)) {
      return refuse({ code: 'FAKEOUT_ERR_ORDER_INVALID', message: 'id: expected 1-256 printable characters without spaces', details: { field: 'id' } });
    }
    const order = await getOrder(trx, clientOrderId);
    if (order === undefined) return refuse({ code: 'FAKEOUT_ERR_ORDER_UNKNOWN', message: `no order ${JSON.stringify(clientOrderId)}`, details: { field: 'id' } });
    if (order.status !== ORDER_STATUS.pendingApproval) {
      return refuse({ code: 'FAKEOUT_ERR_ORDER_NOT_PENDING', message: `order ${clientOrderId} is ${order.status}, not waiting for approval`, details: { field: 'id', status: order.status } });
    }
    return order;
  }

  /**
   * Publishes a granted decision and audits it. POLICY: the decision's audit entry commits before
   * the publish, so every decision the gateway can see is in the audit log; a failed publish is
   * audited too. The Nats-Msg-Id is one per decision attempt (order-messages.ts): a retry is a new
   * attempt, and a second decision on an order is ignored by the gateway (no longer pending).
   */
  async function publishAudited(actor: string, subject: string, auditAction: string, msg: { subject: string; id: string; value: unknown }, details: Record<string, unknown>) {
    try {
      const ack = await deps.publish(msg.subject, msg.id, msg.value);
      await appendAudit(db, { at: clock.now(), actor, action: auditAction, subject, details: { ...details, natsSubject: msg.subject, msgId: msg.id, seq: ack.seq, duplicate: ack.duplicate } });
    } catch (err) {
      await appendAudit(db, { at: clock.now(), actor, action: 'decision.publish_failed', subject, details: { ...details, natsSubject: msg.subject, msgId: msg.id, error: err instanceof FakeoutError ? err.code : 'unknown' } });
      throw err;
    }
  }

  /** Orders waiting for a person, oldest first, for a user who may view. */
  async function listPending(body: unknown, session?: { user: string }): Promise<OrderRecord[]> {
    await decideThenCommit('view', 'orders', session?.user ?? (body as { user?: unknown } | null)?.user, (trx, refuse) => authenticate(trx, body, 'view', refuse, session));
    return listOrdersByStatus(db, ORDER_STATUS.pendingApproval);
  }

  /** A live order whose approval window is over by this clock (the gateway's rule, `pastWallTtl`). */
  function pastWindow(order: OrderRecord): Refusal | undefined {
    const { receivedAt, decidedAt } = order.config;
    if (deps.expiry === undefined || typeof receivedAt !== 'number' || typeof decidedAt !== 'number') return undefined;
    if (!pastWallTtl({ receivedAt, decidedAt }, clock.now(), deps.expiry)) return undefined;
    return {
      code: 'FAKEOUT_ERR_ORDER_EXPIRED', message: `order ${order.clientOrderId}: its approval window (${deps.expiry.approvalTtlMs / 1000} s from receipt) is over`,
      details: { field: 'id', receivedAt, ttlMs: deps.expiry.approvalTtlMs },
    };
  }

  /** `POST /api/orders/:id/approve` with `{ user, password, code }`. */
  async function approve(clientOrderId: string, body: unknown, session?: { user: string }): Promise<Decision> {
    const subject = `order:${clientOrderId.slice(0, 256)}`;
    const name = session?.user ?? (body as { user?: unknown } | null)?.user;
    const granted = await decideThenCommit('orders.approve', subject, name, async (trx, refuse) => {
      const who = await authenticate(trx, body, 'orders.approve', refuse, session);
      if (isRefusal(who)) return who;
      const order = await pendingOrder(trx, clientOrderId, refuse);
      if (isRefusal(order)) return order;
      const expired = pastWindow(order);
      if (expired !== undefined) return refuse(expired);
      const code = text(body, 'code', 'FAKEOUT_ERR_AUTH_TOTP_MALFORMED', 6);
      if (isRefusal(code)) return refuse({ ...code, message: 'code: expected the six digits the authenticator shows' });
      // Audits its own refusal (approval.refused) or grant (approval.granted) and uses the step up.
      const check = await deps.auth.checkApproval(trx, who.user, code, 'orders.approve', subject);
      if (!check.ok) return { code: check.error.code, message: check.error.message, details: { ...check.error.info } } satisfies Refusal;
      return { ...who, order };
    });
    const at = clock.now();
    const { order } = granted;
    await publishAudited(granted.user, subject, 'order.approved', {
      subject: approvedSubject(order.symbol),
      id: approvedMsgId(order.clientOrderId, granted.user, at),
      value: { clientOrderId: order.clientOrderId, symbol: order.symbol, user: granted.user, role: granted.role, at },
    }, { symbol: order.symbol });
    return { clientOrderId: order.clientOrderId, decision: 'approved', published: true };
  }

  /** `POST /api/orders/:id/reject` with `{ user, password, reason }` (no TOTP: a rejection sends nothing). */
  async function reject(clientOrderId: string, body: unknown, session?: { user: string }): Promise<Decision> {
    const subject = `order:${clientOrderId.slice(0, 256)}`;
    const granted = await decideThenCommit('orders.reject', subject, session?.user ?? (body as { user?: unknown } | null)?.user, async (trx, refuse) => {
      const who = await authenticate(trx, body, 'orders.reject', refuse, session);
      if (isRefusal(who)) return who;
      const order = await pendingOrder(trx, clientOrderId, refuse);
      if (isRefusal(order)) return order;
      const reason = text(body, 'reason', 'FAKEOUT_ERR_ORDER_INVALID', MAX_REASON);
      if (isRefusal(reason)) return refuse(reason);
      return { ...who, order, reason };
    });
    const at = clock.now();
    const { order, reason } = granted;
    await publishAudited(granted.user, subject, 'order.rejected', {
      subject: rejectedSubject(order.symbol),
      id: rejectedMsgId(order.clientOrderId, granted.user, at),
      value: { clientOrderId: order.clientOrderId, symbol: order.symbol, user: granted.user, reason, at },
    }, { symbol: order.symbol, reason });
    return { clientOrderId: order.clientOrderId, decision: 'rejected', published: true };
  }

  /** `POST /api/breaker/reset` with `{ user, password, code }`: the gateway decides what it does. */
  async function resetBreaker(body: unknown, session?: { user: string }): Promise<{ reset: 'requested'; published: true; user: string; at: number }> {
    const subject = 'breaker';
    const granted = await decideThenCommit('breaker.reset', subject, session?.user ?? (body as { user?: unknown } | null)?.user, async (trx, refuse) => {
      const who = await authenticate(trx, body, 'breaker.reset', refuse, session);
      if (isRefusal(who)) return who;
      const early = deps.breaker === undefined ? undefined : resetRefusal(await deps.breaker(trx));
      if (early !== undefined) return refuse(early);
      const code = text(body, 'code', 'FAKEOUT_ERR_AUTH_TOTP_MALFORMED', 6);
      if (isRefusal(code)) return refuse({ ...code, message: 'code: expected the six digits the authenticator shows' });
      const check = await deps.auth.checkApproval(trx, who.user, code, 'breaker.reset', subject);
      if (!check.ok) return { code: check.error.code, message: check.error.message, details: { ...check.error.info } } satisfies Refusal;
      return who;
    });
    const at = clock.now();
    await publishAudited(granted.user, subject, 'breaker.reset_requested', {
      subject: BREAKER_RESET_SUBJECT,
      id: resetMsgId(granted.user, at),
      value: { user: granted.user, role: granted.role, at },
    }, {});
    return { reset: 'requested', published: true, user: granted.user, at };
  }

  /**
   * `POST /api/breaker/trip` with `{ user, password, reason }`: the kill switch. A trader,
   * approver or admin with their password; no TOTP code (stopping must be easy, resuming is what
   * needs 2FA). Publishes `risk.trip.manual`; the gateway trips at its clock and audits it.
   */
  async function tripBreaker(body: unknown, session?: { user: string }): Promise<{ trip: 'requested'; published: true; user: string; at: number }> {
    const subject = 'breaker';
    const granted = await decideThenCommit('breaker.trip', subject, session?.user ?? (body as { user?: unknown } | null)?.user, async (trx, refuse) => {
      const who = await authenticate(trx, body, 'breaker.trip', refuse, session);
      if (isRefusal(who)) return who;
      const reason = text(body, 'reason', 'FAKEOUT_ERR_BREAKER_INVALID', MAX_REASON);
      if (isRefusal(reason)) return refuse(reason);
      return { ...who, reason };
    });
    const at = clock.now();
    await publishAudited(granted.user, subject, 'breaker.trip_published', {
      subject: tripSubject('manual'),
      id: tripMsgId('manual', at),
      value: { at, reason: `by ${granted.user} (${granted.role}): ${granted.reason}`, figures: {}, by: granted.user },
    }, { reason: granted.reason });
    return { trip: 'requested', published: true, user: granted.user, at };
  }

  return { listPending, approve, reject, resetBreaker, tripBreaker, decideThenCommit, authenticate };
}

export type ApprovalsService = ReturnType<typeof createApprovalsService>;
