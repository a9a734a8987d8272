import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { withDbErrors } from '../../adapters/db/db-errors.ts';
import { GENESIS_SHA, chainRow } from '../../adapters/db/hash-chain.ts';
import { appendRawEvents, countRawEvents, lastRawChainSha, lastRawSeq, verifyRawChain } from '../../adapters/db/raw-events.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { type TestDatabase, createTestDatabase, testDatabaseKinds } from '../helpers/database.ts';
import { envelope, rawRows, stampedEnvelope, wipeRawEvents, withTriggersDisabled } from './fixtures.ts';

async function rejectsWith(code: Parameters<typeof isFakeoutError>[1], fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isFakeoutError(err, code), `expected ${code}, got ${String(err)}`);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

/** The tail sha computed independently of the repository. */
function expectedTail(rows: { envelope: unknown }[], prev = GENESIS_SHA): string {
  return rows.reduce((sha, r) => chainRow(sha, r.envelope).row_sha256, prev);
}

for (const kind of testDatabaseKinds) {
  const s = suite<{ t: TestDatabase; db: Db }>(`raw-events repository (${kind})`);
  s.before(async (ctx) => {
    ctx.t = await createTestDatabase(kind);
    ctx.db = ctx.t.database.db;
  });
  s.after(async (ctx) => ctx.t?.cleanup());
  s.before.each(async (ctx) => wipeRawEvents(ctx.db));

  s('appends rows chained from genesis and verifyRawChain confirms them', async ({ db }) => {
    assert.is(await lastRawChainSha(db), GENESIS_SHA);
    const rows = rawRows(1, 5);
    const tail = await appendRawEvents(db, rows, GENESIS_SHA);
    assert.is(tail, expectedTail(rows));
    assert.is(await lastRawChainSha(db), tail);
    assert.is(await lastRawSeq(db), 5);
    assert.is(await countRawEvents(db), 5);
    const first = await db.selectFrom('raw_events').selectAll().where('seq', '=', 1).executeTakeFirstOrThrow();
    assert.equal({ ...chainRow(GENESIS_SHA, envelope(1)) }, { content_sha256: first.content_sha256, prev_sha256: first.prev_sha256, row_sha256: first.row_sha256 });
    assert.equal(first.envelope, envelope(1));
    assert.equal([first.id, first.symbol, first.kind, first.event_ts, first.received_at], [envelope(1).id, 'BTCUSDT', 'tick', envelope(1).event.ts, envelope(1).receivedAt]);
    assert.equal(await verifyRawChain(db), { ok: true, rows: 5 });
  });

  s('a later batch continues the chain from the stored tail', async ({ db }) => {
    const tail1 = await appendRawEvents(db, rawRows(1, 3));
    const tail2 = await appendRawEvents(db, rawRows(4, 8), tail1);
    assert.is(tail2, expectedTail(rawRows(1, 8)));
    assert.equal(await verifyRawChain(db), { ok: true, rows: 8 });
  });

  s('a redelivered batch, whole or overlapping, stores nothing twice and keeps the chain', async ({ db }) => {
    const tail = await appendRawEvents(db, rawRows(1, 4));
    assert.is(await appendRawEvents(db, rawRows(1, 4), GENESIS_SHA), tail);
    const tail2 = await appendRawEvents(db, rawRows(3, 6), GENESIS_SHA);
    assert.is(tail2, expectedTail(rawRows(1, 6)));
    assert.is(await countRawEvents(db), 6);
    assert.equal(await verifyRawChain(db), { ok: true, rows: 6 });
  });

  s('an envelope id already stored under an earlier seq is skipped, not chained', async ({ db }) => {
    await appendRawEvents(db, rawRows(1, 2));
    // seq 3 carries line 1 again (published again after the RAW duplicate window)
    const tail = await appendRawEvents(db, [{ seq: 3, envelope: envelope(1) }, { seq: 4, envelope: envelope(4) }]);
    assert.is(tail, expectedTail([{ envelope: envelope(1) }, { envelope: envelope(2) }, { envelope: envelope(4) }]));
    assert.equal((await db.selectFrom('raw_events').select('seq').orderBy('seq').execute()).map((r) => r.seq), [1, 2, 4]);
    // and that skipped seq may be redelivered later without error
    assert.is(await appendRawEvents(db, [{ seq: 3, envelope: envelope(1) }]), tail);
    assert.equal(await verifyRawChain(db), { ok: true, rows: 3 });
  });

  s('a stale prevSha, a seq the chain already passed, or a reused seq is refused and writes nothing', async ({ db }) => {
    await appendRawEvents(db, rawRows(1, 2));
    await appendRawEvents(db, rawRows(4, 5));
    await rejectsWith('FAKEOUT_ERR_DB_CHAIN', () => appendRawEvents(db, rawRows(6, 7), GENESIS_SHA));
    await rejectsWith('FAKEOUT_ERR_DB_CHAIN', () => appendRawEvents(db, rawRows(3, 3)));
    await rejectsWith('FAKEOUT_ERR_DB_CHAIN', () => appendRawEvents(db, [{ seq: 2, envelope: envelope(9) }]));
    assert.is(await countRawEvents(db), 4);
  });

  s('UPDATE is refused with FAKEOUT_ERR_DB_APPEND_ONLY and the row is unchanged', async ({ db }) => {
    await appendRawEvents(db, rawRows(1, 2));
    const before = await db.selectFrom('raw_events').selectAll().where('seq', '=', 2).executeTakeFirstOrThrow();
    await rejectsWith('FAKEOUT_ERR_DB_APPEND_ONLY', () =>
      withDbErrors('tamper', () => db.updateTable('raw_events').set({ symbol: 'ETHUSDT' }).where('seq', '=', 2).execute()),
    );
    // even an UPDATE matching no row: the trigger is per statement
    await rejectsWith('FAKEOUT_ERR_DB_APPEND_ONLY', () =>
      withDbErrors('tamper', () => db.updateTable('raw_events').set({ symbol: 'ETHUSDT' }).where('seq', '=', 999).execute()),
    );
    const after = await db.selectFrom('raw_events').selectAll().where('seq', '=', 2).executeTakeFirstOrThrow();
    assert.equal(after, before);
  });

  s('DELETE and TRUNCATE are refused with FAKEOUT_ERR_DB_APPEND_ONLY and the rows stay', async ({ db }) => {
    await appendRawEvents(db, rawRows(1, 3));
    try {
      await db.deleteFrom('raw_events').where('seq', '=', 1).execute();
      assert.unreachable('DELETE went through');
    } catch (err) {
      // the raw driver error carries the custom SQLSTATE and a readable message
      assert.is((err as { code?: string }).code, 'FKA01');
      assert.match(String((err as Error).message), 'append-only');
    }
    await rejectsWith('FAKEOUT_ERR_DB_APPEND_ONLY', () => withDbErrors('tamper', () => sql`TRUNCATE raw_events`.execute(db)));
    assert.is(await countRawEvents(db), 3);
    assert.equal(await verifyRawChain(db), { ok: true, rows: 3 });
  });

  s('stamped envelopes (correctedAt, clockOffsetMs, timenow, flags) are stored as given and their chain verifies', async ({ db }) => {
    const rows = [
      { seq: 1, envelope: envelope(1) }, // stored before stamping: none of the new fields
      { seq: 2, envelope: stampedEnvelope(2) },
      { seq: 3, envelope: stampedEnvelope(3, true) },
    ];
    const tail = await appendRawEvents(db, rows, GENESIS_SHA);
    assert.is(tail, expectedTail(rows));
    assert.equal(await verifyRawChain(db), { ok: true, rows: 3 });
    const back = await db.selectFrom('raw_events').select(['seq', 'envelope', 'received_at']).orderBy('seq').execute();
    assert.equal(back.map((r) => r.envelope), rows.map((r) => r.envelope));
    // the received_at column is the system reading, as before stamping
    assert.equal(back.map((r) => r.received_at), rows.map((r) => r.envelope.receivedAt));
  });

  s('an edited correctedAt or flag is reported at its seq: the stamps are covered by the chain', async ({ db }) => {
    const rows = [1, 2, 3].map((seq) => ({ seq, envelope: stampedEnvelope(seq, seq === 3) }));
    await appendRawEvents(db, rows);
    const moved = { ...rows[1]!.envelope, correctedAt: rows[1]!.envelope.correctedAt! + 1 };
    await withTriggersDisabled(db, () => db.updateTable('raw_events').set({ envelope: JSON.stringify(moved) }).where('seq', '=', 2).execute());
    assert.equal(await verifyRawChain(db), { ok: false, rows: 2, firstBadSeq: 2 });
    await wipeRawEvents(db);
    await appendRawEvents(db, rows);
    const { flags: _f, flagReason: _r, ...unflagged } = rows[2]!.envelope;
    await withTriggersDisabled(db, () => db.updateTable('raw_events').set({ envelope: JSON.stringify(unflagged) }).where('seq', '=', 3).execute());
    assert.equal(await verifyRawChain(db), { ok: false, rows: 3, firstBadSeq: 3 });
  });

  s('an edited envelope is reported at its seq', async ({ db }) => {
    await appendRawEvents(db, rawRows(1, 5));
    const forged = { ...envelope(3), event: { ...envelope(3).event, price: 1_000_000 } };
    await withTriggersDisabled(db, () => db.updateTable('raw_events').set({ envelope: JSON.stringify(forged) }).where('seq', '=', 3).execute());
    assert.equal(await verifyRawChain(db), { ok: false, rows: 3, firstBadSeq: 3 });
  });

  s('a row rewritten with recomputed hashes is reported at the next seq', async ({ db }) => {
    await appendRawEvents(db, rawRows(1, 5));
    const forged = { ...envelope(3), event: { ...envelope(3).event, price: 1_000_000 } };
    const row2 = await db.selectFrom('raw_events').select('row_sha256').where('seq', '=', 2).executeTakeFirstOrThrow();
    const link = chainRow(row2.row_sha256, forged);
    await withTriggersDisabled(db, () =>
      db.updateTable('raw_events').set({ envelope: JSON.stringify(forged), ...link }).where('seq', '=', 3).execute(),
    );
    assert.equal(await verifyRawChain(db), { ok: false, rows: 4, firstBadSeq: 4 });
  });

  s('a deleted middle row is reported at the row after it', async ({ db }) => {
    await appendRawEvents(db, rawRows(1, 5));
    await withTriggersDisabled(db, () => db.deleteFrom('raw_events').where('seq', '=', 2).execute());
    assert.equal(await verifyRawChain(db), { ok: false, rows: 2, firstBadSeq: 3 });
  });

  s('a filter column that no longer matches its envelope is reported', async ({ db }) => {
    await appendRawEvents(db, rawRows(1, 3));
    await withTriggersDisabled(db, () => db.updateTable('raw_events').set({ symbol: 'ETHUSDT' }).where('seq', '=', 1).execute());
    assert.equal(await verifyRawChain(db), { ok: false, rows: 1, firstBadSeq: 1 });
  });

  s('large batches are chunked on insert and paged on verify', async ({ db }) => {
    // 1 201 rows: three insert chunks of 500 and two verify pages of 1 000
    const rows = rawRows(1, 1201);
    assert.is(await appendRawEvents(db, rows), expectedTail(rows));
    assert.equal(await verifyRawChain(db), { ok: true, rows: 1201 });
  });

  s('concurrent redeliveries of one batch serialise on the chain lock', async ({ db }) => {
    const rows = rawRows(1, 10);
    const tails = await Promise.all(Array.from({ length: 5 }, () => appendRawEvents(db, rows)));
    assert.equal(new Set(tails), new Set([expectedTail(rows)]));
    assert.equal(await verifyRawChain(db), { ok: true, rows: 10 });
  });

  s.run();
}
