/** Lockout (actors/auth/lockout.ts): N failures within the window lock for the lock time; time is a parameter. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UNLOCKED, failuresCounting, isLocked, lockoutPolicy, recordFailure, recordSuccess, type LockoutState } from '../../actors/auth/lockout.ts';

const s = suite('lockout');

const T0 = 1_700_000_000_000;
const MIN = 60_000;
/** 5 failures within 15 min lock for 15 min. */
const policy = lockoutPolicy(5, 900);

function fail(state: LockoutState, ...atMinutes: number[]): LockoutState {
  return atMinutes.reduce((st, m) => recordFailure(st, T0 + m * MIN, policy), state);
}

s('the policy counts failures for as long as a lock lasts', () => {
  assert.equal(policy, { maxFailures: 5, windowMs: 15 * MIN, lockMs: 15 * MIN });
});

s('four failures do not lock; the fifth within 15 minutes locks for 15 minutes', () => {
  const four = fail(UNLOCKED, 0, 1, 2, 3);
  assert.is(isLocked(four, T0 + 3 * MIN), false);
  assert.is(failuresCounting(four, T0 + 3 * MIN, policy), 4);
  const five = fail(four, 14);
  assert.is(five.lockedUntil, T0 + 29 * MIN);
  assert.is(isLocked(five, T0 + 14 * MIN), true);
  assert.is(isLocked(five, T0 + 29 * MIN - 1), true);
});

s('the lock ends at exactly lockedUntil, and the count starts again', () => {
  const locked = fail(UNLOCKED, 0, 1, 2, 3, 4);
  assert.is(isLocked(locked, T0 + 19 * MIN - 1), true);
  assert.is(isLocked(locked, T0 + 19 * MIN), false);
  // one failure after the lock is one, not six
  const after = recordFailure(locked, T0 + 19 * MIN, policy);
  assert.is(isLocked(after, T0 + 19 * MIN), false);
  assert.is(failuresCounting(after, T0 + 19 * MIN, policy), 1);
});

s('failures older than the window are forgotten', () => {
  // failures at 0,1,2,3 then at 15: the one at 0 is exactly 15 min old and no longer counts
  const state = fail(UNLOCKED, 0, 1, 2, 3, 15);
  assert.is(isLocked(state, T0 + 15 * MIN), false);
  assert.is(failuresCounting(state, T0 + 15 * MIN, policy), 4);
  // at 15.5 the window is (0.5, 15.5]: 1, 2, 3, 15 and 15.5 are five
  assert.is(fail(state, 15.5).lockedUntil, T0 + 30.5 * MIN);
  // at 16 the one at 1 has aged out too: 2, 3, 15, 16 are four
  assert.is(fail(state, 16).lockedUntil, null);
});

s('a success clears the count', () => {
  const state = fail(UNLOCKED, 0, 1, 2, 3);
  const cleared = fail(recordSuccess(), 4);
  assert.is(failuresCounting(cleared, T0 + 4 * MIN, policy), 1);
  assert.is(fail(state, 4).lockedUntil !== null, true);
});

s('a policy of one failure locks on the first', () => {
  const strict = lockoutPolicy(1, 60);
  const st = recordFailure(UNLOCKED, T0, strict);
  assert.equal(st, { failures: [], lockedUntil: T0 + 60_000 });
});

s('recording does not change the state passed in', () => {
  const state: LockoutState = Object.freeze({ failures: Object.freeze([T0]), lockedUntil: null });
  recordFailure(state, T0 + MIN, policy);
  assert.equal(state, { failures: [T0], lockedUntil: null });
});

s.run();
