import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { countBarsByTimeframe, insertBars, listBars } from '../../adapters/db/bars.repo.ts';
import { loadCheckpoint, saveCheckpoint } from '../../adapters/db/checkpoints.repo.ts';
import { getIngestProgress, saveIngestProgress } from '../../adapters/db/ingest-progress.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { countScores, insertScores, listScores } from '../../adapters/db/scores.repo.ts';
import { countSignalsBySymbol, insertSignals, listSignals, recentSignals, topSignals } from '../../adapters/db/signals.repo.ts';
import { type TestDatabase, createTestDatabase, testDatabaseKinds } from '../helpers/database.ts';
import { bar, score, signal } from './fixtures.ts';

for (const kind of testDatabaseKinds) {
  const s = suite<{ t: TestDatabase; db: Db }>(`repositories (${kind})`);
  s.before(async (ctx) => {
    ctx.t = await createTestDatabase(kind);
    ctx.db = ctx.t.database.db;
  });
  s.after(async (ctx) => ctx.t?.cleanup());

  s('bars inserted twice are stored once, listed oldest first, counted per timeframe', async ({ db }) => {
    const bars = [bar('BTCUSDT', 2), bar('BTCUSDT', 0), bar('BTCUSDT', 1), bar('ETHUSDT', 0)];
    assert.is(await insertBars(db, bars), 4);
    // a redelivery with a different close must not overwrite: the first copy wins
    assert.is(await insertBars(db, [...bars, bar('BTCUSDT', 1, 999)]), 0);
    assert.equal(await listBars(db, { symbol: 'BTCUSDT', timeframe: '1m' }), [bar('BTCUSDT', 0), bar('BTCUSDT', 1), bar('BTCUSDT', 2)]);
    assert.equal(await listBars(db, { symbol: 'BTCUSDT', timeframe: '5m' }), []);
    assert.equal(await countBarsByTimeframe(db), [
      { symbol: 'BTCUSDT', timeframe: '1m', count: 3 },
      { symbol: 'ETHUSDT', timeframe: '1m', count: 1 },
    ]);
  });

  s('bars keep BIGINT instants as exact JS numbers', async ({ db }) => {
    // 8 640 000 000 000 000 is the largest Date; its ms still fit 2^53 (9 007 199 254 740 992)
    const far = { ...bar('FAR', 0), id: 'FAR:1m:8640000000000000', openTime: 8_640_000_000_000_000, closeTime: 8_640_000_000_060_000 };
    await insertBars(db, [far]);
    const [back] = await listBars(db, { symbol: 'FAR', timeframe: '1m' });
    assert.is(typeof back?.openTime, 'number');
    assert.equal(back, far);
  });

  s('scores inserted twice are stored once and round-trip with their JSON', async ({ db }) => {
    const scores = [score(bar('BTCUSDT', 1), 72.5), score(bar('BTCUSDT', 0), 10, null), score(bar('ETHUSDT', 0), 55)];
    assert.is(await insertScores(db, scores), 3);
    assert.is(await insertScores(db, scores), 0);
    assert.is(await countScores(db), 3);
    assert.equal(await listScores(db, { symbol: 'BTCUSDT' }), [scores[1], scores[0]]);
    assert.is((await listScores(db)).length, 3);
  });

  s('signals inserted twice are stored once; listed, counted and ranked', async ({ db }) => {
    const sigs = [signal(bar('BTCUSDT', 3), 80), signal(bar('BTCUSDT', 1), 90), signal(bar('ETHUSDT', 2), 90), signal(bar('SOLUSDT', 0), 60)];
    assert.is(await insertSignals(db, sigs), 4);
    assert.is(await insertSignals(db, sigs.slice(0, 2)), 0);
    assert.equal(await listSignals(db, { symbol: 'BTCUSDT' }), [sigs[1], sigs[0]]);
    assert.equal(await listSignals(db, { limit: 2 }), [sigs[3], sigs[1]]);
    assert.equal(await countSignalsBySymbol(db), [
      { symbol: 'BTCUSDT', count: 2 },
      { symbol: 'ETHUSDT', count: 1 },
      { symbol: 'SOLUSDT', count: 1 },
    ]);
    // 90 (bar 1) and 90 (bar 2) tie on score; the more recent bar (2) ranks first
    assert.equal(await topSignals(db, 3), [sigs[2], sigs[1], sigs[0]]);
    // newest bar first: bar 3 (BTC), 2 (ETH), 1 (BTC), 0 (SOL); since bar 1 drops bar 0
    assert.equal(await recentSignals(db, { limit: 10 }), [sigs[0], sigs[2], sigs[1], sigs[3]]);
    assert.equal(await recentSignals(db, { limit: 10, since: sigs[1]!.openTime }), [sigs[0], sigs[2], sigs[1]]);
    assert.equal(await recentSignals(db, { limit: 1, symbol: 'BTCUSDT' }), [sigs[0]]);
  });

  s('a signal stores its regime tags in their own columns; one from before regime tagging leaves them null', async ({ db }) => {
    const tagged = signal(bar('REGIME', 0), 75); // fixtures: london, high volatility, trend down
    const { regime: _, ...untagged } = signal(bar('REGIME', 1), 70).features;
    const old = { ...signal(bar('REGIME', 1), 70), features: untagged as typeof tagged.features };
    assert.is(await insertSignals(db, [tagged, old]), 2);
    const rows = await db.selectFrom('signals').select(['id', 'session', 'volatility_regime', 'trend_regime']).where('symbol', '=', 'REGIME').orderBy('open_time').execute();
    assert.equal(rows, [
      { id: tagged.id, session: 'london', volatility_regime: 'high', trend_regime: 'down' },
      { id: old.id, session: null, volatility_regime: null, trend_regime: null },
    ]);
    assert.equal(await listSignals(db, { symbol: 'REGIME' }), [tagged, old]);
    const [back] = await listSignals(db, { symbol: 'REGIME', limit: 1 });
    assert.equal(back?.features.regime, { session: 'london', volatility: 'high', trend: 'down' });
  });

  s('a checkpoint saves, loads and is replaced by the next save', async ({ db }) => {
    assert.is(await loadCheckpoint(db, 'bar-builder'), undefined);
    await saveCheckpoint(db, 'bar-builder', 41, { open: { BTCUSDT: [1, 2] } });
    assert.equal(await loadCheckpoint(db, 'bar-builder'), { lastSeq: 41, state: { open: { BTCUSDT: [1, 2] } } });
    // a top-level array is stored as JSON, not as a Postgres array
    await saveCheckpoint(db, 'bar-builder', 42, ['a', 'b']);
    assert.equal(await loadCheckpoint<string[]>(db, 'bar-builder'), { lastSeq: 42, state: ['a', 'b'] });
    assert.is(await loadCheckpoint(db, 'feature-engine'), undefined);
  });

  s('a checkpoint saved in a rolled-back transaction is not kept', async ({ db }) => {
    await saveCheckpoint(db, 'scoring-engine', 1, {});
    await db
      .transaction()
      .execute(async (trx) => {
        await saveCheckpoint(trx, 'scoring-engine', 2, {});
        throw new Error('crash before commit');
      })
      .catch(() => undefined);
    assert.equal(await loadCheckpoint(db, 'scoring-engine'), { lastSeq: 1, state: {} });
  });

  s('ingest progress saves, loads and updates', async ({ db }) => {
    const key = 'a'.repeat(64);
    assert.is(await getIngestProgress(db, key), undefined);
    await saveIngestProgress(db, { fileKey: key, fileName: 'ticks.csv', linesDone: 100, published: 97, badRows: 3, done: false });
    const first = await getIngestProgress(db, key);
    assert.ok(first?.updatedAt instanceof Date);
    assert.equal({ ...first, updatedAt: undefined }, { fileKey: key, fileName: 'ticks.csv', linesDone: 100, published: 97, badRows: 3, done: false, updatedAt: undefined });
    await saveIngestProgress(db, { fileKey: key, fileName: 'renamed.csv', linesDone: 250, published: 246, badRows: 4, done: true });
    const second = await getIngestProgress(db, key);
    assert.equal([second?.fileName, second?.linesDone, second?.published, second?.badRows, second?.done], ['renamed.csv', 250, 246, 4, true]);
    assert.ok((second?.updatedAt?.getTime() ?? 0) >= (first?.updatedAt?.getTime() ?? Infinity));
  });

  s.run();
}
