/**
 * The stage runner on a filtered consumer (one partition's symbols, FAKEOUT_PARTITION): its
 * stream sequences have gaps (the other partitions' messages), and it must still apply every
 * message of its partition in stream order, never a later one while an earlier one is out with a
 * dead incarnation (a killed process's messages come back only after ack_wait).
 *
 * An in-memory consumer, so the test decides exactly what is out and when it comes back: the
 * stream holds seqs 1..12, the partition's filter matches the even ones; a dead incarnation
 * still holds 2 and 4 when the new one starts, and they are redelivered only at its third fetch.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startStageActor, type StageDefinition } from '../../actors/stage/stage.actor.ts';
import type { Bus, DeliveredMessage, Logger } from '../../actors/stage/ports.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

const s = suite('stage runner: filtered consumer');
let tdb: TestDatabase;
const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };
const noMetrics = { observeBatch() {}, setPending() {} };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A JetStream-like filtered consumer: new messages in stream order, redeliveries first, unacked ones counted. */
function filteredBus(opts: { heldByDead: number[]; backAtFetch: number }) {
  const matching = Array.from({ length: 12 }, (_, i) => i + 1).filter((seq) => seq % 2 === 0);
  const undelivered = matching.filter((seq) => !opts.heldByDead.includes(seq));
  const unacked = new Set<number>(opts.heldByDead);
  const redeliver: number[] = [];
  let fetches = 0;
  const deliver = (seq: number): DeliveredMessage => ({
    seq,
    subject: `test.x.p0of2`,
    value: seq,
    ack: () => void unacked.delete(seq),
    ackSync: async () => void unacked.delete(seq),
    nak: () => void redeliver.push(seq),
  });
  const bus: Bus = {
    async openConsumer() {
      return {
        async fetchBatch(max: number) {
          fetches++;
          await wait(5);
          if (fetches === opts.backAtFetch) redeliver.push(...opts.heldByDead); // their ack_wait is over
          const out: number[] = [];
          while (out.length < max && redeliver.length > 0) out.push(redeliver.shift()!);
          while (out.length < Math.min(max, 2 + out.length) && undelivered.length > 0) out.push(undelivered.shift()!);
          for (const seq of out) unacked.add(seq);
          return out.map(deliver);
        },
        async pending() {
          return { numPending: undelivered.length, ackPending: unacked.size };
        },
      };
    },
    async publishMany() {
      return [];
    },
    async firstSeq() {
      return 1;
    },
    async lastMessage() {
      return undefined;
    },
    async nextSeq(_stream, _subject, fromSeq) {
      return matching.find((seq) => seq >= fromSeq);
    },
  };
  return { bus, fetches: () => fetches };
}

function recorder(name: string, applied: number[]): StageDefinition<number, number> {
  return {
    name,
    stream: 'TEST',
    filterSubject: 'test.*.p0of2',
    decode: (v) => v as number,
    create: () => ({ apply: (x) => (applied.push(x), []), snapshot: () => ({}) }),
    toPublish: () => [],
    persist: async () => undefined,
  };
}

s.before(async () => {
  tdb = await createTestDatabase('pglite');
});
s.after(async () => {
  await tdb.cleanup();
});

s('waits for the messages a dead incarnation holds, then applies the partition in stream order', async () => {
  const applied: number[] = [];
  const f = filteredBus({ heldByDead: [2, 4], backAtFetch: 3 });
  const actor = startStageActor(recorder('filtered-wait', applied), { bus: f.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 10, fetchExpiresMs: 5 });
  try {
    for (let i = 0; i < 400 && applied.length < 6; i++) await wait(10);
    assert.equal(applied, [2, 4, 6, 8, 10, 12]);
    assert.ok(f.fetches() >= 3, 'it had to wait for the redelivery');
  } finally {
    actor.send({ type: 'STOP' });
  }
});

s('with nothing out elsewhere, applies a batch across the gaps at once', async () => {
  const applied: number[] = [];
  const f = filteredBus({ heldByDead: [], backAtFetch: 0 });
  const actor = startStageActor(recorder('filtered-direct', applied), { bus: f.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 10, fetchExpiresMs: 5 });
  try {
    for (let i = 0; i < 400 && applied.length < 6; i++) await wait(10);
    assert.equal(applied, [2, 4, 6, 8, 10, 12]);
  } finally {
    actor.send({ type: 'STOP' });
  }
});

s.run();
