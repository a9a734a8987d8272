/**
 * The login rate limits (@fastify/rate-limit): per address and, separately, per user name, each
 * answering 429 in the shared error shape with Retry-After; other routes are not limited.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, PASSWORDS, makeDashboard } from './fixture.ts';

const s = suite('dashboard login rate limit');
const err = (res: { json(): unknown }) => (res.json() as { error: { code: string } }).error.code;

s('the fourth login a minute from one address is 429 with Retry-After, whatever the user', async () => {
  const f = await makeDashboard({ dashboard: { loginRatePerMinute: 3 } });
  try {
    const a = new Agent(f.app, '10.0.0.1');
    const users = ['vic', 'tom', 'ann', 'ada'] as const;
    const statuses: number[] = [];
    for (const u of users) statuses.push((await a.login(u, PASSWORDS[u])).statusCode);
    assert.equal(statuses, [200, 200, 200, 429]);
    const last = await a.login('vic', PASSWORDS.vic);
    assert.is(err(last), 'FAKEOUT_ERR_DASHBOARD_RATE_LIMITED');
    assert.ok(Number(last.headers['retry-after']) >= 1);
    const other = new Agent(f.app, '10.0.0.2');
    assert.is((await other.login('vic', PASSWORDS.vic)).statusCode, 200, 'another address is not limited by it');
    assert.is((await a.request('GET', '/ui/api/csrf')).statusCode, 200, 'other routes are not limited');
  } finally {
    await f.cleanup();
  }
});

s('the fourth login a minute for one user is 429, from any address', async () => {
  const f = await makeDashboard({ dashboard: { loginRatePerMinute: 3 } });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await new Agent(f.app, `10.0.1.${i}`).login('ann', 'wrong-password-guess')).statusCode);
    assert.equal(statuses, [401, 401, 401, 429]);
    assert.is((await new Agent(f.app, '10.0.2.1').login('vic', PASSWORDS.vic)).statusCode, 200, 'another user is not limited by it');
  } finally {
    await f.cleanup();
  }
});

s.run();
