/**
 * `fakeout config propose|approve|reject|show|history|diff` as a person runs them: real `fakeout`
 * processes against a running app (its own nats-server and Postgres). Desk hours are set to one
 * weekday three days away, so "now" is out of hours whatever day the suite runs: an admin's
 * proposal with their code waits, their own second approval is refused, a different approver's
 * applies it. show, history and diff read the database (DATABASE_URL, beside the running app).
 * (A value outside the start-up rules is refused in spec/config/governance.test.ts; each process
 * here costs seconds, so the suite runs each command once or twice.)
 * TOTP codes come from spec/auth/reference-totp.ts, not from the code under test.
 */
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuthService } from '../../actors/auth/auth.service.ts';
import { lockoutPolicy } from '../../actors/auth/lockout.ts';
import { referenceCode, stepOf } from '../auth/reference-totp.ts';
import { startTestApp } from '../helpers/app.ts';
import { runFakeout, showRun, type Finished } from '../helpers/process.ts';

const show = (r: Finished) => showRun(r, 1500, 2000);
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const PASSWORD = 'correct horse battery';
const ID = /cfg-[a-z0-9]+-[0-9a-f]{8}/;
/** per process: a CLI start is seconds, but tens of seconds on a loaded 2-core machine */
const TIMEOUT = 180_000;

const s = suite('config commands');

s('out of hours: propose with a code waits, self-approval exits 1, another approver applies version 2; reject; show, history and diff read it back', async () => {
  const awayDay = DAYS[(new Date().getUTCDay() + 3) % 7]!;
  const t = await startTestApp({ kind: 'postgres', env: { FAKEOUT_DESK_DAYS: awayDay, FAKEOUT_DESK_HOURS: '08:00-18:00', FAKEOUT_DESK_TZ: 'UTC' } });
  try {
    const url = t.app.httpUrl()!;
    const seeds = { ada: Buffer.alloc(20, 3), alice: Buffer.alloc(20, 9) };
    let next: Buffer = seeds.ada;
    const auth = createAuthService({ db: t.app.database.db, clock: { now: () => Date.now() }, lockout: lockoutPolicy(5, 900), operator: 'cli:test', secretsDir: join(t.dataDir, 'secrets'), random: () => next });
    await auth.addUser('ada', 'admin', PASSWORD);
    await auth.enrollTotp('ada');
    next = seeds.alice;
    await auth.addUser('alice', 'approver', PASSWORD);
    await auth.enrollTotp('alice');
    const env = { FAKEOUT_DATA_DIR: t.dataDir, FAKEOUT_PASSWORD: PASSWORD };
    // The code of the NEXT step: inside the ±1 step window for 60-90 s, however long the CLI
    // process takes to start. On a loaded machine a start can take longer still, so a run answered
    // FAKEOUT_ERR_AUTH_TOTP_WRONG (and nothing else) is tried again, at most twice, with a new code.
    const withCode = async (who: keyof typeof seeds, args: string[]): Promise<Finished> => {
      for (let attempt = 0; ; attempt++) {
        const r = await runFakeout([...args, '--code', referenceCode(seeds[who], stepOf(Date.now()) + 1)], env, TIMEOUT);
        if (attempt === 2 || r.code !== 1 || !r.stderr.includes('FAKEOUT_ERR_AUTH_TOTP_WRONG')) return r;
      }
    };

    const propose = await withCode('ada', ['config', 'propose', '--user', 'ada', '--set', 'triggerScore=75', '--reason', 'fewer signals', '--url', url]);
    assert.is(propose.code, 0, show(propose));
    const id = ID.exec(propose.stdout)?.[0];
    assert.ok(id, show(propose));
    assert.match(propose.stdout, 'triggerScore: 70 -> 75');
    assert.match(propose.stdout, `${id}: pending a second approval by a different approver or admin (out of desk hours)`);

    const self = await runFakeout(['config', 'approve', id!, '--user', 'ada', '--code', '000000', '--url', url], env, TIMEOUT);
    assert.is(self.code, 1, show(self));
    assert.match(self.stderr, /^fakeout: FAKEOUT_ERR_CONFIG_SELF_APPROVAL: /);

    const approve = await withCode('alice', ['config', 'approve', id!, '--user', 'alice', '--url', url]);
    assert.is(approve.code, 0, show(approve));
    assert.match(approve.stdout, `${id}: applied as version 2`);

    const other = await runFakeout(['config', 'propose', '--user', 'ada', '--set', 'riskPerTrade=0.004', '--reason', 'smaller trades', '--url', url], env, TIMEOUT);
    assert.is(other.code, 0, show(other));
    const otherId = ID.exec(other.stdout)?.[0];
    const reject = await runFakeout(['config', 'reject', otherId!, '--user', 'alice', '--reason', 'not before the FOMC', '--url', url], env, TIMEOUT);
    assert.is(reject.code, 0, show(reject));
    assert.match(reject.stdout, `${otherId}: rejected`);

    const dbEnv = { ...env, DATABASE_URL: t.databaseUrl! };
    const shown = await runFakeout(['config', 'show'], dbEnv, TIMEOUT);
    assert.is(shown.code, 0, show(shown));
    assert.match(shown.stdout, new RegExp(`^version 2, applied \\S+ by alice \\(${id}\\)\\n`));
    assert.match(shown.stdout, /\n {2}triggerScore = 75\n/);
    assert.match(shown.stdout, /\n {2}riskPerTrade = 0\.005\n/);

    const history = await runFakeout(['config', 'history'], dbEnv, TIMEOUT);
    assert.is(history.code, 0, show(history));
    const rows = history.stdout.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().split('\t'));
    assert.equal(rows.map((r) => [r[0], r[2], r[3]]), [
      ['2', 'alice', id], ['1', 'environment', '-'],
      [otherId, 'ada', 'rejected'], [id, 'ada', 'applied'],
    ]);

    const diff = await runFakeout(['config', 'diff', '1', '2'], dbEnv, TIMEOUT);
    assert.equal([diff.code, diff.stdout], [0, 'triggerScore: 70 -> 75\n'], show(diff));
  } finally {
    await t.cleanup();
  }
});

s.run();
