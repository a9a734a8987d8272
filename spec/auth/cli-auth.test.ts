/**
 * The auth commands (actors/app/cli-auth.ts) on a database opened the way the CLI opens it:
 * embedded PGlite in a data directory no fakeout is using, and a real Postgres by URL.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { auditTail, auditVerify, totpEnroll, usersAdd, withAuthDatabase, type AuthCliDeps } from '../../actors/app/cli-auth.ts';
import { isFakeoutError, type ErrorCode } from '../../actors/domain/errors.ts';
import { createTestDatabase } from '../helpers/database.ts';

const T0 = 1_700_000_000_000;

async function refused(code: ErrorCode, fn: () => unknown): Promise<Record<string, unknown>> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isFakeoutError(err, code), `expected ${code}, got ${String(err)}`);
    return { ...err.info, message: err.message };
  }
  assert.unreachable(`expected ${code}`);
  return {};
}

const s = suite('auth commands');

s('users add, totp enroll, audit tail and audit verify run against an embedded database with no fakeout running', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'fakeout-cli-auth-'));
  try {
    const config = { dataDir, databaseUrl: undefined, authMaxFailures: 5, authLockSeconds: 900 };
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), env: { ALICE_PW: 'a long enough password' }, clock: { now: () => T0 }, operator: 'cli:test' };
    await withAuthDatabase(config, async (deps) => {
      await usersAdd(['alice', '--role', 'approver', '--password-env', 'ALICE_PW'], deps);
      await usersAdd(['--role', 'viewer', 'victor'], deps);
      await totpEnroll(['alice'], deps);
      await auditTail([], deps);
      await auditVerify(deps);
    }, io);
    assert.equal(lines.slice(0, 2), ['added user alice (approver)', 'added user victor (viewer), no password']);
    assert.match(lines[2]!, `scan ${join(dataDir, 'secrets', 'totp-alice.png')} (mode 0600)`);
    assert.match(lines[4]!, /^otpauth:\/\/totp\/fakeout:alice\?issuer=fakeout&secret=[A-Z2-7]{32}&/);
    assert.is((await stat(join(dataDir, 'secrets', 'totp-alice.png'))).mode & 0o777, 0o600);
    assert.equal(lines.slice(6, 9).map((l) => l.split('\t').slice(0, 5)), [
      ['1', '2023-11-14T22:13:20.000Z', 'cli:test', 'user.added', 'user:alice'],
      ['2', '2023-11-14T22:13:20.000Z', 'cli:test', 'user.added', 'user:victor'],
      ['3', '2023-11-14T22:13:20.000Z', 'cli:test', 'totp.enrolled', 'user:alice'],
    ]);
    assert.is(lines[9], 'audit log: 3 rows, hash chain verified');
    // the next run sees what the last one stored
    lines.length = 0;
    await withAuthDatabase(config, (deps) => auditTail(['-n', '1', '--json'], deps), io);
    assert.equal(lines.map((l) => JSON.parse(l).action), ['totp.enrolled']);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

s('flags are strict (the CLI parser): unknown, missing, repeated or valueless flags and stray arguments are refused naming them, before any database is opened', async () => {
  const noDatabase = {} as AuthCliDeps;
  const cases: [string[], string][] = [
    [['bob', '--rol', 'admin'], '--rol'],
    [['bob', '--role'], '--role'],
    [['bob', '--role', '--password-env'], '--role'],
    [['bob', '--role', 'a', '--role', 'b'], '--role'],
    [['--role', 'admin'], 'NAME'],
    [['bob', 'carol', '--role', 'admin'], 'carol'],
    [['bob'], '--role'],
  ];
  for (const [args, field] of cases) {
    assert.is((await refused('FAKEOUT_ERR_CLI_USAGE', () => usersAdd(args, noDatabase))).field, field, args.join(' '));
  }
  assert.is((await refused('FAKEOUT_ERR_CLI_USAGE', () => auditTail(['-x'], noDatabase))).field, '-x');
});

s('on Postgres by URL: bad input stores nothing, and audit verify names the first broken seq', async () => {
  const t = await createTestDatabase('postgres');
  try {
    await t.database.close();
    const config = { dataDir: t.dataDir, databaseUrl: t.url, authMaxFailures: 5, authLockSeconds: 900 };
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), env: {}, clock: { now: () => T0 } };
    await withAuthDatabase(config, async (deps) => {
      await usersAdd(['alice', '--role', 'admin'], deps);
      await usersAdd(['bob', '--role', 'trader'], deps);
      assert.is((await refused('FAKEOUT_ERR_CLI_USAGE', () => usersAdd(['carol'], deps))).field, '--role');
      assert.is((await refused('FAKEOUT_ERR_AUTH_INVALID', () => usersAdd(['carol', '--role', 'admin', '--password-env', 'NOPE'], deps))).field, '--password-env');
      assert.is((await refused('FAKEOUT_ERR_AUTH_INVALID', () => auditTail(['--lines', '0'], deps))).field, '--lines');
      assert.is((await refused('FAKEOUT_ERR_AUTH_INVALID', () => auditTail(['--lines', 'ten'], deps))).field, '--lines');
      assert.is((await refused('FAKEOUT_ERR_AUTH_USER_EXISTS', () => usersAdd(['alice', '--role', 'viewer'], deps))).field, 'name');
      const users = await deps.db.selectFrom('users').select(['name', 'role']).orderBy('name').execute();
      assert.equal(users, [{ name: 'alice', role: 'admin' }, { name: 'bob', role: 'trader' }]);
      await auditVerify(deps);
      // a superuser rewrites who added bob
      await deps.db.transaction().execute(async (trx) => {
        await sql`SET LOCAL session_replication_role = replica`.execute(trx);
        await trx.updateTable('audit_log').set({ actor: 'cli:someone-else' }).where('seq', '=', 2).execute();
      });
      const info = await refused('FAKEOUT_ERR_AUDIT_CHAIN_BROKEN', () => auditVerify(deps));
      assert.is(info.seq, 2);
      assert.match(String(info.message), 'audit log broken at seq 2');
    }, io);
    assert.equal(lines, ['added user alice (admin), no password', 'added user bob (trader), no password', 'audit log: 2 rows, hash chain verified']);
  } finally {
    await t.cleanup();
  }
});

s.run();
