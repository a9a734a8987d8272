/**
 * Partitioned pipeline processes (actors/domain/partition.ts, the role table's `partitions`):
 * FAKEOUT_PARTITION's validation, the symbol hash, the subjects and consumers of a partition.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../actors/domain/config.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { fnv1a32, partitionedSubject, partitionFilter, partitionOfToken, parsePartition } from '../../actors/domain/partition.ts';
import { clockTicks } from '../../actors/ingest/envelope.ts';
import { entriesFor, topologyFor, type RoleContext } from '../../actors/app/roles.ts';
import { planBatch } from '../../actors/stage/batch-plan.ts';

const s = suite('partition');

const SHARED = { FAKEOUT_ROLE: 'pipeline', NATS_URL: 'nats://127.0.0.1:4222', DATABASE_URL: 'postgres://fakeout@127.0.0.1/fakeout' };

s('FAKEOUT_PARTITION i/n is read for role pipeline on a shared NATS and Postgres; unset keeps one process', () => {
  assert.is(loadConfig({ FAKEOUT_ROLE: 'pipeline' }).partition, undefined);
  assert.equal(loadConfig({ ...SHARED, FAKEOUT_PARTITION: '0/2' }).partition, { index: 0, count: 2 });
  assert.equal(loadConfig({ ...SHARED, FAKEOUT_PARTITION: ' 63 / 64 ' }).partition, { index: 63, count: 64 });
});

s('a bad FAKEOUT_PARTITION is refused with FAKEOUT_ERR_CONFIG_INVALID naming it', () => {
  const cases: Record<string, string>[] = [
    { ...SHARED, FAKEOUT_PARTITION: '2/2' },
    { ...SHARED, FAKEOUT_PARTITION: '0/1' },
    { ...SHARED, FAKEOUT_PARTITION: '0/65' },
    { ...SHARED, FAKEOUT_PARTITION: '1' },
    { ...SHARED, FAKEOUT_PARTITION: '-1/2' },
    { ...SHARED, FAKEOUT_PARTITION: '0.5/2' },
    { ...SHARED, FAKEOUT_ROLE: 'all', FAKEOUT_PARTITION: '0/2' }, // the gateway would run once per partition
    { ...SHARED, FAKEOUT_ROLE: 'gateway', FAKEOUT_PARTITION: '1/2' },
    { FAKEOUT_ROLE: 'pipeline', DATABASE_URL: SHARED.DATABASE_URL, FAKEOUT_PARTITION: '0/2' }, // its own embedded nats-server
    { FAKEOUT_ROLE: 'pipeline', NATS_URL: SHARED.NATS_URL, FAKEOUT_PARTITION: '1/2' }, // its own PGlite
  ];
  for (const env of cases) {
    try {
      loadConfig(env);
      assert.unreachable(`${JSON.stringify(env)} was accepted`);
    } catch (err) {
      if (!isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID')) throw err;
      assert.is(err.info.field, 'FAKEOUT_PARTITION', JSON.stringify(env));
      assert.ok(err.message.startsWith('FAKEOUT_PARTITION: '), err.message);
    }
  }
  assert.is(parsePartition('  ', 'gateway'), undefined, 'blank counts as unset');
});

s('the symbol hash is FNV-1a 32: the published test vectors', () => {
  // From the FNV reference test suite (Fowler/Noll/Vo, isthe.com/chongo/src/fnv/test_fnv.c).
  assert.is(fnv1a32(''), 0x811c9dc5);
  assert.is(fnv1a32('a'), 0xe40c292c);
  assert.is(fnv1a32('foobar'), 0xbf9cf968);
  // Computed with a separate Python FNV-1a (h ^= byte; h = h * 16777619 mod 2^32).
  assert.is(fnv1a32('BTC-PERP'), 0x8470b6b2);
  assert.is(fnv1a32('SOL-PERP'), 0xdef3da41);
  assert.equal(['BTC-PERP', 'ETH-PERP', 'SOL-PERP'].map((t) => partitionOfToken(t, 2)), [0, 0, 1]);
});

s('subjects of RAW, BARS and FEATURES carry the partition token; others stay as they are', () => {
  assert.is(partitionedSubject('raw.replay.SOL-PERP', 2), 'raw.replay.SOL-PERP.p1of2');
  assert.is(partitionedSubject('bars.BTC-PERP.1m', 2), 'bars.BTC-PERP.1m.p0of2');
  assert.is(partitionedSubject('features.ETH-PERP.5m', 3), 'features.ETH-PERP.5m.p2of3');
  for (const same of ['scores.BTC-PERP.1m', 'signals.BTC-PERP', 'orders.intent.BTC-PERP', 'risk.trip.clock', 'raw.clock.clock.p1of2']) {
    assert.is(partitionedSubject(same, 2), same);
  }
  assert.is(partitionFilter('RAW', { index: 1, count: 2 }), 'raw.*.*.p1of2');
  assert.throws(() => partitionFilter('SCORES', { index: 0, count: 2 }));
});

s('a clock tick goes to every partition, each copy its own RAW event', () => {
  const ticks = clockTicks(1_000, undefined, 3);
  assert.equal(ticks.map((t) => t.subject), ['raw.clock.clock.p0of3', 'raw.clock.clock.p1of3', 'raw.clock.clock.p2of3']);
  assert.equal(ticks.map((t) => t.id), ['clock:1000:p0of3', 'clock:1000:p1of3', 'clock:1000:p2of3']);
  assert.equal(ticks.map((t) => t.value.id), ticks.map((t) => t.id));
  assert.equal(clockTicks(1_000, undefined, undefined).map((t) => [t.subject, t.id]), [['raw.clock.clock', 'clock:1000']]);
});

s('partition i runs the split stages on filtered consumers <stage>-<i>of<n>; partition 0 the singletons', () => {
  const ids = (i: number) => entriesFor('pipeline', undefined, { index: i, count: 2 }).map((e) => e.id);
  assert.ok(ids(0).includes('raw-archiver') && ids(0).includes('liquidity-monitor') && ids(0).includes('integrity-auditor'));
  for (const one of ['raw-archiver', 'liquidity-monitor', 'integrity-auditor']) assert.not.ok(ids(1).includes(one), one);
  for (const i of [0, 1]) {
    for (const st of ['bar-builder', 'feature-engine', 'scoring-engine']) assert.ok(ids(i).includes(`${st}-${i}of2`), `${st} ${i}`);
    assert.not.ok(ids(i).includes('bar-builder'));
  }
  const consumers = topologyFor('pipeline', undefined, undefined, { index: 1, count: 2 }).consumers;
  assert.equal(consumers.map((c) => [c.stream, c.durable, c.filterSubject]), [
    ['RAW', 'bar-builder-1of2', 'raw.*.*.p1of2'],
    ['BARS', 'feature-engine-1of2', 'bars.*.*.p1of2'],
    ['FEATURES', 'scoring-engine-1of2', 'features.*.*.p1of2'],
  ]);
  // unset: today's names, unfiltered
  const today = topologyFor('pipeline').consumers;
  assert.equal(today.map((c) => c.durable), ['raw-archiver', 'bar-builder', 'feature-engine', 'scoring-engine', 'liquidity-monitor']);
  assert.ok(today.every((c) => c.filterSubject === undefined));
  // the stage definition carries its name (consumer and checkpoint key) and filter
  const stage = entriesFor('pipeline', undefined, { index: 1, count: 2 }).find((e) => e.id === 'feature-engine-1of2');
  assert.ok(stage?.kind === 'stage');
  const def = stage.stage({ config: loadConfig({}) } as RoleContext);
  assert.equal([def.name, def.stream, def.filterSubject], ['feature-engine-1of2', 'BARS', 'bars.*.*.p1of2']);
});

s('a filtered plan applies the sequences it is told follow, in order, and defers after the first that does not', () => {
  const m = (...seqs: number[]) => seqs.map((seq) => ({ seq }));
  const follows = new Set([12, 15]);
  const p = planBatch(m(15, 12, 9, 20, 22), 10, (_prev, seq) => follows.has(seq));
  assert.equal(p.skip.map((x) => x.seq), [9]);
  assert.equal(p.apply.map((x) => x.seq), [12, 15]);
  assert.equal(p.defer.map((x) => x.seq), [20, 22]);
});

s.run();
