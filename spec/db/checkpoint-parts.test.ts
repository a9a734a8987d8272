/**
 * Checkpoints in parts (migration 0009): the feature engine and the bar builder save a head and
 * only the series a batch changed; loading joins them back. The reference is each processor's
 * whole `snapshot()`, a separate path from `checkpointParts()`: after every saved batch the loaded
 * state must equal it, and an engine restored from it must go on exactly as one that never stopped.
 * Counts of changed parts are worked out by hand from which symbols each batch touched.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkpointText, loadCheckpoint, saveCheckpoint, saveCheckpointText } from '../../adapters/db/checkpoints.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { BarBuilder } from '../../actors/bars/bar-builder.ts';
import { FeatureEngine, type FeatureEngineSnapshot } from '../../actors/features/feature-engine.ts';
import type { Bar } from '../../actors/domain/messages.ts';
import { type TestDatabase, createTestDatabase, testDatabaseKinds } from '../helpers/database.ts';

const MIN = 60_000;
/** a 1m bar of `symbol` at minute `i`, prices from a fixed wiggle (no randomness: reruns agree) */
function bar1m(symbol: string, i: number): Bar {
  const k = symbol.charCodeAt(symbol.length - 1);
  const p = 100 + ((i * 7 + k * 13) % 17) - 8;
  return { id: `${symbol}:1m:${i * MIN}`, symbol, timeframe: '1m', openTime: i * MIN, closeTime: (i + 1) * MIN, open: p, high: p + 1 + (i % 3), low: p - 1 - (k % 2), close: p + 0.25, volume: 10 + ((i + k) % 5), count: 1 };
}

async function save(db: Db, stage: string, seq: number, parts: ReturnType<FeatureEngine['checkpointParts']>): Promise<void> {
  await db.transaction().execute(async (tx) => saveCheckpointText(tx, stage, seq, checkpointText(parts)));
}

for (const kind of testDatabaseKinds) {
  const s = suite<{ t: TestDatabase; db: Db }>(`checkpoints in parts (${kind})`);
  s.before(async (ctx) => {
    ctx.t = await createTestDatabase(kind);
    ctx.db = ctx.t.database.db;
  });
  s.after(async (ctx) => ctx.t?.cleanup());

  s('the feature engine saves only the series a batch changed, and the loaded state is its whole snapshot after every batch', async ({ db }) => {
    const symbols = Array.from({ length: 12 }, (_, i) => `S${String.fromCharCode(65 + i)}`);
    const engine = new FeatureEngine({ lookback: 5, atrPeriod: 3 });
    // batch 1: every symbol, minutes 0..29: 12 new series, all saved
    for (let i = 0; i < 30; i++) for (const sym of symbols) engine.update(bar1m(sym, i));
    let parts = engine.checkpointParts();
    assert.is(parts.changed.length, 12);
    await save(db, 'fe', 1, parts);
    assert.equal((await loadCheckpoint(db, 'fe'))!.state, engine.snapshot());
    // batch 2: only SB and SE move: two parts
    for (let i = 30; i < 34; i++) for (const sym of ['SB', 'SE']) engine.update(bar1m(sym, i));
    parts = engine.checkpointParts();
    assert.equal(parts.changed.map((p) => p.key).sort(), ['SB|1m', 'SE|1m']);
    await save(db, 'fe', 2, parts);
    assert.equal((await loadCheckpoint(db, 'fe'))!.state, engine.snapshot());
    // batch 3: a redelivered old bar changes no series (only the head's ignored count), and a new symbol SZ is part 13, last in order
    engine.update(bar1m('SA', 3));
    engine.update(bar1m('SZ', 0));
    parts = engine.checkpointParts();
    assert.equal(parts.changed.map((p) => [p.key, p.ord]), [['SZ|1m', 12]]);
    await save(db, 'fe', 3, parts);
    const loaded = (await loadCheckpoint<FeatureEngineSnapshot>(db, 'fe'))!;
    assert.is(loaded.lastSeq, 3);
    assert.equal(loaded.state, engine.snapshot());
    assert.is(loaded.state.stats.ignored, 1);
    assert.equal(loaded.state.series.map((x) => x.key), [...symbols.map((x) => `${x}|1m`), 'SZ|1m'], 'series in the order first seen');

    // restored from the joined parts, it goes on exactly as the engine that never stopped
    const restored = FeatureEngine.restore(loaded.state);
    for (let i = 34; i < 60; i++) {
      for (const sym of symbols) assert.equal(restored.update(bar1m(sym, i)), engine.update(bar1m(sym, i)), `${sym} minute ${i}`);
    }
    // a restored engine's first capture holds every series (the rows may be gone or stale)
    assert.is(restored.checkpointParts().changed.length, 13);
  });

  s('the bar builder saves only the series an event or the clock changed, joined back to its whole snapshot', async ({ db }) => {
    const b = new BarBuilder({ timeframes: ['1m', '5m'] });
    const tick = (symbol: string, ts: number, price: number) => ({ kind: 'tick' as const, symbol, ts, price, size: 1 });
    for (const sym of ['X', 'Y', 'Z']) b.apply(tick(sym, 1_000, 10), { live: true });
    let parts = b.checkpointParts();
    assert.is(parts.changed.length, 6, '3 symbols x 2 timeframes');
    await db.transaction().execute(async (tx) => saveCheckpointText(tx, 'bb', 1, checkpointText(parts)));
    assert.equal((await loadCheckpoint(db, 'bb'))!.state, b.snapshot());
    b.apply(tick('Y', 61_000, 11), { live: true });
    parts = b.checkpointParts();
    assert.equal(parts.changed.map((p) => p.key).sort(), ['Y|1m', 'Y|5m']);
    await db.transaction().execute(async (tx) => saveCheckpointText(tx, 'bb', 2, checkpointText(parts)));
    // at 119 s the clock closes X's and Z's minute-0 1m buckets (ended at 60 s); Y's minute-1 bucket ends at 120 s and stays open: two parts
    b.closeDue(119_000, 0);
    parts = b.checkpointParts();
    assert.equal(parts.changed.map((p) => p.key).sort(), ['X|1m', 'Z|1m']);
    await db.transaction().execute(async (tx) => saveCheckpointText(tx, 'bb', 3, checkpointText(parts)));
    assert.equal((await loadCheckpoint(db, 'bb'))!.state, b.snapshot());
  });

  s('a checkpoint saved whole before parts existed loads as it was, and the first save in parts replaces it', async ({ db }) => {
    const engine = new FeatureEngine();
    for (let i = 0; i < 25; i++) for (const sym of ['OA', 'OB']) engine.update(bar1m(sym, i));
    await saveCheckpoint(db, 'legacy', 7, engine.snapshot());
    const old = (await loadCheckpoint<FeatureEngineSnapshot>(db, 'legacy'))!;
    assert.equal(old, { lastSeq: 7, state: engine.snapshot() });
    const restored = FeatureEngine.restore(old.state);
    restored.update(bar1m('OA', 25));
    engine.update(bar1m('OA', 25));
    await save(db, 'legacy', 8, restored.checkpointParts());
    assert.equal((await loadCheckpoint(db, 'legacy'))!, { lastSeq: 8, state: engine.snapshot() });
  });

  s('parts saved in a rolled-back transaction are not kept', async ({ db }) => {
    const engine = new FeatureEngine();
    for (let i = 0; i < 25; i++) engine.update(bar1m('RA', i));
    await save(db, 'rb', 1, engine.checkpointParts());
    const before = (await loadCheckpoint(db, 'rb'))!;
    engine.update(bar1m('RA', 25));
    engine.update(bar1m('RB', 0));
    await db
      .transaction()
      .execute(async (tx) => {
        await saveCheckpointText(tx, 'rb', 2, checkpointText(engine.checkpointParts()));
        throw new Error('crash before commit');
      })
      .catch(() => undefined);
    assert.equal(await loadCheckpoint(db, 'rb'), before);
  });

  s.run();
}
