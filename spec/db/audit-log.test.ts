/**
 * audit_log (adapters/db/audit-log.repo.ts), on real Postgres and on PGlite: append-only in the
 * database, hash-chained, tampering found at the first broken seq, concurrent appends one chain.
 * Expected hashes are computed here from hand-written canonical JSON, not by the repository.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { appendAudit, appendAudits, tailAudit, verifyAuditChain, type AuditEntry } from '../../adapters/db/audit-log.repo.ts';
import { withDbErrors } from '../../adapters/db/db-errors.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { type TestDatabase, createTestDatabase, testDatabaseKinds } from '../helpers/database.ts';
import { T0 } from './fixtures.ts';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const ZEROS = '0'.repeat(64);

async function rejectsWith(code: Parameters<typeof isFakeoutError>[1], fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isFakeoutError(err, code), `expected ${code}, got ${String(err)}`);
    return { ...err.info };
  }
  assert.unreachable(`expected ${code}`);
  return {};
}

/** As a superuser could: the trigger off for one transaction only (other sessions unaffected). */
async function asSuperuser(db: Db, fn: (trx: Db) => Promise<unknown>, how: 'disable' | 'replica' = 'disable'): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (how === 'disable') await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(trx);
    else await sql`SET LOCAL session_replication_role = replica`.execute(trx);
    await fn(trx);
    if (how === 'disable') await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`.execute(trx);
  });
}

const entry = (i: number): AuditEntry => ({ at: T0 + i, actor: 'alice', action: 'approval.granted', subject: `order-${i}`, details: { step: i } });

async function appendN(db: Db, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await appendAudit(db, entry(i));
}

async function count(db: Db): Promise<number> {
  return (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log`.execute(db)).rows[0]!.n;
}

for (const kind of testDatabaseKinds) {
  const s = suite<{ t: TestDatabase; db: Db }>(`audit log (${kind})`);
  s.before(async (ctx) => {
    ctx.t = await createTestDatabase(kind);
    ctx.db = ctx.t.database.db;
  });
  s.after(async (ctx) => ctx.t?.cleanup());
  s.before.each(async ({ db }) => asSuperuser(db, (trx) => trx.deleteFrom('audit_log').execute()));

  s('the first entry is chained from 64 zeros over the canonical JSON of all its columns', async ({ db }) => {
    const rec = await appendAudit(db, { at: T0, actor: 'cli:root', action: 'user.added', subject: 'user:alice', after: { role: 'admin', name: 'alice' } });
    const content = `{"action":"user.added","actor":"cli:root","after":{"name":"alice","role":"admin"},"at":${T0},"before":null,"details":{},"seq":1,"subject":"user:alice"}`;
    const row = await db.selectFrom('audit_log').selectAll().executeTakeFirstOrThrow();
    assert.is(row.seq, 1);
    assert.is(row.content_sha256, sha(content));
    assert.is(row.prev_sha256, ZEROS);
    assert.is(row.row_sha256, sha(ZEROS + sha(content)));
    assert.is(rec.rowSha256, row.row_sha256);
    assert.equal([row.at, row.actor, row.action, row.subject, row.before, row.after, row.details], [T0, 'cli:root', 'user.added', 'user:alice', null, { role: 'admin', name: 'alice' }, {}]);
    const second = await appendAudit(db, { at: T0 + 1, actor: 'bob', action: 'secret.read' });
    const content2 = `{"action":"secret.read","actor":"bob","after":null,"at":${T0 + 1},"before":null,"details":{},"seq":2,"subject":null}`;
    assert.is(second.rowSha256, sha(row.row_sha256 + sha(content2)));
    assert.equal(await verifyAuditChain(db), { ok: true, rows: 2 });
  });

  s('tailAudit gives the last n entries oldest first', async ({ db }) => {
    await appendN(db, 5);
    const tail = await tailAudit(db, 3);
    assert.equal(tail.map((r) => [r.seq, r.subject, r.details]), [3, 4, 5].map((i) => [i, `order-${i}`, { step: i }]));
    assert.is((await tailAudit(db, 100)).length, 5);
    for (const n of [0, -1, 1.5, 10_001]) assert.equal((await rejectsWith('FAKEOUT_ERR_AUDIT_INVALID', () => tailAudit(db, n))).field, 'n');
  });

  s('a malformed entry is refused naming the field and nothing is appended', async ({ db }) => {
    await appendN(db, 1);
    const bad: [Partial<AuditEntry>, string][] = [
      [{ actor: '' }, 'actor'],
      [{ action: '  ' }, 'action'],
      [{ at: -1 }, 'at'],
      [{ at: 1.5 }, 'at'],
      [{ details: { n: 10n } as unknown as Record<string, unknown> }, 'details'],
      [{ details: [1, 2] as unknown as Record<string, unknown> }, 'details'],
      [{ after: 5n }, 'after'],
    ];
    for (const [patch, field] of bad) {
      const info = await rejectsWith('FAKEOUT_ERR_AUDIT_INVALID', () => appendAudit(db, { ...entry(2), ...patch }));
      assert.is(info.field, field, JSON.stringify(Object.keys(patch)));
    }
    assert.is(await count(db), 1);
    assert.equal(await verifyAuditChain(db), { ok: true, rows: 1 });
  });

  s('UPDATE, DELETE and TRUNCATE are refused with FAKEOUT_ERR_DB_APPEND_ONLY and nothing changes', async ({ db }) => {
    await appendN(db, 3);
    const before = await db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    await rejectsWith('FAKEOUT_ERR_DB_APPEND_ONLY', () => withDbErrors('tamper', () => db.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 2).execute()));
    await rejectsWith('FAKEOUT_ERR_DB_APPEND_ONLY', () => withDbErrors('tamper', () => db.deleteFrom('audit_log').where('seq', '=', 3).execute()));
    await rejectsWith('FAKEOUT_ERR_DB_APPEND_ONLY', () => withDbErrors('tamper', () => sql`TRUNCATE audit_log`.execute(db)));
    try {
      await db.deleteFrom('audit_log').execute();
      assert.unreachable('DELETE went through');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'FKA01');
    }
    assert.equal(await db.selectFrom('audit_log').selectAll().orderBy('seq').execute(), before);
  });

  s('an edited row is found at its seq (trigger disabled by a superuser)', async ({ db }) => {
    await appendN(db, 5);
    await asSuperuser(db, (trx) => trx.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 3).execute());
    const report = await verifyAuditChain(db);
    assert.equal({ ...report, reason: undefined }, { ok: false, rows: 3, firstBadSeq: 3, reason: undefined });
    assert.match((report as { reason: string }).reason, 'edited');
  });

  s('a row rewritten with recomputed hashes is found at the next seq (session_replication_role = replica)', async ({ db }) => {
    await appendN(db, 5);
    const row2 = await db.selectFrom('audit_log').select('row_sha256').where('seq', '=', 2).executeTakeFirstOrThrow();
    const forged = `{"action":"approval.granted","actor":"mallory","after":null,"at":${T0 + 3},"before":null,"details":{"step":3},"seq":3,"subject":"order-3"}`;
    await asSuperuser(
      db,
      (trx) =>
        trx
          .updateTable('audit_log')
          .set({ actor: 'mallory', content_sha256: sha(forged), row_sha256: sha(row2.row_sha256 + sha(forged)) })
          .where('seq', '=', 3)
          .execute(),
      'replica',
    );
    const report = await verifyAuditChain(db);
    assert.is(report.ok, false);
    assert.is((report as { firstBadSeq: number }).firstBadSeq, 4);
    assert.match((report as { reason: string }).reason, 'prev_sha256');
  });

  s('a deleted middle row is found at the row after it; a removed tail is not (documented limit)', async ({ db }) => {
    await appendN(db, 5);
    await asSuperuser(db, (trx) => trx.deleteFrom('audit_log').where('seq', '=', 2).execute(), 'replica');
    const report = await verifyAuditChain(db);
    assert.equal({ ok: report.ok, rows: report.rows, seq: (report as { firstBadSeq: number }).firstBadSeq }, { ok: false, rows: 2, seq: 3 });
    assert.match((report as { reason: string }).reason, 'missing');
  });

  s('the chain continues after a removed tail without noticing it (why docs/security.md says to anchor the tail)', async ({ db }) => {
    await appendN(db, 3);
    await asSuperuser(db, (trx) => trx.deleteFrom('audit_log').where('seq', '=', 3).execute());
    await appendAudit(db, entry(9));
    assert.equal(await verifyAuditChain(db), { ok: true, rows: 3 });
  });

  s('appendAudits chains a batch after the stored tail exactly as one append each would (hashes by hand)', async ({ db }) => {
    const first = await appendAudit(db, entry(1));
    // 1,203 entries: more than two INSERT chunks of 500
    const batch = Array.from({ length: 1203 }, (_, k) => entry(k + 2));
    const recs = await appendAudits(db, batch);
    assert.equal(recs.map((r) => r.seq), batch.map((_, k) => k + 2));
    const rows = await db.selectFrom('audit_log').select(['seq', 'prev_sha256', 'content_sha256', 'row_sha256']).orderBy('seq').execute();
    assert.is(rows.length, 1204);
    let prev = first.rowSha256;
    for (const row of rows.slice(1)) {
      const i = row.seq;
      const content = `{"action":"approval.granted","actor":"alice","after":null,"at":${T0 + i},"before":null,"details":{"step":${i}},"seq":${i},"subject":"order-${i}"}`; // entry(i) at seq i
      assert.is(row.prev_sha256, prev, `seq ${i} links to seq ${i - 1}`);
      assert.is(row.content_sha256, sha(content), `seq ${i} content`);
      assert.is(row.row_sha256, sha(prev + sha(content)), `seq ${i} row hash`);
      prev = row.row_sha256;
    }
    assert.is(recs.at(-1)!.rowSha256, prev);
    assert.equal(await verifyAuditChain(db), { ok: true, rows: 1204 });
    assert.equal(await appendAudits(db, []), []);
  });

  s('appendAudits with one bad entry appends none and names its index and field', async ({ db }) => {
    await appendN(db, 2);
    const info = await rejectsWith('FAKEOUT_ERR_AUDIT_INVALID', () => appendAudits(db, [entry(3), { ...entry(4), action: '' }, entry(5)]));
    assert.is(info.index, 1);
    assert.is(info.field, 'action');
    assert.is(await count(db), 2);
  });

  s('concurrent appends keep one chain with seqs 1..n', async ({ db }) => {
    const records = await Promise.all(Array.from({ length: 40 }, (_, i) => appendAudit(db, entry(i + 1))));
    assert.equal(records.map((r) => r.seq).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
    assert.equal(await verifyAuditChain(db), { ok: true, rows: 40 });
  });

  s('an append rolls back with the transaction it was made in', async ({ db }) => {
    await appendN(db, 1);
    await db
      .transaction()
      .execute(async (trx) => {
        await appendAudit(trx, entry(2));
        throw new Error('the audited change failed');
      })
      .catch(() => undefined);
    await appendAudit(db, entry(3));
    assert.equal((await tailAudit(db, 10)).map((r) => [r.seq, r.subject]), [[1, 'order-1'], [2, 'order-3']]);
    assert.equal(await verifyAuditChain(db), { ok: true, rows: 2 });
  });

  s.run();
}
