/**
 * `npm start`'s first admin: created once when no admin exists (generated password, or
 * FAKEOUT_ADMIN_PASSWORD), stored as a scrypt hash that verifies, audited; never twice.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyPassword } from '../../actors/auth/password.ts';
import { loadConfig } from '../../actors/domain/config.ts';
import { ensureFirstAdmin } from '../../actors/app/dashboard-wiring.ts';
import { firstLoginText } from '../../actors/app/cli.ts';
import { tailAudit } from '../../adapters/db/audit-log.repo.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { TestClock } from './fixture.ts';

const s = suite('first admin');

s('a generated password is shown once, verifies against the stored hash, and a second start creates nothing', async () => {
  const t = await createTestDatabase('pglite');
  try {
    const db = t.database.db;
    const first = await ensureFirstAdmin(loadConfig({}), new TestClock(1_000), db, t.dataDir);
    assert.ok(first.created);
    if (!first.created) return;
    assert.is(first.source, 'generated');
    assert.ok(first.password.length >= 24);
    const row = await db.selectFrom('users').selectAll().where('name', '=', 'admin').executeTakeFirstOrThrow();
    assert.is(row.role, 'admin');
    assert.not.ok(row.password_hash!.includes(first.password));
    assert.ok(await verifyPassword(first.password, row.password_hash!));
    assert.ok((await tailAudit(db, 5)).some((e) => e.action === 'user.added' && e.actor === 'startup'));
    const text = firstLoginText('http://127.0.0.1:3000', first);
    assert.match(text, /dashboard: http:\/\/127\.0\.0\.1:3000\/ui\//);
    assert.ok(text.includes(first.password));
    const again = await ensureFirstAdmin(loadConfig({}), new TestClock(2_000), db, t.dataDir);
    assert.equal(again, { created: false });
    assert.not.match(firstLoginText('http://x', again), /password [A-Za-z0-9_-]{24}/);
  } finally {
    await t.cleanup();
  }
});

s('FAKEOUT_ADMIN_PASSWORD sets it (and is not printed); a short one is refused at start naming the variable', async () => {
  const t = await createTestDatabase('pglite');
  try {
    const first = await ensureFirstAdmin(loadConfig({ FAKEOUT_ADMIN_PASSWORD: 'chosen-admin-password' }), new TestClock(1_000), t.database.db, t.dataDir);
    assert.ok(first.created && first.source === 'FAKEOUT_ADMIN_PASSWORD');
    const row = await t.database.db.selectFrom('users').selectAll().where('name', '=', 'admin').executeTakeFirstOrThrow();
    assert.ok(await verifyPassword('chosen-admin-password', row.password_hash!));
    assert.not.ok(firstLoginText('http://x', first).includes('chosen-admin-password'));
    assert.throws(() => loadConfig({ FAKEOUT_ADMIN_PASSWORD: 'short' }), (e: Error & { info?: { field?: string } }) => e.info?.field === 'FAKEOUT_ADMIN_PASSWORD');
  } finally {
    await t.cleanup();
  }
});

s.run();
