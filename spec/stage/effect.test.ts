/**
 * The stage runner's effect step: an asynchronous call to the outside (a broker) keyed by an
 * idempotency key happens exactly once at the target, even when the stage crashes right after
 * it and a new incarnation re-runs the batch.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startStageActor, type StageActor, type StageDefinition } from '../../actors/stage/stage.actor.ts';
import type { Logger } from '../../actors/stage/ports.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { memoryBus } from './memory-bus.ts';

const s = suite('stage runner: effect step');
let tdb: TestDatabase;

const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };
const noMetrics = { observeBatch() {}, setPending() {} };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Order {
  clientOrderId: string;
  input: number;
  /** the target's sequence number of the accepted order, set by the effect */
  accepted?: number;
}

/** A target that, like an exchange, refuses a repeated client order id and answers with the first result. */
function fakeVenue() {
  const book = new Map<string, number>();
  let requests = 0;
  return {
    async place(id: string): Promise<{ accepted: number; repeat: boolean }> {
      requests++;
      await wait(2);
      const known = book.get(id);
      if (known !== undefined) return { accepted: known, repeat: true };
      book.set(id, book.size + 1);
      return { accepted: book.size, repeat: false };
    },
    get requests() {
      return requests;
    },
    book,
  };
}

function ordersStage(name: string, venue: ReturnType<typeof fakeVenue>): StageDefinition<number, Order> {
  return {
    name,
    stream: 'TEST',
    decode: (v) => v as number,
    // The idempotency key comes from the input alone, so a re-run of the batch derives the same one.
    create: () => ({ apply: (x) => [{ clientOrderId: `order-${x}`, input: x }], snapshot: () => ({}) }),
    async effect(orders) {
      const out: Order[] = [];
      for (const o of orders) out.push({ ...o, accepted: (await venue.place(o.clientOrderId)).accepted });
      return out;
    },
    toPublish: (orders) => orders.map((o) => ({ subject: 'test.orders', id: o.clientOrderId, value: o })),
    persist: async () => undefined,
  };
}

async function until(actor: StageActor, value: string) {
  for (let i = 0; i < 200 && actor.getSnapshot().value !== value; i++) await wait(10);
  assert.is(actor.getSnapshot().value, value);
}

s.before(async () => {
  tdb = await createTestDatabase('pglite');
});
s.after(async () => {
  await tdb.cleanup();
});

s('a crash right after the effect re-runs it with the same keys and the venue acts once per order', async () => {
  const mem = memoryBus(10, 30);
  const venue = fakeVenue();
  const def = ordersStage('orders-crash', venue);
  const deps = { bus: mem.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 5, fetchExpiresMs: 10 };
  const first = startStageActor(def, deps);
  await until(first, 'running');
  first.send({ type: 'FAULT', reason: 'drill' }); // lands at the first check after the effect
  await until(first, 'failed');
  assert.match(first.getSnapshot().context.error ?? '', /after-effect/, 'crashed after the effect');
  assert.is(venue.book.size, 5, 'the first batch reached the venue');
  assert.is(mem.published.length, 0, 'nothing published before the crash');

  const second = startStageActor(def, deps); // what the supervisor does: a fresh incarnation
  for (let i = 0; i < 300 && mem.published.length < 10; i++) await wait(10);
  second.send({ type: 'STOP' });
  await until(second, 'stopped');

  assert.is(venue.requests, 15, 'the crashed batch was sent again: 5 + 10 requests');
  assert.is(venue.book.size, 10, 'each client order id accepted once');
  const published = mem.published as Order[];
  assert.equal(published.map((o) => o.clientOrderId), Array.from({ length: 10 }, (_, i) => `order-${i + 1}`));
  assert.equal(published.map((o) => o.accepted), Array.from({ length: 10 }, (_, i) => i + 1), 'the first acceptance is what is recorded');
});

s('a stage without an effect never stops at the effect point', async () => {
  const mem = memoryBus(5, 10);
  const venue = fakeVenue();
  const { effect: _none, ...plain } = ordersStage('orders-plain', venue);
  const actor = startStageActor(plain, { bus: mem.bus, db: tdb.database.db, metrics: noMetrics, log: quiet, batchSize: 5, fetchExpiresMs: 10 });
  await until(actor, 'running');
  actor.send({ type: 'FAULT', reason: 'drill' });
  await until(actor, 'failed');
  assert.match(actor.getSnapshot().context.error ?? '', /after-publish/);
  assert.is(venue.requests, 0);
});

s.run();
