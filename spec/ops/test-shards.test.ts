import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assignShards, parseShardLine } from '../helpers/shards.ts';

const test = suite('test runner shards');

test('puts the longest files first on the least loaded shard and keeps path order inside a shard', () => {
  // By hand: 10 → A; 6 → B; 5 → B (6 < 10, B = 11); 4 → A (10 < 11, A = 14); 1 → B (11 < 14).
  const shards = assignShards(['a', 'b', 'c', 'd', 'e'], { a: 10, b: 6, c: 5, d: 4, e: 1 }, 2);
  assert.equal(shards, [['a', 'd'], ['b', 'c', 'e']]);
});

test('weighs a file with no recorded time as the median of the recorded ones', () => {
  // Recorded 2, 8, 20 → median 8 for "new". LPT: 20 → A; 8 (b) → B; 8 (new) → C; 2 → B (8 ≤ 8, first).
  const shards = assignShards(['a', 'b', 'c', 'new'], { a: 2, b: 8, c: 20 }, 3);
  assert.equal(shards, [['c'], ['a', 'b'], ['new']]);
});

test('never makes more shards than files, and every file lands exactly once', () => {
  assert.equal(assignShards(['x'], {}, 4), [['x']]);
  const files = Array.from({ length: 37 }, (_, i) => `f${i}`);
  const shards = assignShards(files, {}, 3);
  assert.is(shards.length, 3);
  assert.equal(shards.flat().sort(), [...files].sort());
});

test('reads a shard result line and ignores ordinary output', () => {
  assert.is(parseShardLine('  Total:     3'), undefined);
  const counts = { total: 3, passed: 2, skipped: 0, took: { 'a.test.ts': 12 } };
  assert.equal(parseShardLine(`@@fakeout-shard ${JSON.stringify(counts)}`), counts);
});

test.run();
