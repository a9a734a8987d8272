/**
 * The audit mirror through a whole running app (its own nats-server with the project's nats.conf,
 * a fresh Postgres): every audit_log entry reaches the AUDIT stream once, in seq order, with its
 * hash and the id `audit:<seq>`; entries written while the app is stopped are mirrored after the
 * restart, contiguous and without repeats (the stream is the cursor); a row altered behind the
 * trigger's back at the stream's tail stops the mirror (diverged = 1) and nothing more is relayed.
 * AUDIT is read back as the read-only `ops` user, as `nats stream view AUDIT` would.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendAudit } from '../../adapters/db/audit-log.repo.ts';
import { openDatabase } from '../../adapters/db/index.ts';
import { connectNats } from '../../adapters/nats/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

interface Ctx { t: TestApp; nc: NatsConnection; jsm: JetStreamManager }
const s = suite<Ctx>('audit mirror end to end');
const db = (ctx: Ctx) => ctx.t.app.database.db;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const entry = (i: number) => ({ at: 1_700_000_000_000 + i, actor: 'test', action: i % 2 === 0 ? 'drill.even' : 'drill.odd', subject: `n:${i}`, details: { i } });

async function connectOps(ctx: Ctx) {
  await ctx.nc?.close();
  const embedded = ctx.t.app.messaging.embedded!;
  const ops = embedded.credentials('ops');
  ctx.nc = await connectNats({ servers: embedded.url, user: ops.user, pass: ops.pass, name: 'test-ops' });
  ctx.jsm = await jetstreamManager(ctx.nc);
}

/** Every message on AUDIT under audit.log.>, in stream order: its id header and body. */
async function mirrored(ctx: Ctx): Promise<{ id: string | undefined; subject: string; seq: number; rowSha256: string }[]> {
  const info = await ctx.jsm.streams.info('AUDIT');
  const out = [];
  for (let n = info.state.first_seq; n <= info.state.last_seq && info.state.messages > 0; n++) {
    const m = await ctx.jsm.streams.getMessage('AUDIT', { seq: n });
    if (m === null || !m.subject.startsWith('audit.log.')) continue;
    const body = m.json<{ seq: number; rowSha256: string }>();
    out.push({ id: m.header.get('Nats-Msg-Id') || undefined, subject: m.subject, seq: body.seq, rowSha256: body.rowSha256 });
  }
  return out;
}
async function table(ctx: Ctx) {
  return db(ctx).selectFrom('audit_log').select(['seq', 'action', 'row_sha256']).orderBy('seq').execute();
}
async function waitMirrored(ctx: Ctx, n: number) {
  for (let i = 0; i < 100; i++) {
    if ((await mirrored(ctx)).length >= n) return;
    await sleep(100);
  }
}
const metric = async (ctx: Ctx, figure: string) => {
  const text = await (await fetch(`${ctx.t.app.httpUrl()}/metrics`)).text();
  return Number(new RegExp(`fakeout_audit_mirror\\{figure="${figure}"\\} (\\S+)`).exec(text)?.[1]);
};

s.before(async (ctx) => {
  ctx.t = await startTestApp({ env: { FAKEOUT_AUDIT_MIRROR_MS: '100' } });
  await connectOps(ctx);
});
s.after(async (ctx) => {
  await ctx.nc?.close();
  await ctx.t?.cleanup();
});

s('every entry reaches AUDIT once, in seq order, as audit.log.<action> with id audit:<seq> and its hash', async (ctx) => {
  for (let i = 1; i <= 7; i++) await appendAudit(db(ctx), entry(i));
  const rows = await table(ctx);
  await waitMirrored(ctx, rows.length);
  const got = await mirrored(ctx);
  assert.equal(got.map((m) => m.seq), rows.map((r) => r.seq), 'each seq once, in order');
  for (const [k, m] of got.entries()) {
    const r = rows[k]!;
    assert.equal([m.id, m.subject, m.rowSha256], [`audit:${r.seq}`, `audit.log.${r.action}`, r.row_sha256], `seq ${r.seq}`);
  }
  await sleep(300);
  assert.is(await metric(ctx, 'lag'), 0);
  assert.is(await metric(ctx, 'last_seq'), rows.at(-1)!.seq);
  assert.is(await metric(ctx, 'diverged'), 0);
});

s('entries written while fakeout is stopped are mirrored after the restart: contiguous, no repeats', async (ctx) => {
  const before = (await mirrored(ctx)).length;
  await ctx.t.app.stop();
  const side = await openDatabase({ databaseUrl: ctx.t.databaseUrl!, dataDir: ctx.t.dataDir });
  for (let i = 100; i < 105; i++) await appendAudit(side.db, entry(i));
  await side.close();
  await ctx.t.restart([]);
  await connectOps(ctx);
  const rows = await table(ctx);
  assert.ok(rows.length >= before + 5);
  await waitMirrored(ctx, rows.length);
  const got = await mirrored(ctx);
  assert.equal(got.map((m) => m.seq), rows.map((r) => r.seq), '1..n, each once, across the restart');
  assert.equal(got.map((m) => m.rowSha256), rows.map((r) => r.row_sha256));
});

s('a row altered behind the trigger at the stream\'s tail stops the mirror: diverged = 1 and nothing more is relayed', async (ctx) => {
  const got = await mirrored(ctx);
  const tail = got.at(-1)!;
  await db(ctx).transaction().execute(async (trx) => {
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(trx);
    await sql`UPDATE audit_log SET row_sha256 = ${'f'.repeat(64)} WHERE seq = ${tail.seq}`.execute(trx);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`.execute(trx);
  });
  await appendAudit(db(ctx), entry(200));
  await sleep(600);
  assert.is(await metric(ctx, 'diverged'), 1);
  assert.ok((await metric(ctx, 'lag')) >= 1, 'the new entry waits');
  assert.equal((await mirrored(ctx)).map((m) => m.seq), got.map((m) => m.seq), 'nothing relayed after the divergence');
});

s.run();
