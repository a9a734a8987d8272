import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { countBarsByTimeframe, insertBars, listBars } from '../../adapters/db/bars.repo.ts';
import { loadCheckpoint, saveCheckpoint } from '../../adapters/db/checkpoints.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { type TestDatabase, createTestDatabase, testDatabaseKinds } from '../helpers/database.ts';
import { bar } from './fixtures.ts';

// On PGlite every pooled connection is multiplexed onto one single-user backend by
// pglite-socket; these cases check that interleaved queries and transactions stay separate.
for (const kind of testDatabaseKinds) {
  const s = suite<{ t: TestDatabase; db: Db }>(`concurrent queries through the pool (${kind})`);
  s.before(async (ctx) => {
    ctx.t = await createTestDatabase(kind);
    ctx.db = ctx.t.database.db;
  });
  s.after(async (ctx) => ctx.t?.cleanup());

  s('many concurrent parameterised queries each get their own answer', async ({ db }) => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        // three statement shapes, so an interleaved Parse/Bind would mismatch parameters
        if (i % 3 === 0) return (await sql<{ v: number }>`SELECT ${i}::int AS v`.execute(db)).rows[0]?.v;
        if (i % 3 === 1) return Number((await sql<{ v: string; w: string }>`SELECT ${String(i)}::text AS v, 'x'::text AS w`.execute(db)).rows[0]?.v);
        return (await sql<{ v: number }>`SELECT count(*)::int AS v FROM generate_series(1, ${i}::int)`.execute(db)).rows[0]?.v;
      }),
    );
    assert.equal(answers, Array.from({ length: 200 }, (_, i) => i));
  });

  s('concurrent writers and readers all land', async ({ db }) => {
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => insertBars(db, [bar('CONC', i)])),
      ...Array.from({ length: 20 }, () => countBarsByTimeframe(db)),
    ]);
    assert.is((await listBars(db, { symbol: 'CONC', timeframe: '1m' })).length, 30);
  });

  s('concurrent transactions commit or roll back independently, beside plain queries', async ({ db }) => {
    // POLICY (the caller's side): inside a transaction, use only `trx`. On PGlite an open
    // transaction holds the single backend, so awaiting a pool query from inside it deadlocks.
    const [outcomes] = await Promise.all([
      Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          db.transaction().execute(async (trx) => {
            await insertBars(trx, [bar('TX', i)]);
            await saveCheckpoint(trx, `stage-${i}`, i, { i });
            if (i % 2 === 1) throw new Error(`roll back ${i}`);
          }),
        ),
      ),
      // readers on the pool meanwhile never see an uncommitted or rolled-back bar
      ...Array.from({ length: 12 }, async () => {
        const seen = (await listBars(db, { symbol: 'TX', timeframe: '1m' })).map((b) => b.openTime);
        assert.ok(seen.every((t) => (t - bar('TX', 0).openTime) / 60_000 % 2 === 0), `saw ${seen}`);
      }),
    ]);
    assert.equal(
      outcomes.map((o) => o.status),
      Array.from({ length: 12 }, (_, i) => (i % 2 === 1 ? 'rejected' : 'fulfilled')),
    );
    const kept = (await listBars(db, { symbol: 'TX', timeframe: '1m' })).map((b) => b.id);
    assert.equal(kept, [0, 2, 4, 6, 8, 10].map((i) => bar('TX', i).id));
    assert.is(await loadCheckpoint(db, 'stage-3'), undefined);
    assert.equal(await loadCheckpoint(db, 'stage-4'), { lastSeq: 4, state: { i: 4 } });
  });

  s.run();
}
