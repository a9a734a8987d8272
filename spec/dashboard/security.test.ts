/**
 * The Security & risk tab: the nats.conf parser and permission matrix (against the project's
 * real nats.conf, expected rights copied by hand from the file), and the API on a real database
 * (PGlite and Postgres): audit pages, the vault access log, the chain's verification (also after
 * a row is edited behind the chain's back), the integrity auditor's last result, and the guard
 * (audit entries need `audit.read`: a viewer gets 403).
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NATS_CONF } from '../../actors/app/messaging.ts';
import { appendAudits } from '../../adapters/db/audit-log.repo.ts';
import { saveIntegrityProgress } from '../../adapters/db/integrity.repo.ts';
import { NatsConfSyntaxError, parseNatsConf, permissionMatrix } from '../../adapters/http/dashboard/security-nats-conf.ts';
import { securityRoutes } from '../../adapters/http/dashboard/security.routes.ts';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/database.ts';
import { dashboardApp, get, T0, testGuard } from './analytics-fixture.ts';

const conf = suite('nats.conf permission matrix');

conf('the project nats.conf: five users, in file order, with their allow and deny lists', () => {
  const m = permissionMatrix(readFileSync(NATS_CONF, 'utf8'));
  assert.equal(m.map((u) => u.user), ['admin', 'ingest', 'pipeline', 'gateway', 'ops']);
  const by = Object.fromEntries(m.map((u) => [u.user, u]));
  assert.equal(by['admin']!.publish, { allow: ['$JS.API.>', '$KV.config.>'], deny: [] });
  assert.equal(by['ingest']!.publish, { allow: ['raw.>', '$JS.API.INFO', '$JS.API.STREAM.MSG.GET.RAW'], deny: [] });
  for (const u of m) assert.equal(u.subscribe, { allow: ['_INBOX.>'], deny: [] }, u.user);
  // pipeline: 32 allowed and 14 denied subjects (counted in the file)
  assert.is(by['pipeline']!.publish.allow.length, 32);
  assert.is(by['pipeline']!.publish.deny.length, 14);
  assert.ok(by['pipeline']!.publish.allow.includes('risk.trip.*'));
  assert.ok(by['pipeline']!.publish.deny.includes('risk.trip.manual'));
  assert.equal(by['gateway']!.publish.deny.slice(0, 6), ['raw.>', 'bars.>', 'features.>', 'scores.>', 'signals.>', '$KV.config.>']);
  assert.ok(by['ops']!.publish.allow.includes('$JS.API.DIRECT.GET.>'));
  assert.is(by['ops']!.publish.deny.length, 0);
});

conf('passwords stay variable references; nothing is resolved', () => {
  const parsed = parseNatsConf(readFileSync(NATS_CONF, 'utf8'));
  const users = (parsed['authorization'] as { users: { password: string }[] }).users;
  assert.equal(users.map((u) => u.password), ['$FAKEOUT_NATS_ADMIN_PASSWORD', '$FAKEOUT_NATS_INGEST_PASSWORD', '$FAKEOUT_NATS_PIPELINE_PASSWORD', '$FAKEOUT_NATS_GATEWAY_PASSWORD', '$FAKEOUT_NATS_OPS_PASSWORD']);
  assert.is(parsed['max_payload'], 1048576);
});

conf('list-form permissions, a user without permissions, both separators and comments', () => {
  const m = permissionMatrix(`
    // a comment
    authorization {
      users = [
        { user = a, permissions = { publish = ["x.>", 'y'], subscribe: { deny: ["z"] } } }  # trailing
        { user: "b" }
      ]
    }`);
  assert.equal(m, [
    { user: 'a', publish: { allow: ['x.>', 'y'], deny: [] }, subscribe: { allow: [], deny: ['z'] } },
    { user: 'b', publish: { allow: ['>'], deny: [] }, subscribe: { allow: ['>'], deny: [] } },
  ]);
  assert.equal(permissionMatrix('port: 4222'), []);
});

conf('a broken file is refused naming the line', () => {
  assert.throws(() => parseNatsConf('a {\n b: "open\n}'), (e: unknown) => e instanceof NatsConfSyntaxError && e.line === 2);
  assert.throws(() => parseNatsConf('a {\n b: [1, 2\n'), (e: unknown) => e instanceof NatsConfSyntaxError);
  assert.throws(() => parseNatsConf('a: }'), /line 1/);
});

conf.run();

async function seed(db: TestDatabase['database']['db']) {
  await appendAudits(db, [
    { at: T0 + 1, actor: 'cli:root', action: 'user.added', subject: 'user:alice' }, // 1
    { at: T0 + 2, actor: 'gateway', action: 'secret.read', subject: 'secret:apiKey', details: { file: '/x' } }, // 2
    { at: T0 + 3, actor: 'alice', action: 'config.proposed', subject: 'config:p1', before: { triggerScore: 70 }, after: { triggerScore: 75 } }, // 3
    { at: T0 + 4, actor: 'integrity-auditor', action: 'integrity.failed', subject: 'raw_events', details: { problems: 2 } }, // 4
    { at: T0 + 5, actor: 'alice', action: 'secret.read', subject: 'totp:alice', details: { purpose: 'approval' } }, // 5
    { at: T0 + 6, actor: 'integrity-auditor', action: 'integrity.verified', subject: 'raw_events', details: { problems: 0, rows: 10 } }, // 6
    { at: T0 + 7, actor: 'bob', action: 'config.applied', subject: 'config:p1' }, // 7
  ]);
  await saveIntegrityProgress(db, { lastSeq: 10, rowSha256: 'ab'.repeat(32), verifiedAt: T0 + 6 });
}

for (const kind of testDatabaseKinds) {
  const routes = suite<{ t: TestDatabase; app: Awaited<ReturnType<typeof dashboardApp>> }>(`security routes (${kind})`);
  routes.before(async (ctx) => {
    ctx.t = await createTestDatabase(kind);
    await seed(ctx.t.database.db);
    ctx.app = await dashboardApp(securityRoutes, { guard: testGuard, db: ctx.t.database.db, natsConfPath: NATS_CONF });
  });
  routes.after(async (ctx) => {
    await ctx.app?.close();
    await ctx.t?.cleanup();
  });

  routes('the NATS matrix and the integrity result are for every role', async ({ app }) => {
    const nats = await get(app, '/security/nats');
    assert.is(nats.status, 200);
    assert.is(nats.action, 'view');
    assert.equal(nats.body.users.map((u: { user: string }) => u.user), ['admin', 'ingest', 'pipeline', 'gateway', 'ops']);
    const integrity = await get(app, '/security/integrity');
    assert.is(integrity.action, 'view');
    // the newest integrity entry is seq 6, verified
    assert.equal(integrity.body.last, { ok: true, at: T0 + 6, seq: 6, actor: 'integrity-auditor', details: { problems: 0, rows: 10 } });
    assert.is(integrity.body.progress.lastSeq, 10);
  });

  routes('audit entries need audit.read: 403 for a viewer, paged newest first for an approver', async ({ app }) => {
    const viewer = await get(app, '/security/audit', 'viewer');
    assert.is(viewer.status, 403);
    assert.is(viewer.body.error.code, 'FAKEOUT_ERR_AUTH_FORBIDDEN');
    const p1 = await get(app, '/security/audit?limit=3', 'approver');
    assert.is(p1.action, 'audit.read');
    assert.equal(p1.body.entries.map((e: { seq: number }) => e.seq), [7, 6, 5]);
    assert.is(p1.body.next, 5);
    const p3 = await get(app, '/security/audit?limit=3&before=2', 'approver');
    assert.equal(p3.body.entries.map((e: { seq: number }) => e.seq), [1]);
    assert.is(p3.body.next, null);
    const config = await get(app, '/security/audit?action=config.', 'admin');
    assert.equal(config.body.entries.map((e: { seq: number; hasChange: boolean }) => [e.seq, e.hasChange]), [[7, false], [3, true]]);
    const exact = await get(app, '/security/audit?action=config.applied&actor=bob', 'admin');
    assert.equal(exact.body.entries.map((e: { seq: number }) => e.seq), [7]);
    assert.is((await get(app, '/security/audit?action=a%25b', 'admin')).body.error.field, 'action');
  });

  routes('the vault access log is the secret.read entries', async ({ app }) => {
    const { body, action } = await get(app, '/security/vault', 'approver');
    assert.is(action, 'audit.read');
    assert.equal(body.entries.map((e: { seq: number; subject: string }) => [e.seq, e.subject]), [[5, 'totp:alice'], [2, 'secret:apiKey']]);
    assert.is((await get(app, '/security/vault', 'trader')).status, 403);
  });

  routes('the chain verifies, and a row edited behind its back is reported at its seq', async ({ app, t }) => {
    const ok = await get(app, '/security/audit/verify', 'admin');
    assert.equal(ok.body, { ok: true, rows: 7 });
    await t.database.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      await sql`UPDATE audit_log SET actor = 'mallory' WHERE seq = 4`.execute(trx);
    });
    const bad = await get(app, '/security/audit/verify', 'admin');
    assert.is(bad.body.ok, false);
    assert.is(bad.body.firstBadSeq, 4);
  });

  routes('every route answers 401 without a session', async ({ app }) => {
    for (const path of ['/security/nats', '/security/integrity', '/security/audit', '/security/audit/verify', '/security/vault']) {
      assert.is((await get(app, path, null)).status, 401, path);
      assert.is((await get(app, path, 'intruder')).status, 403, path);
    }
  });

  routes.run();
}
