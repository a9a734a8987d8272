/**
 * The paper broker with `transaction` (how the gateway opens it on Postgres; here PGlite): each
 * call commits all its writes or none, a call that failed leaves the broker where the last
 * committed call left it, and a broker reopened between two calls continues the same book.
 * Expected values by hand from bracket-fixture.ts: the order is decided at T0 + 1 min, so bar 1
 * (open 100) fills the entry; bar 2 (high 100.55) reaches the target 100.5, an exit at its close (T0 + 3 min, no gap); both bars are in
 * session (Monday 14:00 UTC) and fewer than 20 bars are seen, so every verdict is not low.
 */
import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_COST_MODEL } from '../../actors/execution/index.ts';
import { PaperBroker, type PaperBrokerStore } from '../../adapters/broker/index.ts';
import { pgPaperBrokerStore } from '../../adapters/db/broker-orders.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { BARS, MIN, ORDER, T0 } from './bracket-fixture.ts';

const s = suite<{ t?: TestDatabase }>('paper broker, one transaction per call');
s.before(async (ctx) => { ctx.t = await createTestDatabase('pglite'); });
s.before.each(async (ctx) => { await sql`TRUNCATE broker_orders, broker_state`.execute(ctx.t!.database.db); });
s.after(async (ctx) => ctx.t?.cleanup());

/** `failExit` once: the exit order's insert throws, after the entry's fill was written in the same call. */
function open(db: Db, fail: { exitOnce: boolean } = { exitOnce: false }): Promise<PaperBroker> {
  const failing = (inner: PaperBrokerStore): PaperBrokerStore => ({
    ...inner,
    insertOrder: async (o) => {
      if (fail.exitOnce && o.clientOrderId === ORDER.bracket!.exitClientOrderId) { fail.exitOnce = false; throw new Error('boom'); }
      return inner.insertOrder(o);
    },
  });
  return PaperBroker.open({
    store: pgPaperBrokerStore(db), costModel: { ...DEFAULT_COST_MODEL, noiseBps: 0 }, clock: { now: () => 0 },
    storedBars: async (_sym, _tf, from, to) => BARS.filter((x) => x.openTime >= from && x.openTime <= to),
    transaction: (fn) => db.transaction().execute((tx) => fn(failing(pgPaperBrokerStore(tx)))),
  });
}
const brief = async (b: PaperBroker) => (await b.fills()).fills.map((f) => [f.clientOrderId, f.time, f.exit?.reason ?? 'entry']);
const state = async (db: Db) => (await db.selectFrom('broker_state').select('state').executeTakeFirst())?.state as { lastBar?: Record<string, number>; verdictRuns?: unknown } | undefined;

s('a call that failed wrote nothing, and the same broker then makes the fills a broker that never failed makes', async ({ t }) => {
  const db = t!.database.db;
  const fail = { exitOnce: true };
  const b = await open(db, fail);
  assert.ok((await b.placeOrder(ORDER)).ok);
  const placed = await state(db);
  try {
    await b.advanceTo('SPY', '1m', BARS[2]!.openTime);
    assert.unreachable('the exit insert should have failed');
  } catch (err) {
    assert.is((err as Error).message, 'boom');
  }
  // the entry fill of bar 1 was in the same transaction as the failed exit: rolled back with it
  assert.equal(await brief(b), []);
  assert.is((await b.orderStatus(ORDER.clientOrderId))?.status, 'working');
  assert.equal(await state(db), placed);
  // the retry (the stage redelivers the mark) reloads the broker from the store: without that,
  // the broker would think bars 0 to 2 applied and skip them, and the entry would never fill
  await b.advanceTo('SPY', '1m', BARS[2]!.openTime);
  assert.equal(await brief(b), [[ORDER.clientOrderId, T0 + MIN, 'entry'], [ORDER.bracket!.exitClientOrderId, T0 + 3 * MIN, 'target']]);
});

s('a broker reopened between two calls continues the same book: the bracket opened before the restart exits after it', async ({ t }) => {
  const first = await open(t!.database.db);
  assert.ok((await first.placeOrder(ORDER)).ok);
  await first.onBars(BARS.slice(0, 2));
  assert.equal(await brief(first), [[ORDER.clientOrderId, T0 + MIN, 'entry']]);
  const db = (await t!.reopen()).db;
  const saved = await state(db);
  assert.equal(saved?.lastBar, { 'SPY:1m': T0 + MIN });
  assert.equal(saved?.verdictRuns, { 'SPY:1m': [[T0, MIN, 2, 0, '']] });
  const second = await open(db);
  await second.onBars(BARS.slice(0, 3)); // bars 0 and 1 again (a redelivery) change nothing
  assert.equal(await brief(second), [[ORDER.clientOrderId, T0 + MIN, 'entry'], [ORDER.bracket!.exitClientOrderId, T0 + 3 * MIN, 'target']]);
});

s('a batch commits its calls together; a batch that failed stores none of them, and its re-run makes the same fills', async ({ t }) => {
  const db = t!.database.db;
  const fail = { exitOnce: true };
  const b = await open(db, fail);
  try {
    await b.batch(async () => {
      assert.ok((await b.placeOrder(ORDER)).ok);
      // inside the batch, its own uncommitted writes are read: the order and the entry fill
      assert.is((await b.orderStatus(ORDER.clientOrderId))?.status, 'working');
      await b.advanceTo('SPY', '1m', BARS[1]!.openTime);
      assert.equal(await brief(b), [[ORDER.clientOrderId, T0 + MIN, 'entry']]);
      await b.advanceTo('SPY', '1m', BARS[2]!.openTime); // the exit insert fails
    });
    assert.unreachable('the batch should have failed');
  } catch (err) {
    assert.is((err as Error).message, 'boom');
  }
  // the placement, the entry fill and the state of the first two calls went with the third
  assert.is(await b.orderStatus(ORDER.clientOrderId), undefined);
  assert.equal(await brief(b), []);
  assert.is(await state(db), undefined);
  // the broker forgot the rolled-back bracket too: a bar alone saves no bracket (no order exists)
  await b.batch(() => b.advanceTo('SPY', '1m', BARS[2]!.openTime));
  assert.equal((await state(db) as { brackets?: unknown } | undefined)?.brackets, {});
  // the redelivered batch (its placement catches up on bars 1 and 2)
  await b.batch(async () => {
    assert.ok((await b.placeOrder(ORDER)).ok);
    await b.advanceTo('SPY', '1m', BARS[1]!.openTime);
    await b.advanceTo('SPY', '1m', BARS[2]!.openTime);
  });
  assert.equal(await brief(b), [[ORDER.clientOrderId, T0 + MIN, 'entry'], [ORDER.bracket!.exitClientOrderId, T0 + 3 * MIN, 'target']]);
  assert.equal((await state(db))?.lastBar, { 'SPY:1m': T0 + 2 * MIN });
});

s('a failed batch reloads what the broker keeps in memory (working orders, fills) from Postgres: no rolled-back fill is served, and the re-run fills the order again', async ({ t }) => {
  const db = t!.database.db;
  const fail = { exitOnce: false };
  const b = await open(db, fail);
  // batch 1 commits the placement (bar 0, applied before it, fills nothing)
  await b.batch(async () => {
    await b.advanceTo('SPY', '1m', BARS[0]!.openTime);
    assert.ok((await b.placeOrder(ORDER)).ok);
  });
  assert.equal(await brief(b), [], 'no fill yet (read from the store once; then kept in memory)');
  // batch 2: bar 1 fills the entry (taking it out of the working orders in memory), bar 2's exit insert fails
  fail.exitOnce = true;
  try {
    await b.batch(async () => {
      await b.advanceTo('SPY', '1m', BARS[1]!.openTime);
      assert.equal(await brief(b), [[ORDER.clientOrderId, T0 + MIN, 'entry']], 'inside the batch: its own fill');
      await b.advanceTo('SPY', '1m', BARS[2]!.openTime);
    });
    assert.unreachable('the batch should have failed');
  } catch (err) {
    assert.is((err as Error).message, 'boom');
  }
  assert.equal(await brief(b), [], 'the rolled-back entry fill is not served from memory');
  assert.is((await b.orderStatus(ORDER.clientOrderId))?.status, 'working');
  // the redelivered batch: the order is working again in memory too, so bar 1 fills it and bar 2 exits
  await b.batch(async () => {
    await b.advanceTo('SPY', '1m', BARS[1]!.openTime);
    await b.advanceTo('SPY', '1m', BARS[2]!.openTime);
  });
  assert.equal(await brief(b), [[ORDER.clientOrderId, T0 + MIN, 'entry'], [ORDER.bracket!.exitClientOrderId, T0 + 3 * MIN, 'target']]);
  const stored = await db.selectFrom('broker_orders').select(['client_order_id', 'status']).orderBy('client_order_id').execute();
  assert.equal(stored, [{ client_order_id: ORDER.clientOrderId, status: 'filled' }, { client_order_id: ORDER.bracket!.exitClientOrderId, status: 'filled' }]);
});

s('resync reloads the book it keeps in memory: an order another broker placed on the same store meanwhile fills at the next bar', async ({ t }) => {
  const db = t!.database.db;
  const a = await open(db);
  await a.batch(() => a.advanceTo('SPY', '1m', BARS[0]!.openTime)); // A knows SPY has no working order
  const b = await open(db); // another incarnation held the book meanwhile
  await b.batch(async () => { assert.ok((await b.placeOrder(ORDER)).ok); });
  await a.resync();
  await a.batch(() => a.advanceTo('SPY', '1m', BARS[1]!.openTime));
  assert.equal(await brief(a), [[ORDER.clientOrderId, T0 + MIN, 'entry']]);
});

s.run();
