/**
 * Locking a user out after repeated failed approvals. Pure: the failure history and "now" are
 * parameters, the new state is the result; the caller stores it (auth_state) in the same
 * transaction as the attempt.
 */

export interface LockoutPolicy {
  /** failures within `windowMs` that lock the user */
  maxFailures: number;
  /** how far back failures count */
  windowMs: number;
  /** how long a lock lasts */
  lockMs: number;
}

export interface LockoutState {
  /** instants (epoch ms) of the failures that still count, oldest first */
  failures: readonly number[];
  /** epoch ms until which the user is locked; null when not locked */
  lockedUntil: number | null;
}

export const UNLOCKED: LockoutState = Object.freeze({ failures: Object.freeze([]) as readonly number[], lockedUntil: null });

/** Builds the policy from the configuration: failures count for as long as a lock lasts. */
export function lockoutPolicy(maxFailures: number, lockSeconds: number): LockoutPolicy {
  return Object.freeze({ maxFailures, windowMs: lockSeconds * 1000, lockMs: lockSeconds * 1000 });
}

/** Whether the user is locked at `now`: the lock ends exactly at `lockedUntil`. */
export function isLocked(state: LockoutState, now: number): boolean {
  return state.lockedUntil !== null && now < state.lockedUntil;
}

/**
 * The state after a failure at `now`. Failures older than the window are forgotten; the
 * `maxFailures`-th one within it locks the user until `now + lockMs` and starts a fresh count.
 *
 * POLICY: a refusal because the user is already locked is not a failure here (the caller does
 * not call this while locked), so a lock cannot be extended forever by someone else's guesses.
 */
export function recordFailure(state: LockoutState, now: number, policy: LockoutPolicy): LockoutState {
  const recent = state.failures.filter((t) => t > now - policy.windowMs && t <= now);
  const failures = [...recent, now];
  if (failures.length >= policy.maxFailures) return { failures: [], lockedUntil: now + policy.lockMs };
  return { failures, lockedUntil: isLocked(state, now) ? state.lockedUntil : null };
}

/** The state after a successful approval: the failure count starts again. */
export function recordSuccess(): LockoutState {
  return { failures: [], lockedUntil: null };
}

/** Failures still counting at `now` (for messages: "3 of 5"). */
export function failuresCounting(state: LockoutState, now: number, policy: LockoutPolicy): number {
  return state.failures.filter((t) => t > now - policy.windowMs && t <= now).length;
}
