/**
 * The stage runner on a real nats-server, with the real bus (adapters/nats/bus.ts): a stage
 * waiting for a gap (the message after its checkpoint is out with a dead process, every later one
 * deferred) loses its connection (the server restarts) and must come back, with the commit behind
 * the publish (FAKEOUT_COMMIT_AHEAD > 0) and without. This is the state the cluster e2e stalled in
 * once: after a leader kill a stage waits for gaps (messages it held came back only after
 * ack_wait); with the commit queue a connection drop then left it in `reconnecting` for good, its
 * consumer showing every message after the checkpoint ack pending and no pull waiting (the queue
 * kept the all-deferred batches as a group no transaction takes, and flush() waited for it).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jetstream } from '@nats-io/jetstream';
import { startStageActor, type StageActor, type StageDefinition } from '../../actors/stage/stage.actor.ts';
import { createBus } from '../../adapters/nats/bus.ts';
import { applyTopology } from '../../adapters/nats/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestNats, type TestNats } from '../helpers/nats-server.ts';
import { quiet, noMetrics, wait, state, until } from './stage-kit.ts';

const s = suite('stage runner on nats-server: a connection lost while waiting for a gap');
let tdb: TestDatabase;
let nats: TestNats;

s.before(async () => {
  tdb = await createTestDatabase('pglite');
  nats = await startTestNats();
  await applyTopology(await nats.connect('admin'));
  // RAW seqs 1..6, bodies 1..6 (the ingest user is the one allowed to publish raw.>)
  const ingest = jetstream(await nats.connect('ingest'));
  for (let i = 1; i <= 6; i++) await ingest.publish('raw.test.gap', JSON.stringify(i), { msgID: `gap-${i}` });
});
s.after(async () => {
  await nats?.cleanup();
  await tdb?.cleanup();
});

// One durable consumer per mode (RAW has two in the topology), so the two tests share nothing.
for (const [mode, commitAhead, durable] of [['commit behind the publish', 2000, 'raw-archiver'], ['commit per batch', 0, 'bar-builder']] as const) {
  s(`${mode}: the stage comes back from a server restart while every message it fetches waits for an earlier one`, async () => {
    // A dead process took seq 1 and never acks it: back after ack_wait (10 s), or when it is nak'd.
    const dead = await nats.connect('pipeline');
    const held = await (await jetstream(dead).consumers.get('RAW', durable)).next({ expires: 2_000 });
    assert.is(held?.seq, 1, 'the dead process holds seq 1');

    const applied: number[] = [];
    const def: StageDefinition<number, never> = {
      name: durable,
      stream: 'RAW',
      decode: (v) => v as number,
      create: () => ({
        apply: (_x, seq) => {
          applied.push(seq);
          return [];
        },
        snapshot: () => ({}),
      }),
      toPublish: () => [],
      persist: async () => undefined,
    };
    const bus = await createBus(await nats.connect('pipeline'));
    const actor = startStageActor(def, { bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 10, fetchExpiresMs: 1_000, commitAhead });
    try {
      await until('running', () => state(actor) === 'running', 10_000, actor);
      await wait(1_500); // 2..6 fetched and deferred (nak'd) at least once
      assert.equal(applied, [], 'nothing applied past the gap');

      await nats.restart();
      await until('reconnecting', () => actor.getSnapshot().context.reconnects >= 1, 10_000, actor);
      await until('running again', () => state(actor) === 'running', 15_000, actor);

      held!.nak(); // the dead process's message comes back now instead of after ack_wait
      // 2..6 were held (the reorder buffer); the naks that gave them back when the connection
      // dropped never reached the server, so they come back after their ack_wait (10 s) at worst
      await until('1..6 applied', () => applied.length === 6, 25_000, actor);
      assert.equal(applied, [1, 2, 3, 4, 5, 6], 'in stream order, each once');
    } finally {
      actor.send({ type: 'STOP' });
      await until('stopped', () => state(actor) === 'stopped', 10_000).catch(() => undefined);
      actor.stop();
    }
  });
}

s.run();
