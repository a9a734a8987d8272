/**
 * The approval commands as a person runs them: real `fakeout` processes, on an embedded (PGlite)
 * data directory with nothing running, and against a running app (its own nats-server, holding
 * the data directory). TOTP codes come from spec/auth/reference-totp.ts, with the secret
 * read back from the otpauth:// URI the command printed.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { insertOrder, type OrderRecord } from '../../adapters/db/orders.repo.ts';
import { referenceCode, stepOf } from '../auth/reference-totp.ts';
import { startTestApp } from '../helpers/app.ts';
import { freePort, runFakeout, type Finished, showRun } from '../helpers/process.ts';

const show = (r: Finished) => showRun(r, 1500, 2000);

/** RFC 4648 base32 (no padding), decoded here rather than by the code under test. */
function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((b) => parseInt(b, 2)));
}
const secretOf = (stdout: string) => base32(/secret=([A-Z2-7]+)/.exec(stdout)![1]!);

function order(signalId: string, symbol: string, createdAt: number): OrderRecord {
  return {
    clientOrderId: `${signalId}:entry`, signalId, leg: 'entry', symbol, side: 'sell', qty: 3, status: 'pending_approval', decisionPrice: 47000.5,
    modelled: { halfSpreadBps: 1, impactBps: 1, liquidityMultiplier: 1, noiseBps: 0, totalBps: 2 }, config: {}, createdAt, updatedAt: createdAt,
  };
}

const s = suite('approval commands');

s('users add, totp enroll, orders pending, audit tail and audit verify work on an embedded data directory with no fakeout running; approve says none is running', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fakeout-orders-cli-'));
  const port = await freePort();
  const env = { FAKEOUT_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), ALICE_PW: 'correct horse battery', FAKEOUT_PASSWORD: 'correct horse battery' };
  try {
    const add = await runFakeout(['users', 'add', 'alice', '--role', 'approver', '--password-env', 'ALICE_PW'], env, 60_000);
    assert.equal([add.code, add.stdout], [0, 'added user alice (approver)\n'], show(add));
    const enrol = await runFakeout(['totp', 'enroll', 'alice'], env, 60_000);
    assert.is(enrol.code, 0, show(enrol));
    assert.match(enrol.stdout, /^otpauth:\/\/totp\/fakeout:alice\?issuer=fakeout&secret=[A-Z2-7]{32}&/m);
    assert.is(secretOf(enrol.stdout).length, 20);
    assert.is(statSync(join(dataDir, 'secrets', 'totp-alice.png')).mode & 0o777, 0o600);
    const pending = await runFakeout(['orders', 'pending'], env, 60_000);
    assert.equal([pending.code, pending.stdout], [0, 'no orders waiting for approval\n'], show(pending));
    const tail = await runFakeout(['audit', 'tail', '-n', '2'], env, 60_000);
    assert.is(tail.code, 0, show(tail));
    const me = `cli:${userInfo().username}`;
    assert.equal(tail.stdout.trim().split('\n').map((l) => l.split('\t').slice(2, 5)), [[me, 'user.added', 'user:alice'], [me, 'totp.enrolled', 'user:alice']]);
    const verify = await runFakeout(['audit', 'verify'], env, 60_000);
    assert.equal([verify.code, verify.stdout], [0, 'audit log: 2 rows, hash chain verified\n'], show(verify));
    const approve = await runFakeout(['orders', 'approve', 'x:entry', '--user', 'alice', '--code', '123456'], env, 60_000);
    assert.equal([approve.code, approve.stderr], [1, `no fakeout running at http://127.0.0.1:${port}\n`], show(approve));
    const missingCode = await runFakeout(['orders', 'approve', 'x:entry', '--user', 'alice'], env, 60_000);
    assert.is(missingCode.code, 2, show(missingCode));
    assert.ok(missingCode.stderr.startsWith('fakeout orders approve: --code CODE is required\n'), show(missingCode));
    const group = await runFakeout(['orders', 'frobnicate'], env, 60_000);
    assert.is(group.code, 2, show(group));
    assert.ok(group.stderr.startsWith('fakeout orders: expected orders pending, orders approve, orders reject, not "frobnicate"\n'), show(group));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

s('against a running fakeout: pending over HTTP, approve publishes, a reused code exits 1 naming it, reject, and users add refuses to open its embedded database', async () => {
  // The app on Postgres (quicker to start); the CLI below gets no DATABASE_URL, so it would open the
  // embedded database of the data directory the app holds, and must refuse.
  const t = await startTestApp({ kind: 'postgres' });
  try {
    const url = t.app.httpUrl()!;
    const { createAuthService } = await import('../../actors/auth/auth.service.ts');
    const { lockoutPolicy } = await import('../../actors/auth/lockout.ts');
    const seed = Buffer.alloc(20, 7);
    const auth = createAuthService({ db: t.app.database.db, clock: { now: () => Date.now() }, lockout: lockoutPolicy(5, 900), operator: 'cli:test', secretsDir: join(t.dataDir, 'secrets'), random: () => seed });
    await auth.addUser('alice', 'approver', 'correct horse battery');
    await auth.enrollTotp('alice');
    const first = order('BTC/USDT:5m:1700000000000', 'BTC/USDT', 1_700_000_000_000);
    const second = order('SPY:1m:1700000060000', 'SPY', 1_700_000_060_000);
    await insertOrder(t.app.database.db, first);
    await insertOrder(t.app.database.db, second);
    const env = { FAKEOUT_DATA_DIR: t.dataDir, FAKEOUT_PASSWORD: 'correct horse battery' };

    const pending = await runFakeout(['orders', 'pending', '--user', 'alice', '--url', url], env, 60_000);
    assert.is(pending.code, 0, show(pending));
    assert.equal(pending.stdout.trim().split('\n'), [
      `2023-11-14T22:13:20.000Z\t${first.clientOrderId}\tBTC/USDT\tsell\t3\t47000.5`,
      `2023-11-14T22:14:20.000Z\t${second.clientOrderId}\tSPY\tsell\t3\t47000.5`,
    ]);

    const code = referenceCode(seed, stepOf(Date.now()));
    const approve = await runFakeout(['orders', 'approve', first.clientOrderId, '--user', 'alice', '--code', code, '--url', url], env, 60_000);
    assert.is(approve.code, 0, show(approve));
    assert.match(approve.stdout, `approved ${first.clientOrderId} as alice`);
    const info = await t.app.messaging.bus('gateway').jsm.streams.info('ORDERS');
    assert.is(info.state.messages, 1);

    const again = await runFakeout(['orders', 'approve', second.clientOrderId, '--user', 'alice', '--code', code, '--url', url], env, 60_000);
    assert.is(again.code, 1, show(again));
    assert.match(again.stderr, /^fakeout: FAKEOUT_ERR_AUTH_TOTP_REUSED: /);

    const reject = await runFakeout(['orders', 'reject', second.clientOrderId, '--user', 'alice', '--reason', 'spread too wide', '--url', url], env, 60_000);
    assert.is(reject.code, 0, show(reject));
    assert.is((await t.app.messaging.bus('gateway').jsm.streams.info('ORDERS')).state.messages, 2);

    const add = await runFakeout(['users', 'add', 'bob', '--role', 'viewer'], env, 60_000);
    assert.is(add.code, 1, show(add));
    assert.match(add.stderr, new RegExp(`^fakeout: FAKEOUT_ERR_DATA_DIR_LOCKED: data directory .* is in use by fakeout pid ${process.pid}`));
  } finally {
    await t.cleanup();
  }
});

s.run();
