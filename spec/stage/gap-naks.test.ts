/**
 * The reorder buffer on a real nats-server, with the real bus (adapters/nats/bus.ts): a stage
 * waiting for a gap (seq 1 is out with a dead process, back only after ack_wait or its nak) holds
 * what it fetched after the gap instead of naking it. Counted, not timed: every delivery and every
 * nak the stage's consumer sees. Before the buffer, this stage nak'd (500 ms delay) and fetched
 * again every deferred message over and over: hundreds of naks in a few seconds.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jetstream } from '@nats-io/jetstream';
import { startStageActor, type StageActor, type StageDefinition } from '../../actors/stage/stage.actor.ts';
import type { Bus, DeliveredMessage } from '../../actors/stage/ports.ts';
import { createBus } from '../../adapters/nats/bus.ts';
import { applyTopology } from '../../adapters/nats/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestNats, type TestNats } from '../helpers/nats-server.ts';
import { quiet, noMetrics, wait, state, until } from './stage-kit.ts';

const s = suite('stage runner on nats-server: naks while waiting for a gap');
let tdb: TestDatabase;
let nats: TestNats;
const N = 12;
const FETCH_EXPIRES_MS = 1_000;
const GAP_MS = 3_000;

/** The bus with every delivery and nak of the stage's consumer counted. */
function counted(bus: Bus) {
  const c = { deliveries: 0, naks: 0 };
  const wrapped: Bus = {
    ...bus,
    async openConsumer(stream, durable) {
      const consumer = await bus.openConsumer(stream, durable);
      return {
        ...consumer,
        pending: () => consumer.pending(),
        async fetchBatch(max, expiresMs) {
          const got = await consumer.fetchBatch(max, expiresMs);
          c.deliveries += got.length;
          return got.map((m): DeliveredMessage => ({ ...m, ack: () => m.ack(), nak: (d) => (c.naks++, m.nak(d)) }));
        },
      };
    },
  };
  return { bus: wrapped, c };
}

s.before(async () => {
  tdb = await createTestDatabase('pglite');
  nats = await startTestNats();
  await applyTopology(await nats.connect('admin'));
  const ingest = jetstream(await nats.connect('ingest'));
  for (let i = 1; i <= N; i++) await ingest.publish('raw.test.naks', JSON.stringify(i), { msgID: `naks-${i}` });
});
s.after(async () => {
  await nats?.cleanup();
  await tdb?.cleanup();
});

// RAW has two durable consumers in the topology: one per test.
const cases = [
  // batchSize 10: at most 20 held, so 2..12 are all held: no nak at all, each delivered once
  { title: 'commit behind the publish, all of it held', durable: 'raw-archiver', commitAhead: 2000, batchSize: 10 },
  // batchSize 2: at most 4 held (2..5); the rest is nak'd beyond the bound, then waits one fetch
  // expiry before fetching again: per round at most one batch (2) nak'd
  { title: 'commit per batch, beyond the bound', durable: 'bar-builder', commitAhead: 0, batchSize: 2 },
] as const;

for (const t of cases) {
  s(`${t.title}: a gap of ${GAP_MS / 1000} s costs few naks, and once it fills everything applies in order`, async () => {
    const dead = await nats.connect('pipeline');
    const heldByDead = await (await jetstream(dead).consumers.get('RAW', t.durable)).next({ expires: 2_000 });
    assert.is(heldByDead?.seq, 1, 'the dead process holds seq 1');

    const applied: number[] = [];
    const batches: number[][] = [];
    const def: StageDefinition<number, number> = {
      name: t.durable,
      stream: 'RAW',
      decode: (v) => v as number,
      create: () => ({ apply: (_x, seq) => (applied.push(seq), [seq]), snapshot: () => ({}) }),
      toPublish: (seqs) => {
        if (seqs.length > 0) batches.push([...seqs]);
        return [];
      },
      persist: async () => undefined,
    };
    const { bus, c } = counted(await createBus(await nats.connect('pipeline')));
    const actor = startStageActor(def, { bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: t.batchSize, fetchExpiresMs: FETCH_EXPIRES_MS, commitAhead: t.commitAhead });
    try {
      await until('running', () => state(actor) === 'running', 10_000);
      await until('11 deliveries (2..12, or redeliveries at the bound)', () => c.deliveries >= N - 1, 10_000);
      const before = { ...c };
      await wait(GAP_MS);
      const during = { deliveries: c.deliveries - before.deliveries, naks: c.naks - before.naks };
      process.stdout.write(`  [${t.durable}, batchSize ${t.batchSize}] in ${GAP_MS} ms of the gap: ${during.deliveries} deliveries, ${during.naks} naks (before it: ${before.deliveries}, ${before.naks})\n`);
      assert.equal(applied, [], 'nothing applied past the gap');
      if (t.batchSize === 10) {
        assert.equal([before.naks, during.naks], [0, 0], 'nothing nak\'d: 2..12 held');
        assert.equal([before.deliveries, during.deliveries], [N - 1, 0], 'each of 2..12 delivered once');
      } else {
        // rounds: at most one per fetch expiry (plus one, and one of slack), each naking at most one batch
        const rounds = GAP_MS / FETCH_EXPIRES_MS + 2;
        assert.ok(during.naks <= rounds * t.batchSize, `${during.naks} naks, at most ${rounds * t.batchSize}`);
        assert.ok(during.naks > 0, 'the bound nak\'d something');
      }

      heldByDead!.nak(); // seq 1 comes back now instead of after ack_wait
      await until(`1..${N} applied`, () => applied.length === N, 15_000);
      assert.equal(applied, Array.from({ length: N }, (_, i) => i + 1), 'in stream order, each once');
      // the filler's batch took every message held behind it: 2..5 at the bound of 4, all of 2..12 otherwise
      const fillerBatch = batches.find((b) => b.includes(1))!;
      assert.equal(fillerBatch.slice(0, t.batchSize === 10 ? N : 5), Array.from({ length: t.batchSize === 10 ? N : 5 }, (_, i) => i + 1));
      process.stdout.write(`  [${t.durable}] in all: ${c.deliveries} deliveries, ${c.naks} naks, ${batches.length} batches applied\n`);
    } finally {
      actor.send({ type: 'STOP' });
      await until('stopped', () => state(actor) === 'stopped', 10_000).catch(() => undefined);
      actor.stop();
    }
  });
}

s.run();
