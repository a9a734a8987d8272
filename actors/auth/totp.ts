/**
 * TOTP (RFC 6238) for approval 2FA: enrolment secrets, the otpauth:// URI an authenticator app
 * scans, and verification with a ±1 step window and single use per user. Pure: the random bytes
 * and "now" are parameters; the HOTP/TOTP arithmetic is otpauth's, not ours.
 */
import { Secret, TOTP } from 'otpauth';

/** The enrolment URI's issuer: what the authenticator app shows above the code. */
export const TOTP_ISSUER = 'fakeout';
/** RFC 6238 time step X, in seconds. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the current one (RFC 6238 §5.2 "at most one time step"). */
export const TOTP_WINDOW = 1;
/** RFC 4226 §4 asks for at least 128 bits of shared secret and recommends 160: 20 bytes. */
export const TOTP_SECRET_BYTES = 20;

const ALGORITHM = 'SHA1';
const CODE_SHAPE = /^\d{6}$/;

export type TotpRefusal = 'malformed' | 'wrong' | 'reused';
export type TotpResult = { ok: true; step: number } | { ok: false; reason: TotpRefusal };

/**
 * A new TOTP secret (base32, as authenticator apps expect) from `random`, which must be at least
 * {@link TOTP_SECRET_BYTES} bytes of cryptographic randomness (the caller's `randomBytes`).
 */
export function totpSecretFromBytes(random: Uint8Array): string {
  if (random.length < TOTP_SECRET_BYTES) {
    throw new RangeError(`a TOTP secret needs at least ${TOTP_SECRET_BYTES} random bytes, got ${random.length}`);
  }
  return new Secret({ buffer: Uint8Array.from(random).buffer }).base32;
}

/** The `otpauth://totp/fakeout:<user>?…` URI for enrolment (issuer fakeout, label the user name). */
export function totpUri(user: string, secret: string): string {
  return totp(secret, user).toString();
}

/** The time step (RFC 6238 "T") that `nowMs` falls in. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code for one time step: what an authenticator app shows during that step (for tests and drills). */
export function totpCodeAt(secret: string, nowMs: number): string {
  return totp(secret).generate({ timestamp: nowMs });
}

/**
 * Checks a code typed by a user.
 *
 * POLICY: a code is good once. A code whose step is at or before `lastUsedStep` (the last step this
 * user got accepted) is refused as `reused`, even inside its window, so a code seen over a
 * shoulder or in a log cannot approve a second time. The caller stores the returned `step`
 * in the same transaction as the approval.
 *
 * When the code matches more than one step of the window (a 6-digit collision, about 1 in 10^6),
 * the latest matching step is the one used up: that refuses more, never less.
 */
export function verifyTotp(input: { secret: string; code: string; now: number; lastUsedStep?: number | null }): TotpResult {
  const code = input.code.trim();
  if (!CODE_SHAPE.test(code)) return { ok: false, reason: 'malformed' };
  const otp = totp(input.secret);
  const current = totpStep(input.now);
  const matching: number[] = [];
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    // window 0 at the step's own start: otpauth compares in constant time.
    if (otp.validate({ token: code, timestamp: step * TOTP_PERIOD_SECONDS * 1000, window: 0 }) !== null) matching.push(step);
  }
  if (matching.length === 0) return { ok: false, reason: 'wrong' };
  const last = input.lastUsedStep ?? Number.NEGATIVE_INFINITY;
  const fresh = matching.filter((step) => step > last);
  if (fresh.length === 0) return { ok: false, reason: 'reused' };
  return { ok: true, step: Math.max(...fresh) };
}

function totp(secret: string, label = 'user'): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}
