/**
 * The auth service (actors/auth/auth.service.ts) against a real database, Postgres and PGlite:
 * users, enrolment, approvals with single-use codes, lockout on an injected clock, and the audit
 * entry behind every decision. Codes come from reference-totp.ts, not from the module under test.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuthService, type AuthService } from '../../actors/auth/auth.service.ts';
import { lockoutPolicy } from '../../actors/auth/lockout.ts';
import { isFakeoutError, type ErrorCode } from '../../actors/domain/errors.ts';
import { tailAudit, verifyAuditChain, type AuditRecord } from '../../adapters/db/audit-log.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { type TestDatabase, createTestDatabase, testDatabaseKinds } from '../helpers/database.ts';
import { referenceCode, stepOf } from './reference-totp.ts';

// Mid-step instant: 2023-11-14T22:13:15Z is 15 s into step 56 666 666.
const T0 = 1_699_999_995_000;
const MIN = 60_000;
/** The secret bytes each enrolment receives, in order: user n gets 20 bytes of value n. */
const seedOf = (n: number) => Buffer.alloc(20, n);

interface Ctx {
  t: TestDatabase;
  db: Db;
  dir: string;
  now: number;
  auth: AuthService;
  /** raw secret bytes by user, as handed to the service by the injected random source */
  seeds: Map<string, Buffer>;
}

async function refused(code: ErrorCode, fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isFakeoutError(err, code), `expected ${code}, got ${String(err)}`);
    return { ...err.info, status: err.status };
  }
  assert.unreachable(`expected ${code}`);
  return {};
}

/** Entries appended since `seq`, as [actor, action, details.code?]. */
async function since(db: Db, seq: number): Promise<AuditRecord[]> {
  return (await tailAudit(db, 1000)).filter((r) => r.seq > seq);
}
async function lastSeq(db: Db): Promise<number> {
  return (await tailAudit(db, 1))[0]?.seq ?? 0;
}

for (const kind of testDatabaseKinds) {
  const s = suite<Ctx>(`auth service (${kind})`);
  s.before(async (ctx) => {
    ctx.t = await createTestDatabase(kind);
    ctx.db = ctx.t.database.db;
    ctx.dir = await mkdtemp(join(tmpdir(), 'fakeout-auth-'));
    ctx.now = T0;
    ctx.seeds = new Map();
    let next = 1;
    let enrolling = '';
    const random = (n: number) => {
      const seed = Buffer.alloc(n, next++);
      ctx.seeds.set(enrolling, seed);
      return seed;
    };
    const auth = createAuthService({
      db: ctx.db,
      clock: { now: () => ctx.now },
      lockout: lockoutPolicy(3, 900),
      secretsDir: ctx.dir,
      operator: 'cli:root',
      random,
    });
    // Remember which user the random bytes were for.
    ctx.auth = { ...auth, enrollTotp: (name, opts) => ((enrolling = name), auth.enrollTotp(name, opts)) };
    await ctx.auth.addUser('alice', 'approver', 'correct horse battery');
    await ctx.auth.addUser('bob', 'approver');
    await ctx.auth.addUser('tom', 'trader');
    await ctx.auth.addUser('dora', 'admin');
    for (const u of ['alice', 'bob', 'tom']) await ctx.auth.enrollTotp(u);
  });
  s.after(async (ctx) => {
    await ctx.t?.cleanup();
    await rm(ctx.dir, { recursive: true, force: true });
  });
  s.before.each((ctx) => {
    ctx.now += 10 * MIN; // each case in its own steps, clear of the last one's lock window
  });

  const codeFor = (ctx: Ctx, user: string, at = ctx.now) => referenceCode(ctx.seeds.get(user)!, stepOf(at));

  s('adding users is audited with the role and no password; the password is stored as scrypt', async ({ db }) => {
    const rows = await db.selectFrom('users').select(['name', 'role', 'password_hash', 'created_at']).orderBy('name').execute();
    assert.equal(rows.map((r) => [r.name, r.role, r.password_hash === null]), [['alice', 'approver', false], ['bob', 'approver', true], ['dora', 'admin', true], ['tom', 'trader', true]]);
    assert.match(rows[0]!.password_hash!, /^scrypt\$32768\$8\$1\$/);
    assert.is(rows[0]!.created_at, T0);
    const added = (await tailAudit(db, 100)).filter((r) => r.action === 'user.added');
    assert.equal(added[0], { ...added[0]!, actor: 'cli:root', subject: 'user:alice', after: { name: 'alice', role: 'approver', password: 'set' } });
    assert.not.match(JSON.stringify(await tailAudit(db, 100)), 'correct horse');
  });

  s('a second user of the same name, a bad name, role or password is refused naming the field and stores nothing', async ({ db, auth }) => {
    const before = await db.selectFrom('users').selectAll().orderBy('name').execute();
    const seq = await lastSeq(db);
    assert.is((await refused('FAKEOUT_ERR_AUTH_USER_EXISTS', () => auth.addUser('alice', 'admin'))).status, 409);
    assert.is((await refused('FAKEOUT_ERR_AUTH_INVALID', () => auth.addUser('', 'admin'))).field, 'name');
    assert.is((await refused('FAKEOUT_ERR_AUTH_INVALID', () => auth.addUser('a b', 'admin'))).field, 'name');
    assert.is((await refused('FAKEOUT_ERR_AUTH_INVALID', () => auth.addUser('carol', 'root'))).field, 'role');
    assert.is((await refused('FAKEOUT_ERR_AUTH_INVALID', () => auth.addUser('carol', 'admin', 'short'))).field, 'password');
    assert.equal(await db.selectFrom('users').selectAll().orderBy('name').execute(), before);
    assert.is(await lastSeq(db), seq);
  });

  s('enrolment stores the secret, writes a 0600 QR PNG, audits without the secret, and needs replace to change it', async (ctx) => {
    const { db, auth, dir } = ctx;
    const png = join(dir, 'totp-alice.png');
    const file = await readFile(png);
    assert.equal([...file.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    assert.is((await stat(png)).mode & 0o777, 0o600);
    assert.is((await stat(dir)).isDirectory(), true);
    const stored = await db.selectFrom('totp_enrolments').select('secret').where('user_name', '=', 'alice').executeTakeFirstOrThrow();
    assert.is(Buffer.from(ctx.seeds.get('alice')!).toString('hex'), Buffer.alloc(20, 1).toString('hex'));
    const enrolled = (await tailAudit(db, 100)).filter((r) => r.action === 'totp.enrolled').map((r) => r.subject);
    assert.equal(enrolled, ['user:alice', 'user:bob', 'user:tom']);
    assert.not.match(JSON.stringify(await tailAudit(db, 1000)), stored.secret);

    assert.is((await refused('FAKEOUT_ERR_AUTH_ALREADY_ENROLLED', () => auth.enrollTotp('bob'))).status, 409);
    assert.is((await refused('FAKEOUT_ERR_AUTH_UNKNOWN_USER', () => auth.enrollTotp('nobody'))).status, 401);
    const { uri, secret } = await auth.enrollTotp('dora', { qrPath: join(dir, 'sub', 'dora.png') });
    assert.match(uri, `secret=${secret}`);
    assert.match(uri, /^otpauth:\/\/totp\/fakeout:dora\?/);
    assert.is((await stat(join(dir, 'sub', 'dora.png'))).mode & 0o777, 0o600);
    const again = await auth.enrollTotp('dora', { replace: true });
    assert.is.not(again.secret, secret);
    const last = (await tailAudit(db, 1))[0]!;
    assert.equal([last.action, last.subject, last.before], ['totp.replaced', 'user:dora', { enrolledAt: ctx.now }]);
  });

  s('an approver with the current code is approved; the secret read and the grant are audited', async (ctx) => {
    const seq = await lastSeq(ctx.db);
    const approval = await ctx.auth.verifyApproval('alice', codeFor(ctx, 'alice'), 'orders.approve', 'order-1');
    assert.equal({ ...approval, auditSeq: 0 }, { user: 'alice', role: 'approver', action: 'orders.approve', step: stepOf(ctx.now), auditSeq: 0 });
    const entries = await since(ctx.db, seq);
    assert.equal(entries.map((e) => [e.actor, e.action, e.subject]), [['alice', 'secret.read', 'totp:alice'], ['alice', 'approval.granted', 'order-1']]);
    assert.equal(entries[1]!.details, { requested: 'orders.approve', role: 'approver', step: stepOf(ctx.now) });
    assert.is(entries[1]!.at, ctx.now);
    assert.is(approval.auditSeq, entries[1]!.seq);
    const state = await ctx.db.selectFrom('auth_state').selectAll().where('user_name', '=', 'alice').executeTakeFirstOrThrow();
    assert.is(state.last_used_step, stepOf(ctx.now));
  });

  s('refuses a reused TOTP code and records the attempt', async (ctx) => {
    const code = codeFor(ctx, 'alice');
    await ctx.auth.verifyApproval('alice', code, 'orders.approve', 'order-2');
    const seq = await lastSeq(ctx.db);
    ctx.now += 20_000; // still inside the code's window
    const info = await refused('FAKEOUT_ERR_AUTH_TOTP_REUSED', () => ctx.auth.verifyApproval('alice', code, 'orders.approve', 'order-3'));
    assert.is(info.status, 401);
    const entries = await since(ctx.db, seq);
    assert.equal(entries.map((e) => [e.action, e.subject, e.details.code]), [['secret.read', 'totp:alice', undefined], ['approval.refused', 'order-3', 'FAKEOUT_ERR_AUTH_TOTP_REUSED']]);
    const state = await ctx.db.selectFrom('auth_state').selectAll().where('user_name', '=', 'alice').executeTakeFirstOrThrow();
    assert.equal(state.failures, [ctx.now]);
  });

  s("refuses a code from another user's secret", async (ctx) => {
    const bobs = codeFor(ctx, 'bob');
    assert.is.not(bobs, codeFor(ctx, 'alice'));
    await refused('FAKEOUT_ERR_AUTH_TOTP_WRONG', () => ctx.auth.verifyApproval('alice', bobs, 'orders.approve'));
    const last = (await tailAudit(ctx.db, 1))[0]!;
    assert.equal([last.actor, last.action, last.details.code], ['alice', 'approval.refused', 'FAKEOUT_ERR_AUTH_TOTP_WRONG']);
    // and bob's own code still works for bob
    assert.is((await ctx.auth.verifyApproval('bob', bobs, 'breaker.reset')).user, 'bob');
  });

  s('a malformed code is refused and audited but does not count towards a lock', async (ctx) => {
    const seq = await lastSeq(ctx.db);
    for (const code of ['12345', 'abcdef', '']) {
      const info = await refused('FAKEOUT_ERR_AUTH_TOTP_MALFORMED', () => ctx.auth.verifyApproval('bob', code, 'orders.reject'));
      assert.equal([info.status, info.field], [400, 'code']);
    }
    const entries = await since(ctx.db, seq);
    assert.is(entries.filter((e) => e.details.code === 'FAKEOUT_ERR_AUTH_TOTP_MALFORMED').length, 3);
    const state = await ctx.db.selectFrom('auth_state').selectAll().where('user_name', '=', 'bob').executeTakeFirstOrThrow();
    assert.equal([state.failures, state.locked_until], [[], null]);
  });

  s('locks after 3 wrong codes, refuses even the right code while locked, unlocks after the lock time', async (ctx) => {
    const wrong = (at: number) => String((Number(codeFor(ctx, 'bob', at)) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 2; i++) {
      await refused('FAKEOUT_ERR_AUTH_TOTP_WRONG', () => ctx.auth.verifyApproval('bob', wrong(ctx.now), 'orders.approve'));
      ctx.now += 1000;
    }
    const third = await refused('FAKEOUT_ERR_AUTH_TOTP_WRONG', () => ctx.auth.verifyApproval('bob', wrong(ctx.now), 'orders.approve'));
    const lockedAt = ctx.now;
    assert.is(third.lockedUntil, lockedAt + 900_000);
    ctx.now += 60_000;
    const seq = await lastSeq(ctx.db);
    const locked = await refused('FAKEOUT_ERR_AUTH_LOCKED', () => ctx.auth.verifyApproval('bob', codeFor(ctx, 'bob'), 'orders.approve'));
    assert.equal([locked.status, locked.lockedUntil], [423, lockedAt + 900_000]);
    // refused before the secret is read: one entry, no secret.read
    assert.equal((await since(ctx.db, seq)).map((e) => [e.action, e.details.code]), [['approval.refused', 'FAKEOUT_ERR_AUTH_LOCKED']]);
    ctx.now = lockedAt + 900_000 - 1;
    await refused('FAKEOUT_ERR_AUTH_LOCKED', () => ctx.auth.verifyApproval('bob', codeFor(ctx, 'bob'), 'orders.approve'));
    ctx.now = lockedAt + 900_000;
    assert.is((await ctx.auth.verifyApproval('bob', codeFor(ctx, 'bob'), 'orders.approve')).user, 'bob');
  });

  s('a role that may not approve is refused with 403, audited, and its secret is not read', async (ctx) => {
    const seq = await lastSeq(ctx.db);
    const info = await refused('FAKEOUT_ERR_AUTH_FORBIDDEN', () => ctx.auth.verifyApproval('tom', codeFor(ctx, 'tom'), 'orders.approve', 'order-9'));
    assert.is(info.status, 403);
    const entries = await since(ctx.db, seq);
    assert.equal(entries.map((e) => [e.actor, e.action, e.subject, e.details]), [
      ['tom', 'approval.refused', 'order-9', { requested: 'orders.approve', code: 'FAKEOUT_ERR_AUTH_FORBIDDEN', role: 'trader' }],
    ]);
    // tom's code was not used up by the refusal
    assert.is((await ctx.auth.verifyApproval('tom', codeFor(ctx, 'tom'), 'gate.pause')).user, 'tom');
  });

  s('an unknown user, a user without enrolment and an unknown action are refused; the first two are audited', async (ctx) => {
    const seq = await lastSeq(ctx.db);
    assert.is((await refused('FAKEOUT_ERR_AUTH_UNKNOWN_USER', () => ctx.auth.verifyApproval('mallory', '123456', 'orders.approve'))).status, 401);
    await refused('FAKEOUT_ERR_AUTH_UNKNOWN_USER', () => ctx.auth.verifyApproval("x'; DROP TABLE users; --", '123456', 'orders.approve'));
    await ctx.auth.addUser('nina', 'approver');
    const afterAdd = await lastSeq(ctx.db);
    assert.is((await refused('FAKEOUT_ERR_AUTH_NOT_ENROLLED', () => ctx.auth.verifyApproval('nina', '123456', 'orders.approve'))).status, 403);
    assert.is((await refused('FAKEOUT_ERR_AUTH_INVALID', () => ctx.auth.verifyApproval('alice', '123456', 'orders.launch'))).field, 'action');
    const entries = (await since(ctx.db, seq)).filter((e) => e.seq !== afterAdd);
    assert.equal(entries.map((e) => [e.actor, e.details.code]), [
      ['mallory', 'FAKEOUT_ERR_AUTH_UNKNOWN_USER'],
      ['(invalid name)', 'FAKEOUT_ERR_AUTH_UNKNOWN_USER'],
      ['nina', 'FAKEOUT_ERR_AUTH_NOT_ENROLLED'],
    ]);
    assert.is(entries[1]!.details.name, "x'; DROP TABLE users; --");
  });

  s('the same code sent twice at once is granted exactly once', async (ctx) => {
    const code = codeFor(ctx, 'alice');
    const outcomes = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => ctx.auth.verifyApproval('alice', code, 'orders.approve', `order-c${i}`)));
    assert.is(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    for (const o of outcomes) if (o.status === 'rejected') assert.ok(isFakeoutError(o.reason, 'FAKEOUT_ERR_AUTH_TOTP_REUSED'), String(o.reason));
  });

  s('after all of it the audit chain verifies', async ({ db }) => {
    const report = await verifyAuditChain(db);
    assert.ok(report.ok);
    assert.ok(report.rows > 30, `${report.rows} rows`);
  });

  s.run();
}
