/**
 * Config governance against a real nats-server (the project's nats.conf, KV bucket `config`)
 * and a real Postgres: proposals, desk hours, four eyes, expiry, the audit trail, and who may
 * write the bucket. Desk hours are Mon-Fri 08:00-18:00 UTC; the clock is set per test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApprovalsService } from '../../actors/auth/approvals.service.ts';
import { createAuthService } from '../../actors/auth/auth.service.ts';
import { lockoutPolicy } from '../../actors/auth/lockout.ts';
import { totpCodeAt } from '../../actors/auth/totp.ts';
import { createConfigService, type ConfigService } from '../../actors/config/config.service.ts';
import { deskHoursFromConfig } from '../../actors/config/desk-hours.ts';
import { seedVersion } from '../../actors/config/governed.ts';
import { loadConfig } from '../../actors/domain/config.ts';
import { isFakeoutError, type ErrorCode } from '../../actors/domain/errors.ts';
import { tailAudit, listConfigProposals, listConfigVersions } from '../../adapters/db/index.ts';
import { configReader, ensureConfigBucket, writeConfigVersion } from '../../adapters/nats/index.ts';
import type { NatsConnection } from '../../adapters/nats/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestNats, type TestNats } from '../helpers/nats-server.ts';

// Wednesday 2026-12-02 10:00 UTC (in hours) and 22:00 UTC (out of hours)
const IN_HOURS = Date.UTC(2026, 11, 2, 10, 0, 0);
const OUT_OF_HOURS = Date.UTC(2026, 11, 2, 22, 0, 0);
const PASSWORD = 'correct horse battery';

const s = suite('config governance (nats KV + postgres)');
let t: TestNats;
let tdb: TestDatabase;
let admin: NatsConnection;
let secretsDir: string;
let now = IN_HOURS;
const clock = { now: () => now };
const secrets: Record<string, string> = {};
let service: ConfigService;
let step = 0;

/** A fresh code for `user`: each call moves the clock one TOTP step on, so no code is reused. */
function code(user: string): string {
  step++;
  now += 30_000;
  return totpCodeAt(secrets[user]!, now);
}

async function refusal(p: Promise<unknown>, expected: ErrorCode): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.ok(isFakeoutError(err, expected), `expected ${expected}, got ${String(err)}`);
    return;
  }
  assert.unreachable(`expected ${expected}`);
}

const current = async () => (await configReader(admin).stored()).version;

s.before(async () => {
  t = await startTestNats();
  tdb = await createTestDatabase('postgres');
  admin = await t.connect('admin');
  secretsDir = mkdtempSync(join(tmpdir(), 'fakeout-cfg-secrets-'));
  const config = loadConfig({ FAKEOUT_DESK_DAYS: 'Mon-Fri', FAKEOUT_DESK_HOURS: '08:00-18:00', FAKEOUT_DESK_TZ: 'UTC' });
  await ensureConfigBucket(admin, () => seedVersion(config, now));
  const db = tdb.database.db;
  const lockout = lockoutPolicy(5, 900);
  const auth = createAuthService({ db, clock, lockout, secretsDir, operator: 'test' });
  for (const [name, role] of [['ada', 'admin'], ['bob', 'admin'], ['ann', 'approver'], ['tom', 'trader']] as const) {
    await auth.addUser(name, role, PASSWORD);
    secrets[name] = (await auth.enrollTotp(name)).secret;
  }
  const approvals = createApprovalsService({ db, clock, lockout, auth, publish: async () => ({ seq: 0, duplicate: false }) });
  const gateway = await t.connect('gateway');
  service = createConfigService({
    db, clock, auth, approvals,
    store: { stored: () => configReader(gateway).stored(), write: (next, rev) => writeConfigVersion(admin, next, rev) },
    desk: deskHoursFromConfig(config),
    proposalTtlMs: 24 * 3_600_000,
  });
});
s.after(async () => {
  await t?.cleanup();
  await tdb?.cleanup();
  if (secretsDir) rmSync(secretsDir, { recursive: true, force: true });
});

s('an admin applies a change alone in desk hours: KV version 2, mirrored, audited', async () => {
  now = IN_HOURS;
  const r = await service.propose({ user: 'ada', password: PASSWORD, changes: { triggerScore: 75 }, reason: 'fewer, better signals', code: code('ada') });
  assert.is(r.state, 'applied');
  assert.is(r.appliedVersion, 2);
  const v = await current();
  assert.is(v.version, 2);
  assert.is(v.params.triggerScore, 75);
  assert.is(v.params.wickThreshold, 0.5, 'the others stay');
  assert.is(v.appliedBy, 'ada');
  const rows = await listConfigVersions(tdb.database.db);
  assert.equal(rows.map((x) => x.version), [2]);
  const actions = (await tailAudit(tdb.database.db, 1000)).filter((e) => e.subject === `config:${r.id}`).map((e) => e.action);
  for (const a of ['config.proposed', 'approval.granted', 'config.approved', 'config.applied']) assert.ok(actions.includes(a), `audit has ${a}: ${actions.join(',')}`);
});

s('out of hours, an admin alone never applies a change: their own second approval is refused and audited', async () => {
  now = OUT_OF_HOURS;
  const before = await current();
  const r = await service.propose({ user: 'ada', password: PASSWORD, changes: { riskPerTrade: 0.004 }, reason: 'smaller risk', code: code('ada') });
  assert.is(r.state, 'pendingSecondApproval');
  await refusal(service.approve(r.id, { user: 'ada', password: PASSWORD, code: code('ada') }), 'FAKEOUT_ERR_CONFIG_SELF_APPROVAL');
  const after = await current();
  assert.equal(after, before, 'the bucket is unchanged');
  const [p] = await listConfigProposals(tdb.database.db, { limit: 1 });
  assert.is(p!.state, 'pendingSecondApproval');
  const refused = (await tailAudit(tdb.database.db, 1000)).filter((e) => e.subject === `config:${r.id}` && e.action === 'approval.refused');
  assert.is(refused.length, 1);
  assert.is((refused[0]!.details as Record<string, unknown>).code, 'FAKEOUT_ERR_CONFIG_SELF_APPROVAL');
  // a second, different approver applies it
  const ok = await service.approve(r.id, { user: 'ann', password: PASSWORD, code: code('ann') });
  assert.is(ok.state, 'applied');
  const v = await current();
  assert.is(v.version, before.version + 1);
  assert.is(v.params.riskPerTrade, 0.004);
});

s('out of hours without any approval nothing applies, and the proposal expires after its TTL', async () => {
  now = OUT_OF_HOURS;
  const before = await current();
  const r = await service.propose({ user: 'tom', password: PASSWORD, changes: { targetR: 3 }, reason: 'let winners run' });
  assert.is(r.state, 'proposed');
  now += 25 * 3_600_000; // Thursday, 23:00: past the 24 h TTL
  await refusal(service.approve(r.id, { user: 'bob', password: PASSWORD, code: code('bob') }), 'FAKEOUT_ERR_CONFIG_PROPOSAL_CLOSED');
  assert.equal(await current(), before);
  const p = (await listConfigProposals(tdb.database.db)).find((x) => x.id === r.id)!;
  assert.is(p.state, 'expired');
});

s('a trader cannot approve; a value outside the start-up rules is refused naming the parameter; nothing changes', async () => {
  now = IN_HOURS + 7 * 86_400_000;
  const before = await current();
  const r = await service.propose({ user: 'tom', password: PASSWORD, changes: { volumeThreshold: 2 }, reason: 'volume matters' });
  await refusal(service.approve(r.id, { user: 'tom', password: PASSWORD, code: code('tom') }), 'FAKEOUT_ERR_AUTH_FORBIDDEN');
  try {
    await service.propose({ user: 'ada', password: PASSWORD, changes: { triggerScore: 130 }, reason: 'typo' });
    assert.unreachable('accepted');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_PROPOSAL_INVALID'), String(err));
    assert.is(err.info.field, 'triggerScore');
    assert.match(err.message, /FAKEOUT_TRIGGER_SCORE/);
  }
  await refusal(service.propose({ user: 'ada', password: PASSWORD, changes: { notAParam: 1 }, reason: 'x' }), 'FAKEOUT_ERR_CONFIG_PROPOSAL_INVALID');
  assert.equal(await current(), before);
  // an approver in hours is one approval; the admin's (a different person) applies it
  const first = await service.approve(r.id, { user: 'ann', password: PASSWORD, code: code('ann') });
  assert.is(first.state, 'pendingSecondApproval');
  const second = await service.approve(r.id, { user: 'bob', password: PASSWORD, code: code('bob') });
  assert.is(second.state, 'applied');
  assert.is((await current()).params.volumeThreshold, 2);
});

s('a rejected proposal cannot be approved afterwards', async () => {
  now = OUT_OF_HOURS + 14 * 86_400_000;
  const r = await service.propose({ user: 'tom', password: PASSWORD, changes: { stopBufferAtr: 0.2 }, reason: 'wider stops' });
  const rej = await service.reject(r.id, { user: 'ann', password: PASSWORD, reason: 'not now' });
  assert.is(rej.state, 'rejected');
  await refusal(service.approve(r.id, { user: 'bob', password: PASSWORD, code: code('bob') }), 'FAKEOUT_ERR_CONFIG_PROPOSAL_CLOSED');
});

s('only admin may write the config bucket: pipeline, gateway, ingest and ops are refused by the server', async () => {
  const before = await current();
  for (const u of ['pipeline', 'gateway', 'ingest', 'ops'] as const) {
    const nc = await t.connect(u);
    const stored = u === 'ingest' ? undefined : await configReader(nc).stored();
    if (u !== 'ingest') assert.is(stored!.version.version, before.version, `${u} reads the version in force`);
    let refused = false;
    try {
      const kv = await new Kvm(nc).open('config');
      await kv.put('current', JSON.stringify({ ...before, version: 99 }));
    } catch (err) {
      refused = /permission/i.test(String(err)) || /permission/i.test(String((err as Error).cause));
      assert.ok(refused, `${u}: refused by permissions, got ${String(err)}`);
    }
    assert.ok(refused, `${u} could write the bucket`);
    assert.equal(await current(), before, `${u}: the bucket is unchanged`);
  }
  // and admin can (so the refusals above are the users', not the bucket's)
  const rev = (await configReader(admin).stored()).revision;
  await writeConfigVersion(admin, { ...before, version: before.version + 1, appliedBy: 'test' }, rev);
  assert.is((await current()).version, before.version + 1);
});

s.run();
