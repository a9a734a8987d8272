/**
 * The approvals service called with a dashboard session (actors/auth/approvals.service.ts): the
 * user is the session's and no password is asked, but the role and the lock are still checked
 * now, and refusals are audited under the session's user.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApprovalsService } from '../../actors/auth/approvals.service.ts';
import { createAuthService } from '../../actors/auth/auth.service.ts';
import { lockoutPolicy } from '../../actors/auth/lockout.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { tailAudit } from '../../adapters/db/audit-log.repo.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { TestClock } from './fixture.ts';

const s = suite('approvals with a dashboard session');

s('no password needed, but role, lock and the order are checked, each refusal audited as the session user', async () => {
  const t = await createTestDatabase('pglite');
  try {
    const db = t.database.db;
    const clock = new TestClock(Date.UTC(2026, 2, 2, 12));
    const lockout = lockoutPolicy(5, 900);
    const auth = createAuthService({ db, clock, lockout, secretsDir: t.dataDir, operator: 'test' });
    await auth.addUser('ann', 'approver', 'approver-password-3');
    await auth.addUser('vic', 'viewer', 'viewer-password-1');
    const published: unknown[] = [];
    const service = createApprovalsService({ db, clock, lockout, auth, publish: async (...a) => (published.push(a), { seq: 1, duplicate: false }) });
    const refusal = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        if (isFakeoutError(e)) return e.code;
        throw e;
      }
      return 'accepted';
    };
    // no user/password in the body at all: the session names the user
    assert.is(await refusal(service.approve('no-such-order', { code: '123456' }, { user: 'ann' })), 'FAKEOUT_ERR_ORDER_UNKNOWN');
    assert.is(await refusal(service.approve('no-such-order', { code: '123456' }, { user: 'vic' })), 'FAKEOUT_ERR_AUTH_FORBIDDEN');
    // the body cannot name someone else: the session wins
    assert.is(await refusal(service.approve('no-such-order', { user: 'vic', code: '123456' }, { user: 'ann' })), 'FAKEOUT_ERR_ORDER_UNKNOWN');
    await db.updateTable('auth_state').set({ locked_until: clock.t + 60_000 }).where('user_name', '=', 'ann').execute();
    assert.is(await refusal(service.approve('no-such-order', { code: '123456' }, { user: 'ann' })), 'FAKEOUT_ERR_AUTH_LOCKED');
    assert.is(await refusal(service.reject('no-such-order', { reason: 'x' }, { user: 'ann' })), 'FAKEOUT_ERR_AUTH_LOCKED');
    // without a session the password is still required
    assert.is(await refusal(service.approve('no-such-order', { user: 'vic', code: '123456' })), 'FAKEOUT_ERR_AUTH_INVALID');
    const refused = (await tailAudit(db, 10)).filter((e) => e.action === 'approval.refused');
    assert.equal(refused.map((e) => [e.actor, e.details['code']]), [
      ['ann', 'FAKEOUT_ERR_ORDER_UNKNOWN'], ['vic', 'FAKEOUT_ERR_AUTH_FORBIDDEN'], ['ann', 'FAKEOUT_ERR_ORDER_UNKNOWN'],
      ['ann', 'FAKEOUT_ERR_AUTH_LOCKED'], ['ann', 'FAKEOUT_ERR_AUTH_LOCKED'], ['vic', 'FAKEOUT_ERR_AUTH_INVALID'],
    ]);
    assert.equal(published, []);
  } finally {
    await t.cleanup();
  }
});

s.run();
