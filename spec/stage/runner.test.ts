/**
 * The stage runner (actors/stage/stage.actor.ts) with fake ports: an in-memory stream
 * (spec/stage/memory-stream.ts, with Nats-Msg-Id dedupe) and PGlite for the checkpoint. A crash
 * after the publish and after the commit, acks lost and redelivered after ack_wait, a gap that a
 * dead process's message fills, a gap the stream can no longer fill, and bad messages. Expected
 * outputs are derived by hand: the running sum of 1..n is n(n+1)/2.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startStageActor, type StageActor, type StageDefinition } from '../../actors/stage/stage.actor.ts';
import type { ConnectionWatch } from '../../actors/stage/ports.ts';
import { loadCheckpoint } from '../../adapters/db/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { memoryStream, type StoredMessage } from './memory-stream.ts';
import { quiet, noMetrics, wait, state, until, stop } from './stage-kit.ts';

const s = suite('stage runner: crashes, redelivery, gaps, bad messages');
let tdb: TestDatabase;


interface Out {
  seq: number;
  x: number;
  sum: number;
}

/** A running sum over the inputs; the sum lives in the checkpoint, so a lost restore shows. */
function sumStage(name: string, stored: Out[]): StageDefinition<number, Out> {
  return {
    name,
    stream: 'TEST',
    decode(v) {
      if (typeof v !== 'number') throw new Error(`x must be a number, got ${JSON.stringify(v)}`);
      return v;
    },
    create(snapshot) {
      let sum = (snapshot as { sum?: number } | undefined)?.sum ?? 0;
      return { apply: (x, seq) => [{ seq, x, sum: (sum += x) }], snapshot: () => ({ sum }) };
    },
    toPublish: (outs) => outs.map((o) => ({ subject: 'test.out', id: `out-${o.seq}`, value: o })),
    async persist(_tx, outs) {
      stored.push(...outs);
    },
  };
}

const numbers = (from: number, to: number): StoredMessage[] => Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, value: from + i }));
const prefixSums = (seqs: number[]) => {
  let sum = 0;
  return seqs.map((seq) => ({ seq, x: seq, sum: (sum += seq) }));
};


s.before(async () => {
  tdb = await createTestDatabase('pglite');
});
s.after(async () => {
  await tdb.cleanup();
});

// Both ways of committing: behind the publish (FAKEOUT_COMMIT_AHEAD > 0, commit-queue.ts) and each batch before the next fetch (0, the default).
for (const [mode, commitAhead, name] of [['commit behind the publish', 2000, 'sum-crash'], ['commit per batch', 0, 'sum-crash-serial']] as const) s(`${mode}: a crash after the publish, then one after the commit: each output published and stored once, the sum continues from the checkpoint`, async () => {
  const mem = memoryStream(numbers(1, 30), 50);
  const stored: Out[] = [];
  const def = sumStage(name, stored);
  const deps = { bus: mem.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 5, fetchExpiresMs: 10, commitAhead };

  // The runner's fault points alternate per stage: the first lands after the publish.
  const first = startStageActor(def, deps);
  await until('running', () => state(first) === 'running');
  first.send({ type: 'FAULT', reason: 'drill' });
  await until('failed', () => state(first) === 'failed');
  assert.match(first.getSnapshot().context.error ?? '', /after-publish/);
  assert.equal(mem.published.map((p) => p.id), ['out-1', 'out-2', 'out-3', 'out-4', 'out-5'], 'the first batch published');
  assert.is(stored.length, 0, 'nothing committed');
  assert.is(await loadCheckpoint(tdb.database.db, name), undefined, 'no checkpoint yet');

  // A fresh incarnation re-applies 1..5 (JetStream drops the republish) and commits; the second fault lands after the commit.
  const second = startStageActor(def, deps);
  await until('running', () => state(second) === 'running');
  second.send({ type: 'FAULT', reason: 'drill' });
  await until('failed', () => state(second) === 'failed');
  assert.match(second.getSnapshot().context.error ?? '', /after-commit/);
  assert.is(mem.duplicates(), 5, 'the republished batch was deduplicated');
  assert.equal((await loadCheckpoint<{ sum: number }>(tdb.database.db, name))!, { lastSeq: 5, state: { sum: 15 } });
  assert.is(mem.acked.length, 0, 'the committed batch was never acked');

  // The third sees 1..5 again (nak'd by the crashed one), skips them as at or below the checkpoint, and goes on.
  const third = startStageActor(def, deps);
  await until('all 30 published', () => mem.published.length === 30 && mem.idle());
  const ctx = third.getSnapshot().context;
  await stop(third);
  assert.is(ctx.skipped, 5, 'the redelivered batch skipped');
  assert.is(ctx.processed, 25);
  assert.is(mem.duplicates(), 5, 'nothing republished after the commit');
  const want = prefixSums(numbers(1, 30).map((m) => m.seq));
  assert.equal(mem.published.map((p) => p.value), want, 'published once each, sums continuing from the checkpoint');
  assert.equal(stored, want, 'stored once each');
  assert.equal([...mem.acked].sort((a, b) => a - b), want.map((o) => o.seq), 'every message acked');
});

s('acks lost: after ack_wait every message comes back and is skipped, nothing applied twice', async () => {
  const mem = memoryStream(numbers(1, 10));
  const stored: Out[] = [];
  const def = sumStage('sum-lost-acks', stored);
  const deps = { bus: mem.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 4, fetchExpiresMs: 10 };
  mem.setDeaf(true);
  const first = startStageActor(def, deps);
  await until('10 published', () => mem.published.length === 10);
  await stop(first);
  assert.is(mem.acked.length, 0, 'no ack arrived');
  mem.setDeaf(false);
  mem.expireAckWait();
  const second = startStageActor(def, deps);
  await until('all acked', () => mem.acked.length === 10);
  const ctx = second.getSnapshot().context;
  await stop(second);
  assert.equal([ctx.skipped, ctx.processed], [10, 0]);
  assert.equal(stored, prefixSums([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'each stored once');
  assert.is(mem.published.length + mem.duplicates(), 10, 'nothing published again');
});

s('a gap waits for the missing message (held by a dead process) and then applies in stream order', async () => {
  const mem = memoryStream([1, 2, 4, 5, 6].map((seq) => ({ seq, value: seq })));
  mem.holdBack({ seq: 3, value: 3 });
  const stored: Out[] = [];
  const actor = startStageActor(sumStage('sum-gap', stored), { bus: mem.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 5, fetchExpiresMs: 10 });
  await until('1 and 2 applied', () => stored.length === 2);
  await wait(300);
  assert.equal(stored.map((o) => o.seq), [1, 2], '4..6 are not applied before 3');
  assert.equal((await loadCheckpoint(tdb.database.db, 'sum-gap'))!.lastSeq, 2);
  mem.expireAckWait();
  await until('all applied', () => stored.length === 6);
  await stop(actor);
  assert.equal(stored, prefixSums([1, 2, 3, 4, 5, 6]));
  assert.equal(mem.published.map((p) => p.value), prefixSums([1, 2, 3, 4, 5, 6]), 'published in stream order');
});

s('sequences the stream no longer holds are moved past, and only those', async () => {
  const mem = memoryStream(numbers(1, 2));
  const stored: Out[] = [];
  const def = sumStage('sum-lost-head', stored);
  const deps = { bus: mem.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 5, fetchExpiresMs: 10 };
  const first = startStageActor(def, deps);
  await until('1 and 2 applied', () => stored.length === 2 && mem.idle());
  await stop(first);
  mem.dropBelow(5); // 3 and 4 removed by limits before anyone read them
  mem.push(...numbers(5, 6));
  const second = startStageActor(def, deps);
  await until('5 and 6 applied', () => stored.length === 4);
  await stop(second);
  assert.equal(stored.map((o) => [o.seq, o.sum]), [[1, 1], [2, 3], [5, 8], [6, 14]]);
});

s('bad messages are counted, acked and never applied; the checkpoint moves past them', async () => {
  const mem = memoryStream([
    { seq: 1, value: 1 },
    { seq: 2, value: 'two' },
    { seq: 3, value: 3 },
    { seq: 4, value: undefined, decodeError: 'Unexpected token } in JSON' },
    { seq: 5, value: 5 },
  ]);
  const stored: Out[] = [];
  const actor = startStageActor(sumStage('sum-bad', stored), { bus: mem.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 10, fetchExpiresMs: 10 });
  await until('all acked', () => mem.acked.length === 5);
  const ctx = actor.getSnapshot().context;
  await stop(actor);
  assert.equal([ctx.processed, ctx.bad], [3, 2]);
  assert.equal(stored.map((o) => [o.seq, o.sum]), [[1, 1], [3, 4], [5, 9]]);
  assert.equal((await loadCheckpoint(tdb.database.db, 'sum-bad'))!, { lastSeq: 5, state: { sum: 9 } });
});

/** A connection watch the test turns off and on (adapters/nats/connection-watch.ts on a real client). */
function fakeConnection() {
  let up = true;
  let drops = 0;
  const listeners = new Set<(up: boolean) => void>();
  let waiters: (() => void)[] = [];
  const watch: ConnectionWatch = {
    isUp: () => up,
    drops: () => drops,
    onChange(cb) {
      listeners.add(cb);
      return () => void listeners.delete(cb);
    },
    whenUp: () => (up ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    isTransient: () => false,
  };
  const set = (next: boolean) => {
    up = next;
    if (!next) drops++;
    for (const cb of [...listeners]) cb(next);
    if (next) for (const r of waiters.splice(0)) r();
  };
  return { watch, set };
}

// The stall of the cluster e2e with the commit queue: a stage waiting for a gap hands the queue
// batches with nothing in them (every message deferred); the queue kept such a batch as a group
// that no transaction would take, and flush() waited for it forever, so the loop never ended and
// neither draining nor reconnecting (which waits for the loop) could finish.
for (const [mode, commitAhead] of [['commit behind the publish', 2000], ['commit per batch', 0]] as const) {
  s(`${mode}: a stage waiting for a gap (every fetched message deferred) stops when told to`, async () => {
    const mem = memoryStream([1, 2, 4, 5, 6].map((seq) => ({ seq, value: seq })));
    mem.holdBack({ seq: 3, value: 3 });
    const stored: Out[] = [];
    const actor = startStageActor(sumStage(`sum-gap-stop-${commitAhead}`, stored), { bus: mem.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 5, fetchExpiresMs: 10, commitAhead });
    await until('1 and 2 committed', () => mem.acked.length === 2);
    await wait(100); // 4..6 fetched and deferred at least once
    actor.send({ type: 'STOP' });
    await until('stopped', () => state(actor) === 'stopped', 2_000);
    assert.equal(stored.map((o) => o.seq), [1, 2], 'nothing past the gap applied');
  });

  s(`${mode}: a stage waiting for a gap comes back after a lost connection and applies the gap once it is redelivered`, async () => {
    const mem = memoryStream([1, 2, 4, 5, 6].map((seq) => ({ seq, value: seq })));
    mem.holdBack({ seq: 3, value: 3 });
    const conn = fakeConnection();
    const stored: Out[] = [];
    const actor = startStageActor(sumStage(`sum-gap-reconnect-${commitAhead}`, stored), { bus: { ...mem.bus, connection: conn.watch }, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 5, fetchExpiresMs: 10, commitAhead });
    await until('1 and 2 committed', () => mem.acked.length === 2);
    await wait(100);
    conn.set(false);
    assert.is(state(actor), 'reconnecting');
    await wait(50);
    conn.set(true);
    await until('running again', () => state(actor) === 'running', 2_000);
    mem.expireAckWait();
    await until('all applied', () => stored.length === 6);
    await stop(actor);
    assert.equal(stored, prefixSums([1, 2, 3, 4, 5, 6]), 'each once, in stream order');
    assert.equal(actor.getSnapshot().context.reconnects, 1);
  });
}

s.run();
