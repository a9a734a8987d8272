/** orders, fills and positions repositories; the same body on Postgres and on PGlite. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ExitPricer, Position } from '../../actors/execution/index.ts';
import { clientOrderIdFor, getOrder, insertFill, insertOrder, listFills, setOrderStatus, type FillRecord, type OrderRecord } from '../../adapters/db/orders.repo.ts';
import { getPositionSnapshot, listClosedTrades, listOpenPositions, savePosition } from '../../adapters/db/positions.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { type TestDatabase, createTestDatabase, testDatabaseKinds } from '../helpers/database.ts';
import { T0 } from './fixtures.ts';

const SIG = 'SPY:1m:1700000000000';
const modelled = { halfSpreadBps: 0.5, impactBps: 0.5, liquidityMultiplier: 1, noiseBps: 0.1, totalBps: 1.1 };
const entryOrder: OrderRecord = {
  clientOrderId: clientOrderIdFor(SIG, 'entry'),
  signalId: SIG,
  leg: 'entry',
  symbol: 'SPY',
  side: 'buy',
  qty: 714,
  status: 'sent',
  decisionPrice: 450,
  modelled,
  config: { impactK: 0.5, riskPerTrade: 0.005 },
  createdAt: T0,
  updatedAt: T0,
};
const fill: FillRecord = {
  fillId: `${entryOrder.clientOrderId}:fill`,
  clientOrderId: entryOrder.clientOrderId,
  signalId: SIG,
  leg: 'entry',
  symbol: 'SPY',
  side: 'buy',
  qty: 714,
  price: 450.2,
  fees: 3.57,
  filledAt: T0 + 60_000,
  modelledBps: 1.1,
  realisedBps: 4.444,
  detail: { barId: 'SPY:1m:1700000060000' },
};

for (const kind of testDatabaseKinds) {
  const s = suite<{ t: TestDatabase; db: Db }>(`execution repositories (${kind})`);
  s.before(async (ctx) => {
    ctx.t = await createTestDatabase(kind);
    ctx.db = ctx.t.database.db;
  });
  s.after(async (ctx) => ctx.t?.cleanup());

  s('an order is stored once per client order id and once per signal and leg', async ({ db }) => {
    assert.is(await insertOrder(db, entryOrder), true);
    assert.is(await insertOrder(db, { ...entryOrder, qty: 1 }), false); // redelivery: first copy wins
    assert.is(await insertOrder(db, { ...entryOrder, clientOrderId: 'other-id' }), false); // a second entry for the signal
    assert.equal(await getOrder(db, entryOrder.clientOrderId), entryOrder);
    assert.is(await setOrderStatus(db, entryOrder.clientOrderId, 'filled', T0 + 60_000), true);
    assert.is((await getOrder(db, entryOrder.clientOrderId))?.status, 'filled');
    assert.is(await setOrderStatus(db, 'nope', 'filled', T0), false);
  });

  s('a fill is stored once and carries modelled and realised slippage', async ({ db }) => {
    assert.is(await insertFill(db, fill), true);
    assert.is(await insertFill(db, { ...fill, price: 1 }), false);
    assert.equal(await listFills(db, { signalId: SIG }), [fill]);
    assert.equal(await listFills(db, { signalId: 'other' }), []);
  });

  s('a position advances while open and is final once closed', async ({ db }) => {
    const pricer: ExitPricer = (t) => ({ price: t.triggerPrice, fees: 1 });
    const p = Position.open(
      { id: SIG, symbol: 'SPY', timeframe: '1m', direction: 'long', decisionPrice: 450, stop: 449.3, target: 451.4, timeStopBars: 20 },
      { price: 450.2, qty: 714, fees: 3.57, time: T0 + 60_000 },
    );
    const bar = (i: number, low: number, high: number) => {
      const openTime = T0 + i * 60_000;
      return { id: `SPY:1m:${openTime}`, symbol: 'SPY', timeframe: '1m' as const, openTime, closeTime: openTime + 60_000, open: 450.2, high, low, close: 450.3, volume: 1e5, count: 1 };
    };
    assert.is(await savePosition(db, p.snapshot()), true);
    p.onBar(bar(1, 450, 450.5), pricer);
    const openSnap = p.snapshot();
    assert.is(await savePosition(db, openSnap), true);
    assert.equal(await listOpenPositions(db), [openSnap]);
    p.onBar(bar(2, 449.2, 450.5), pricer); // stop
    const closedSnap = p.snapshot();
    assert.is(await savePosition(db, closedSnap), true);
    assert.is(await savePosition(db, openSnap), false); // a stale open snapshot cannot reopen it
    assert.equal(await getPositionSnapshot(db, SIG), closedSnap);
    assert.equal(await listOpenPositions(db), []);
    assert.equal(await listClosedTrades(db), [closedSnap.closed!]);
    assert.equal(Position.restore((await getPositionSnapshot(db, SIG))!).trade, p.trade);
  });

  s.run();
}
