/**
 * The broker credentials vault: refused when group or others may read it, every read audited
 * before the value is handed out, and loaded only by the roles that run execution.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { appendAudit, tailAudit } from '../../adapters/db/index.ts';
import { openVault, type SecretRead } from '../../adapters/secrets/index.ts';
import { startTestApp } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

const s = suite('broker secrets vault');
const SECRET_VALUE = 'sk-live-9c1f0e77d2';
let dir = '';
let tdb: TestDatabase;

function secretsFile(name: string, content: string, mode: number): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
}

function refusal(fn: () => unknown): Error & { code?: string; info?: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a refusal');
}

s.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fakeout-vault-'));
  tdb = await createTestDatabase('postgres');
});
s.after(async () => {
  await tdb.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

s('refuses a secrets file that group or others may read, naming the file, its mode and the fix, without reading a value', () => {
  for (const mode of [0o644, 0o640, 0o604, 0o660]) {
    const file = secretsFile(`open-${mode.toString(8)}.json`, JSON.stringify({ apiKey: SECRET_VALUE }), mode);
    const err = refusal(() => openVault(file, async () => undefined));
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_SECRETS_FILE'), String(err));
    assert.ok(err.message.includes(file) && err.message.includes(mode.toString(8)) && err.message.includes('chmod 600'), err.message);
    assert.is(err.info?.field, 'FAKEOUT_BROKER_SECRETS_FILE');
    assert.not.ok(err.message.includes(SECRET_VALUE));
  }
});

s('refuses a missing file, a file that is not JSON and a non-string secret, never quoting the content', () => {
  const cases = [
    join(dir, 'nope.json'),
    secretsFile('garbled.json', `{"apiKey": "${SECRET_VALUE}"`, 0o600),
    secretsFile('array.json', JSON.stringify([SECRET_VALUE]), 0o600),
    secretsFile('number.json', JSON.stringify({ apiKey: 42 }), 0o600),
  ];
  for (const file of cases) {
    const err = refusal(() => openVault(file, async () => undefined));
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_SECRETS_FILE'), `${file}: ${String(err)}`);
    assert.not.ok(err.message.includes(SECRET_VALUE), err.message);
  }
});

s('every read is written to the audit log before the value is handed out; an unknown name is refused', async () => {
  const file = secretsFile('ok.json', JSON.stringify({ apiKey: SECRET_VALUE, apiSecret: 'shh-2' }), 0o600);
  const db = tdb.database.db;
  const reads: SecretRead[] = [];
  const vault = openVault(file, async (r) => {
    reads.push(r);
    await appendAudit(db, { at: 1_700_000_000_000 + reads.length, actor: r.reader, action: 'secret.read', subject: `secret:${r.name}`, details: { file: r.file } });
  });
  assert.equal(vault.names, ['apiKey', 'apiSecret']);
  assert.not.ok(JSON.stringify(vault).includes(SECRET_VALUE), 'the vault serialises without values');
  assert.is(await vault.read('apiKey', 'gateway'), SECRET_VALUE);
  assert.is(await vault.read('apiKey', 'gateway'), SECRET_VALUE);
  const rows = (await tailAudit(db, 10)).filter((e) => e.action === 'secret.read');
  assert.equal(rows.map((e) => [e.actor, e.subject]), [['gateway', 'secret:apiKey'], ['gateway', 'secret:apiKey']], 'two reads, two entries');
  assert.not.ok(JSON.stringify(rows).includes(SECRET_VALUE), 'the audit log never holds the value');
  const err = await vault.read('password', 'gateway').then(() => undefined, (e: unknown) => e as Error);
  assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_SECRETS_FILE'), String(err));
  assert.is(reads.length, 2, 'an unknown name is not a read');
});

s('a read whose audit entry cannot be written hands out nothing', async () => {
  const file = secretsFile('audit-down.json', JSON.stringify({ apiKey: SECRET_VALUE }), 0o600);
  const vault = openVault(file, async () => {
    throw new Error('audit log unavailable');
  });
  const got = await vault.read('apiKey', 'gateway').then((v) => v, (e: unknown) => e as Error);
  assert.instance(got, Error);
  assert.is((got as Error).message, 'audit log unavailable');
});

s('only roles that run execution open it: role pipeline starts beside a too-open file, role all refuses to start', async () => {
  const file = secretsFile('too-open.json', JSON.stringify({ apiKey: SECRET_VALUE }), 0o644);
  const pipeline = await startTestApp({ kind: 'pglite', env: { FAKEOUT_ROLE: 'pipeline', FAKEOUT_BROKER_SECRETS_FILE: file } });
  try {
    assert.ok(pipeline.app.httpUrl(), 'the pipeline process serves');
  } finally {
    await pipeline.cleanup();
  }
  const err = await startTestApp({ kind: 'pglite', env: { FAKEOUT_BROKER_SECRETS_FILE: file } }).then(
    async (t) => {
      await t.cleanup();
      return undefined;
    },
    (e: unknown) => e as Error,
  );
  assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_SECRETS_FILE'), `role all refuses: ${String(err)}`);
});

s.run();
