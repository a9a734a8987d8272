/**
 * The stage runner's reorder buffer (actors/stage/held-messages.ts in actors/stage/stage.actor.ts)
 * with the in-memory stream (spec/stage/memory-stream.ts) and PGlite: messages after a gap are
 * held, not nak'd, and apply with the gap's filler in one batch; a held message redelivered is
 * applied once; the bound naks only the highest; every way out of the loop (stop, pause, a crash,
 * a failed commit) gives the held messages back at once. Expected values are written by hand: the
 * running sum of 1..n is n(n+1)/2, one output `out-<seq>` per input.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startStageActor, type StageActor, type StageDefinition } from '../../actors/stage/stage.actor.ts';
import { loadCheckpoint } from '../../adapters/db/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { memoryStream, type StoredMessage } from './memory-stream.ts';
import { quiet, noMetrics, wait, state, until, stop } from './stage-kit.ts';

const s = suite('stage runner: the reorder buffer');
let tdb: TestDatabase;


interface Out {
  seq: number;
  x: number;
  sum: number;
}

function sumStage(name: string, stored: Out[], failPersist = () => false): StageDefinition<number, Out> {
  return {
    name,
    stream: 'TEST',
    decode: (v) => v as number,
    create(snapshot) {
      let sum = (snapshot as { sum?: number } | undefined)?.sum ?? 0;
      return { apply: (x, seq) => [{ seq, x, sum: (sum += x) }], snapshot: () => ({ sum }) };
    },
    toPublish: (outs) => outs.map((o) => ({ subject: 'test.out', id: `out-${o.seq}`, value: o })),
    async persist(_tx, outs) {
      if (failPersist()) throw new Error('disk full');
      stored.push(...outs);
    },
  };
}

const msgs = (seqs: number[]): StoredMessage[] => seqs.map((seq) => ({ seq, value: seq }));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** by hand: [1, 1], [2, 3], [3, 6], … */
const prefixSums = (seqs: number[]) => {
  let sum = 0;
  return seqs.map((seq) => ({ seq, x: seq, sum: (sum += seq) }));
};
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);


s.before(async () => {
  tdb = await createTestDatabase('pglite');
});
s.after(async () => {
  await tdb.cleanup();
});

for (const [mode, commitAhead] of [['commit behind the publish', 2000], ['commit per batch', 0]] as const) {
  const deps = (bus: ReturnType<typeof memoryStream>['bus'], batchSize = 5) => ({ bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize, fetchExpiresMs: 10, commitAhead });

  s(`${mode}: a gap filled late: what is after it is held (never nak'd) and applied in the filler's batch`, async () => {
    const mem = memoryStream(msgs([1, 2, 4, 5, 6]));
    mem.holdBack({ seq: 3, value: 3 }); // a dead process has it
    const stored: Out[] = [];
    const actor = startStageActor(sumStage(`reorder-late-${commitAhead}`, stored), deps(mem.bus));
    await until('1 and 2 committed', () => mem.acked.length === 2);
    await until('4..6 held', () => mem.unacked().join() === '3,4,5,6');
    await wait(200); // ~20 empty fetches of 10 ms
    assert.equal(mem.naked, [], 'nothing nak\'d while waiting');
    assert.equal(mem.queued(), [], 'nothing back in the stream');
    assert.equal(stored.map((o) => o.seq), [1, 2], 'nothing past the gap applied');

    mem.release(3); // its ack_wait is over
    await until('all applied', () => stored.length === 6);
    await until('all acked', () => mem.acked.length === 6);
    await stop(actor);
    // the first fetch took 1, 2, 4, 5, 6 (batch of 5): 1, 2 applied; the second batch is 3 and the held 4..6
    assert.equal(mem.publishBatches, [['out-1', 'out-2'], ['out-3', 'out-4', 'out-5', 'out-6']]);
    assert.equal(mem.naked, [], 'never nak\'d');
    assert.equal(stored, prefixSums(range(1, 6)), 'a clean run\'s outputs');
    assert.equal(sorted(mem.acked), range(1, 6), 'each acked once');
    assert.is(mem.staleSettles(), 0);
    assert.ok(mem.idle());
    assert.equal(await loadCheckpoint(tdb.database.db, `reorder-late-${commitAhead}`), { lastSeq: 6, state: { sum: 21 } });
  });

  s(`${mode}: held messages redelivered after their ack_wait are applied once, on the newest delivery`, async () => {
    const mem = memoryStream(msgs([1, 2, 4, 5, 6]));
    mem.holdBack({ seq: 3, value: 3 });
    const stored: Out[] = [];
    const actor = startStageActor(sumStage(`reorder-redelivered-${commitAhead}`, stored), deps(mem.bus));
    await until('4..6 held', () => mem.acked.length === 2 && mem.unacked().join() === '3,4,5,6');
    mem.expireAckWait(); // 3 and the held 4, 5, 6 all come back: 4..6 a second time
    await until('all applied', () => stored.length === 6);
    await until('all acked', () => mem.acked.length === 6);
    await stop(actor);
    assert.equal(stored, prefixSums(range(1, 6)), 'each applied once');
    assert.equal(mem.published.map((p) => p.id), range(1, 6).map((n) => `out-${n}`), 'each published once');
    assert.is(mem.duplicates(), 0);
    assert.equal(sorted(mem.acked), range(1, 6), 'each acked once');
    assert.is(mem.staleSettles(), 0, 'no ack or nak on a handle that was delivered again');
    assert.equal(mem.naked, []);
    assert.ok(mem.idle(), 'nothing left unacked');
  });

  s(`${mode}: the bound (2 × batchSize) naks only the highest sequences; the held ones apply with the filler`, async () => {
    // batchSize 2: at most 4 held. 4..7 are held; 8 and above come and go back (nak'd, no delay).
    const mem = memoryStream(msgs([1, 2, ...range(4, 12)]));
    mem.holdBack({ seq: 3, value: 3 });
    const stored: Out[] = [];
    const actor = startStageActor(sumStage(`reorder-bound-${commitAhead}`, stored), deps(mem.bus, 2));
    await until('4..7 held and 8 nak\'d', () => mem.unacked().slice(0, 5).join() === '3,4,5,6,7' && mem.naked.includes(8));
    await wait(100);
    const naked = [...mem.naked];
    assert.ok(naked.every((seq) => seq >= 8), `only seqs past the four held ones nak'd: ${naked.join()}`);
    assert.equal(mem.unacked().filter((seq) => seq <= 7), [3, 4, 5, 6, 7], 'the four lowest still held');
    assert.ok(mem.unacked().length <= 5 + 2, 'at most 4 held (plus 3, and a batch of 2 in hand)');
    assert.equal(stored.map((o) => o.seq), [1, 2]);

    mem.release(3);
    await until('all applied', () => stored.length === 12);
    await until('all acked', () => mem.acked.length === 12);
    await stop(actor);
    const fillerBatch = mem.publishBatches.find((b) => b.includes('out-3'))!;
    assert.equal(fillerBatch.slice(0, 5), ['out-3', 'out-4', 'out-5', 'out-6', 'out-7'], 'the held four in the filler\'s batch');
    assert.ok(mem.naked.filter((seq) => seq <= 7).length === 0, '4..7 never nak\'d');
    assert.equal(stored, prefixSums(range(1, 12)), 'a clean run\'s outputs');
    assert.equal(sorted(mem.acked), range(1, 12));
    assert.ok(mem.idle());
  });

  for (const how of ['STOP', 'PAUSE', 'FAULT'] as const) {
    s(`${mode}: ${how} while waiting for a gap gives the held messages back at once; the next run ends as a clean one`, async () => {
      const mem = memoryStream(msgs([1, 2, 4, 5, 6]));
      mem.holdBack({ seq: 3, value: 3 });
      const stored: Out[] = [];
      const def = sumStage(`reorder-${how}-${commitAhead}`, stored);
      const first = startStageActor(def, deps(mem.bus));
      await until('4..6 held', () => mem.acked.length === 2 && mem.unacked().join() === '3,4,5,6');
      first.send(how === 'FAULT' ? { type: 'FAULT', reason: 'drill' } : { type: how });
      const want = { STOP: 'stopped', PAUSE: 'paused', FAULT: 'failed' }[how];
      await until(want, () => state(first) === want);
      await until('4..6 back', () => mem.queued().length === 3, 2_000);
      assert.equal(mem.queued(), [4, 5, 6], 'back in the stream, not waiting for ack_wait');
      assert.equal(sorted(mem.naked), [4, 5, 6]);
      assert.equal(mem.unacked(), [3], 'only the dead process\'s message out');
      if (how === 'FAULT') assert.match(first.getSnapshot().context.error ?? '', /fault injected/);

      mem.release(3);
      let next = first;
      if (how === 'PAUSE') first.send({ type: 'RESUME' });
      else next = startStageActor(def, deps(mem.bus));
      await until('all applied', () => stored.length === 6);
      await until('all acked', () => mem.acked.length === 6);
      await stop(next);
      assert.equal(stored, prefixSums(range(1, 6)), 'a clean run\'s outputs');
      assert.equal(mem.published.map((p) => p.id), range(1, 6).map((n) => `out-${n}`));
      assert.ok(mem.idle());
    });
  }

  s(`${mode}: a failed commit while messages are held gives them back with the rest`, async () => {
    // Two gaps: 3 and 7 are out with a dead process. 1, 2 commit; 4..6, 8, 9 held; 3 comes back:
    // 3..6 apply and their commit fails, 8 and 9 are still held (behind 7).
    const mem = memoryStream(msgs([1, 2, 4, 5, 6, 8, 9]));
    mem.holdBack({ seq: 3, value: 3 });
    mem.holdBack({ seq: 7, value: 7 });
    const stored: Out[] = [];
    let commits = 0;
    const actor = startStageActor(sumStage(`reorder-commit-fails-${commitAhead}`, stored, () => ++commits > 1), deps(mem.bus, 10));
    await until('4..6, 8, 9 held', () => mem.acked.length === 2 && mem.unacked().join() === '3,4,5,6,7,8,9');
    mem.release(3);
    await until('failed', () => state(actor) === 'failed');
    await until('all back', () => mem.queued().length === 6, 2_000);
    assert.match(actor.getSnapshot().context.error ?? '', /disk full/);
    assert.equal(mem.queued(), [3, 4, 5, 6, 8, 9], 'the uncommitted 3..6 and the held 8, 9, at once');
    assert.equal(mem.unacked(), [7]);
    assert.equal(stored.map((o) => o.seq), [1, 2]);
    assert.equal(sorted(mem.acked), [1, 2]);
  });
}

s.run();
