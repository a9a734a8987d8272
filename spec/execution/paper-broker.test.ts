/**
 * The paper broker on each store: in memory, Postgres and PGlite (the same test body). Prices
 * are worked by hand with the noise off: SPY, spread 1 bps (half = 0.5), σ 0.001, 100 shares into
 * a 10 000-share bar → impact 0.5 × 0.001 × sqrt(0.01) × 10⁴ = 0.5 bps → 1 bps in all.
 */
import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bar } from '../../actors/domain/messages.ts';
import { DEFAULT_COST_MODEL } from '../../actors/execution/index.ts';
import { type Broker, MemoryPaperBrokerStore, PaperBroker, type PaperBrokerStore, rejectionError } from '../../adapters/broker/index.ts';
import { pgPaperBrokerStore } from '../../adapters/db/broker-orders.repo.ts';
import { type TestDatabase, createTestDatabase, testDatabaseKinds } from '../helpers/database.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);
const T0 = Date.parse('2024-03-11T14:00:00Z'); // a Monday: London and New York open
const MIN = 60_000;
const costModel = { ...DEFAULT_COST_MODEL, noiseBps: 0 };

function bar(i: number, open: number, c: number, volume = 10_000): Bar {
  const openTime = T0 + i * MIN;
  return { id: `SPY:1m:${openTime}`, symbol: 'SPY', timeframe: '1m', openTime, closeTime: openTime + MIN, open, high: Math.max(open, c) + 0.1, low: Math.min(open, c) - 0.1, close: c, volume, count: 1 };
}

/** The signal bar 0 closed at 100.00; the decision is made at its close time. */
const order = { clientOrderId: 'SPY:1m:sig:entry', symbol: 'SPY', side: 'buy' as const, qty: 100, type: 'market' as const, hints: { sigma: 0.001, referencePrice: 100, timeframe: '1m' as const } };
const clockAt = (ms: number) => ({ now: () => ms });

type Ctx = { store: PaperBrokerStore; reopen?: () => Promise<PaperBrokerStore>; t?: TestDatabase };
const kinds = ['memory', ...testDatabaseKinds] as const;

for (const kind of kinds) {
  const s = suite<Ctx>(`paper broker (${kind})`);
  // One database per suite (creating one per test costs seconds); each test starts from an empty book.
  s.before(async (ctx) => {
    if (kind !== 'memory') ctx.t = await createTestDatabase(kind);
  });
  s.before.each(async (ctx) => {
    if (ctx.t === undefined) {
      ctx.store = new MemoryPaperBrokerStore();
      return;
    }
    const db = ctx.t.database.db;
    await sql`TRUNCATE broker_orders, broker_state`.execute(db);
    ctx.store = pgPaperBrokerStore(db);
    ctx.reopen = async () => pgPaperBrokerStore((await ctx.t!.reopen()).db);
  });
  s.after(async (ctx) => ctx.t?.cleanup());

  const open = (store: PaperBrokerStore, now = T0 + MIN) => PaperBroker.open({ store, costModel, clock: clockAt(now) });

  s('fills at the next bar open, never at the signal bar close', async ({ store }) => {
    const broker = await open(store);
    assert.ok((await broker.placeOrder(order)).ok);
    // the signal bar itself (opened before the order existed) fills nothing
    assert.equal(await broker.onBar(bar(0, 99.5, 100)), []);
    const [fill, ...more] = await broker.onBar(bar(1, 100.3, 100.6));
    assert.equal(more, []);
    close(fill!.price, 100.31003); // open 100.30 × 1.0001
    close(fill!.fees, 1); // 100 × 0.005 = 0.50 → minimum 1
    close(fill!.modelled!.totalBps, 1);
    close(fill!.realisedBps!, 31.003); // (100.31003 − 100) / 100 × 10⁴: the gap from the close is realised
    assert.is(fill!.time, T0 + MIN);
    assert.is(fill!.fillId, 'SPY:1m:sig:entry:fill');
    assert.is((await broker.orderStatus(order.clientOrderId))?.status, 'filled');
  });

  s('a second order with the same client order id is rejected and never filled twice', async ({ store }) => {
    const broker = await open(store);
    assert.ok((await broker.placeOrder(order)).ok);
    const again = await broker.placeOrder({ ...order, qty: 200 });
    assert.equal(again.ok ? 'accepted' : again.rejection.reason, 'duplicate_client_order_id');
    await broker.onBar(bar(1, 100.3, 100.6));
    await broker.onBar(bar(1, 100.3, 100.6)); // redelivered bar
    await broker.onBar(bar(2, 100.6, 100.7));
    const after = await broker.placeOrder(order); // still a duplicate once filled
    assert.not.ok(after.ok);
    const { fills } = await broker.fills();
    assert.is(fills.length, 1);
    assert.is(fills[0]!.qty, 100); // the first order's quantity, not the duplicate's
    if (!again.ok) {
      const err = rejectionError(again.rejection);
      assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_BROKER_DUPLICATE_ORDER'));
    }
  });

  s('refuses unknown symbols, off-step quantities and missing hints, naming the field', async ({ store }) => {
    const broker: Broker = await open(store);
    const reason = async (over: object): Promise<string> => {
      const r = await broker.placeOrder({ ...order, ...over });
      return r.ok ? 'accepted' : `${r.rejection.reason}:${r.rejection.field}`;
    };
    assert.is(await reason({ symbol: 'AAPL' }), 'unknown_symbol:symbol');
    assert.is(await reason({ qty: 1.5 }), 'invalid_order:qty');
    assert.is(await reason({ qty: 0 }), 'invalid_order:qty');
    assert.is(await reason({ hints: {} }), 'invalid_order:hints.sigma');
    assert.is(await reason({ type: 'limit' }), 'invalid_order:type');
    assert.is(await broker.orderStatus(order.clientOrderId), undefined); // nothing was stored
  });

  s('a cancelled order does not fill; cancel answers for unknown and finished orders', async ({ store }) => {
    const broker = await open(store);
    await broker.placeOrder(order);
    assert.equal(await broker.cancelOrder(order.clientOrderId), { ok: true });
    assert.equal(await broker.onBar(bar(1, 100.3, 100.6)), []);
    assert.equal(await broker.cancelOrder(order.clientOrderId), { ok: false, reason: 'not_cancellable', status: 'cancelled' });
    assert.equal(await broker.cancelOrder('nope'), { ok: false, reason: 'unknown_order' });
  });

  s('fills are read after a cursor, oldest first', async ({ store }) => {
    const broker = await open(store);
    await broker.placeOrder(order);
    await broker.onBar(bar(1, 100.3, 100.6));
    const first = await broker.fills();
    assert.is(first.fills.length, 1);
    await broker.placeOrder({ ...order, clientOrderId: 'SPY:1m:sig:exit', side: 'sell' });
    await broker.onBar(bar(2, 100.6, 100.7));
    const next = await broker.fills(first.cursor);
    assert.equal(next.fills.map((f) => f.clientOrderId), ['SPY:1m:sig:exit']);
    close(next.fills[0]!.price, 100.6 * (1 - 0.0001));
    assert.equal((await broker.fills(next.cursor)).fills, []);
  });

  s('recordFill saves the state given with it only when the fill is recorded', async ({ store }) => {
    const rec = { clientOrderId: 'x:entry', symbol: 'SPY', venue: 'equity' as const, side: 'buy' as const, qty: 1, status: 'working' as const, placedAt: T0, hints: {}, fill: null };
    assert.ok(await store.insertOrder(rec));
    await store.saveState({ n: 0 });
    const fill = { fillId: 'x:entry:fill', clientOrderId: 'x:entry', symbol: 'SPY', side: 'buy' as const, qty: 1, price: 100, fees: 1, time: T0 + MIN };
    assert.is((await store.recordFill('x:entry', fill, { n: 1 }))?.fillId, 'x:entry:fill');
    assert.equal(await store.loadState(), { n: 1 }, 'saved with the fill');
    assert.is(await store.recordFill('x:entry', fill, { n: 2 }), undefined, 'a second fill is refused');
    assert.equal(await store.loadState(), { n: 1 }, 'and so is its state');
    assert.is(await store.recordFill('nobody:entry', { ...fill, clientOrderId: 'nobody:entry' }, { n: 3 }), undefined);
    assert.equal(await store.loadState(), { n: 1 });
  });

  if (kind !== 'memory') {
    s('a restarted broker on the same database sees its orders: no second send, no second fill', async (ctx) => {
      const before = await open(ctx.store);
      assert.ok((await before.placeOrder(order)).ok);
      for (let i = -25; i < 0; i++) await before.onBar(bar(i, 100, 100, 10_000)); // 25 bars of history for the tracker

      const store = await ctx.reopen!(); // the process died; a new one opens the same database
      const after = await open(store);
      const resent = await after.placeOrder(order);
      assert.equal(resent.ok ? 'accepted' : resent.rejection.reason, 'duplicate_client_order_id');
      assert.is((await after.orderStatus(order.clientOrderId))?.status, 'working');
      // the restored tracker still knows the history: a 100-share bar is below its 10th percentile (10 000)
      const [fill] = await after.onBar(bar(1, 100.3, 100.6, 100));
      assert.equal(fill!.lowLiquidity, ['thin_volume']);
      // thin: (0.5 + 0.5 × 0.001 × sqrt(min(100/100, 1)) × 10⁴) × 2 = (0.5 + 5) × 2 = 11 bps
      close(fill!.modelled!.totalBps, 11);
      assert.equal(await after.onBar(bar(2, 100.6, 100.7)), []);
      assert.is((await after.fills()).fills.length, 1);
    });
  }

  s.run();
}
