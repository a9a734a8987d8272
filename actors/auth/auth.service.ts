/**
 * Users, TOTP enrolment and approval checks against the database, each with its audit entry in
 * the same transaction. Wiring: the rules are the pure modules beside it (roles, totp, lockout,
 * password); time comes from the injected clock.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { appendAudit } from '../../adapters/db/audit-log.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { getEnrolment, getUser, insertUser, lockAuthState, readTotpSecret, saveAuthState, saveEnrolment } from '../../adapters/db/users.repo.ts';
import { removeSecretFile, writeQrPng } from '../../adapters/secrets/qr-png.ts';
import type { Clock } from '../../adapters/time/clock.ts';
import { FakeoutError, type ErrorCode } from '../domain/errors.ts';
import { isLocked, recordFailure, type LockoutPolicy } from './lockout.ts';
import { hashPassword } from './password.ts';
import { can, isAction, isRole, ROLES, type Action, type Role } from './roles.ts';
import { TOTP_SECRET_BYTES, totpSecretFromBytes, totpUri, verifyTotp } from './totp.ts';

export interface AuthServiceDeps {
  db: Db;
  clock: Clock;
  lockout: LockoutPolicy;
  /** where enrolment QR codes are written (`<dataDir>/secrets` by default in the CLI) */
  secretsDir: string;
  /** who performs the administrative calls (addUser, enrollTotp), for the audit log: `cli:<os user>` */
  operator: string;
  /** cryptographic random bytes; node's randomBytes unless a test injects some */
  random?: (n: number) => Uint8Array;
}

/** A granted approval: the user, their role, the TOTP step now used up, the audit entry. */
export interface Approval {
  user: string;
  role: Role;
  action: Action;
  step: number;
  auditSeq: number;
}

export type ApprovalResult = ({ ok: true } & Approval) | { ok: false; error: FakeoutError; auditSeq: number };

const NAME_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;

function invalid(field: string, message: string): never {
  throw new FakeoutError('FAKEOUT_ERR_AUTH_INVALID', `${field}: ${message}`, { details: { field } });
}

/** Refuses a user name that is not 1–64 of letters, digits and `._@-`, starting with a letter or digit. */
export function checkUserName(name: unknown): string {
  if (typeof name !== 'string' || !NAME_SHAPE.test(name)) {
    invalid('name', `expected 1-64 letters, digits, '.', '_', '@' or '-' starting with a letter or digit, got ${JSON.stringify(name)}`);
  }
  return name;
}

export function createAuthService(deps: AuthServiceDeps) {
  const random = deps.random ?? ((n: number) => randomBytes(n));
  const { db, clock } = deps;

  /**
   * Adds a user with a role and, optionally, a password (scrypt).
   * @throws FakeoutError FAKEOUT_ERR_AUTH_INVALID naming the field, FAKEOUT_ERR_AUTH_USER_EXISTS.
   */
  async function addUser(name: string, role: string, password?: string): Promise<{ name: string; role: Role }> {
    checkUserName(name);
    if (!isRole(role)) invalid('role', `expected one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`);
    if (password !== undefined && (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH)) {
      invalid('password', `expected ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters, got ${password.length}`);
    }
    const passwordHash = password === undefined ? null : await hashPassword(password);
    const at = clock.now();
    await db.transaction().execute(async (trx) => {
      await insertUser(trx, { name, role, passwordHash, createdAt: at });
      await appendAudit(trx, {
        at,
        actor: deps.operator,
        action: 'user.added',
        subject: `user:${name}`,
        after: { name, role, password: passwordHash === null ? 'none' : 'set' },
      });
    });
    return { name, role };
  }

  /**
   * Gives a user a new TOTP secret: stores it, writes its QR code (mode 0600) and returns the
   * otpauth:// URI and the secret to show once. `replace` must be set to change an existing one.
   * @throws FakeoutError FAKEOUT_ERR_AUTH_UNKNOWN_USER, FAKEOUT_ERR_AUTH_ALREADY_ENROLLED, FAKEOUT_ERR_SECRETS_FILE.
   */
  async function enrollTotp(name: string, opts: { replace?: boolean; qrPath?: string } = {}): Promise<{ uri: string; secret: string; qrPath: string }> {
    checkUserName(name);
    if ((await getUser(db, name)) === undefined) throw unknownUser(name);
    const existing = await getEnrolment(db, name);
    if (existing !== undefined && opts.replace !== true) {
      throw new FakeoutError('FAKEOUT_ERR_AUTH_ALREADY_ENROLLED', `user ${name} is already enrolled; pass --replace to give them a new secret (the old one stops working)`, {
        details: { user: name },
      });
    }
    const secret = totpSecretFromBytes(random(TOTP_SECRET_BYTES));
    const uri = totpUri(name, secret);
    const qrPath = opts.qrPath ?? join(deps.secretsDir, `totp-${name}.png`);
    await writeQrPng(qrPath, uri);
    const at = clock.now();
    try {
      await db.transaction().execute(async (trx) => {
        await saveEnrolment(trx, name, secret, at);
        // POLICY: never the secret itself in the audit log: only that it changed, when and by whom.
        await appendAudit(trx, {
          at,
          actor: deps.operator,
          action: existing === undefined ? 'totp.enrolled' : 'totp.replaced',
          subject: `user:${name}`,
          before: existing === undefined ? null : { enrolledAt: existing.enrolledAt },
          after: { enrolledAt: at },
          details: { qrPath },
        });
      });
    } catch (err) {
      await removeSecretFile(qrPath); // the QR shows a secret that was not stored
      throw err;
    }
    return { uri, secret, qrPath };
  }

  /**
   * Decides an approval inside the caller's transaction and records it; never throws for a
   * refusal (the refusal and its audit entry are the result). Use it to make the approval and
   * the approved change one transaction; a caller that then rolls back also loses the audit
   * entries, so on refusal commit (as {@link verifyApproval} does).
   *
   * Order: user → role → lock → enrolment → code. A refused role or a lock is decided before
   * the secret is read; only wrong and reused codes count towards a lock.
   */
  async function checkApproval(trx: Db, name: string, code: string, action: Action, subject: string | null = null): Promise<ApprovalResult> {
    const at = clock.now();
    const known = typeof name === 'string' && NAME_SHAPE.test(name);
    const actor = known ? name : '(invalid name)';
    const refuse = async (errCode: ErrorCode, message: string, extra: Record<string, unknown> = {}): Promise<ApprovalResult> => {
      const error = new FakeoutError(errCode, message, { details: { user: actor, action, ...extra } });
      const entry = await appendAudit(trx, {
        at,
        actor,
        action: 'approval.refused',
        subject,
        details: { requested: action, code: errCode, ...extra, ...(known ? {} : { name: String(name).slice(0, 64) }) },
      });
      return { ok: false, error, auditSeq: entry.seq };
    };

    const user = known ? await getUser(trx, name) : undefined;
    if (user === undefined) return refuse('FAKEOUT_ERR_AUTH_UNKNOWN_USER', `no user ${JSON.stringify(name)}`);
    const role = user.role as Role;
    if (!can(role, action)) return refuse('FAKEOUT_ERR_AUTH_FORBIDDEN', `user ${name} (${role}) may not ${action}`, { role });

    const state = await lockAuthState(trx, name);
    if (state === undefined) return refuse('FAKEOUT_ERR_AUTH_UNKNOWN_USER', `user ${name} has no approval state`);
    if (isLocked(state, at)) {
      return refuse('FAKEOUT_ERR_AUTH_LOCKED', `user ${name} is locked until ${new Date(state.lockedUntil!).toISOString()} after repeated failed approvals`, {
        lockedUntil: state.lockedUntil,
      });
    }

    const secret = await readTotpSecret(trx, name);
    if (secret === undefined) return refuse('FAKEOUT_ERR_AUTH_NOT_ENROLLED', `user ${name} has no TOTP enrolment (fakeout totp enroll ${name})`);
    // The vault access log: who caused a secret to be read, and why.
    await appendAudit(trx, { at, actor: name, action: 'secret.read', subject: `totp:${name}`, details: { purpose: 'approval', requested: action } });

    const result = verifyTotp({ secret, code, now: at, lastUsedStep: state.lastUsedStep });
    if (!result.ok) {
      if (result.reason === 'malformed') return refuse('FAKEOUT_ERR_AUTH_TOTP_MALFORMED', 'the code must be exactly six digits', { field: 'code' });
      const next = recordFailure(state, at, deps.lockout);
      await saveAuthState(trx, name, { ...state, failures: [...next.failures], lockedUntil: next.lockedUntil });
      const locked = next.lockedUntil !== null && next.lockedUntil !== state.lockedUntil ? { lockedUntil: next.lockedUntil } : {};
      return result.reason === 'reused'
        ? refuse('FAKEOUT_ERR_AUTH_TOTP_REUSED', `that code was already used by ${name}; wait for the next one`, locked)
        : refuse('FAKEOUT_ERR_AUTH_TOTP_WRONG', `wrong code for ${name}`, locked);
    }
    // POLICY: the step is used up in the same transaction as the approval, so a code approves once.
    await saveAuthState(trx, name, { lastUsedStep: result.step, failures: [], lockedUntil: null });
    const entry = await appendAudit(trx, { at, actor: name, action: 'approval.granted', subject, details: { requested: action, role, step: result.step } });
    return { ok: true, user: name, role, action, step: result.step, auditSeq: entry.seq };
  }

  /**
   * Checks that `name` may do `action` now, with a fresh TOTP `code`, in its own transaction,
   * which commits the audit entry (and the lockout count) whatever the outcome.
   * @throws FakeoutError on refusal: FAKEOUT_ERR_AUTH_UNKNOWN_USER (401), _FORBIDDEN (403), _LOCKED (423),
   *   _NOT_ENROLLED (403), _TOTP_MALFORMED (400), _TOTP_WRONG (401), _TOTP_REUSED (401); _INVALID for an unknown action.
   */
  async function verifyApproval(name: string, code: string, action: string, subject: string | null = null): Promise<Approval> {
    if (!isAction(action)) invalid('action', `unknown action ${JSON.stringify(action)}`);
    const result = await db.transaction().execute((trx) => checkApproval(trx, name, code, action, subject));
    if (!result.ok) throw result.error;
    const { ok: _ok, ...approval } = result;
    return approval;
  }

  return { addUser, enrollTotp, checkApproval, verifyApproval };
}

export type AuthService = ReturnType<typeof createAuthService>;

function unknownUser(name: string): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_AUTH_UNKNOWN_USER', `no user ${JSON.stringify(name)}`, { details: { user: name } });
}

