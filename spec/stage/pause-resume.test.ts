/**
 * The stage runner under PAUSE/RESUME, with an in-memory bus (so the test controls how long a
 * fetch takes) and a real database (PGlite) for the checkpoint.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startStageActor, type StageDefinition } from '../../actors/stage/stage.actor.ts';
import type { Logger } from '../../actors/stage/ports.ts';
import { memoryBus } from './memory-bus.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

const s = suite('stage runner: pause and resume');
let tdb: TestDatabase;

const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };
const noMetrics = { observeBatch() {}, setPending() {} };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const echo: StageDefinition<number, number> = {
  name: 'echo',
  stream: 'TEST',
  decode: (v) => v as number,
  create: () => ({ apply: (x) => [x], snapshot: () => ({}) }),
  toPublish: (xs) => xs.map((x) => ({ subject: 'test.out', id: String(x), value: x })),
  persist: async () => undefined,
};

s.before(async () => {
  tdb = await createTestDatabase('pglite');
});
s.after(async () => {
  await tdb.cleanup();
});

s('a RESUME during an in-flight batch never runs two consume loops, and applies each message once, in order', async () => {
  const mem = memoryBus(60, 40);
  const actor = startStageActor(echo, { bus: mem.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 5, fetchExpiresMs: 10 });
  for (let i = 0; i < 50 && actor.getSnapshot().value !== 'running'; i++) await wait(10);
  assert.is(actor.getSnapshot().value, 'running');
  for (let round = 0; round < 5; round++) {
    await wait(15); // inside a 40 ms fetch
    actor.send({ type: 'PAUSE' });
    assert.is(actor.getSnapshot().value, 'paused');
    actor.send({ type: 'RESUME' });
  }
  for (let i = 0; i < 300 && mem.published.length < 60; i++) await wait(20);
  actor.send({ type: 'STOP' });
  for (let i = 0; i < 50 && actor.getSnapshot().value !== 'stopped'; i++) await wait(20);
  assert.is(mem.maxInFlight(), 1, 'one fetch at a time');
  assert.equal(mem.published, Array.from({ length: 60 }, (_, i) => i + 1), 'each message once, in stream order');
  assert.is(actor.getSnapshot().value, 'stopped');
});

s('a paused stage fetches nothing until it is resumed', async () => {
  const mem = memoryBus(20, 10);
  const actor = startStageActor({ ...echo, name: 'echo-2' }, { bus: mem.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 5, fetchExpiresMs: 10 });
  for (let i = 0; i < 50 && actor.getSnapshot().value !== 'running'; i++) await wait(10);
  actor.send({ type: 'PAUSE' });
  await wait(60); // the in-flight batch (if any) completes, then nothing more
  const seen = mem.published.length;
  await wait(100);
  assert.is(mem.published.length, seen, 'no batch while paused');
  assert.ok(mem.left() > 0, 'work was left');
  actor.send({ type: 'RESUME' });
  for (let i = 0; i < 100 && mem.published.length < 20; i++) await wait(10);
  assert.is(mem.published.length, 20);
  actor.send({ type: 'STOP' });
  for (let i = 0; i < 50 && actor.getSnapshot().value !== 'stopped'; i++) await wait(20);
});

s.run();
