/**
 * A gateway batch's rows written in multi-row statements (gateway-rows.repo.ts) end exactly as the
 * row-by-row writes in output order left them. The oracle is the row-by-row path itself
 * (insertOrder, else setOrderStatus; insertFill; savePosition), run on the same rows from the same
 * start; the cases are the ones where the two could differ: an order with several rows in one batch,
 * an order stored before the batch, a second client order id for a stored (signal, leg), a fill id
 * twice, a position opened and closed in one batch, a closed snapshot followed by another one, and
 * a position closed before the batch.
 */
import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PositionSnapshot } from '../../actors/execution/position.ts';
import { insertFill, insertFillRows, insertOrder, saveOrderRows, savePosition, savePositionRows, setOrderStatus, type FillRecord, type OrderRecord } from '../../adapters/db/index.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/database.ts';

const modelled = { halfSpreadBps: 0.5, impactBps: 0, liquidityMultiplier: 1, noiseBps: 0, totalBps: 0.5 };
const order = (id: string, signalId: string, status: string, at: number): OrderRecord => ({
  clientOrderId: id, signalId, leg: 'entry', symbol: 'SPY', side: 'buy', qty: 10, status, decisionPrice: 100, modelled, config: { k: at }, createdAt: at, updatedAt: at, configVersion: at === 1 ? null : 3,
});
const fill = (id: string, price: number): FillRecord => ({
  fillId: `${id}:fill`, clientOrderId: id, signalId: id.replace(/:entry$/, ''), leg: 'entry', symbol: 'SPY', side: 'buy', qty: 10, price, fees: 0.1, filledAt: 5,
  modelledBps: 0.5, realisedBps: price === 101 ? null : 1.5, detail: { barId: 'b', exitReason: null },
});
const snap = (id: string, closedAt: number | null, barsHeld: number, entryPrice = 100): PositionSnapshot => ({
  version: 1, spec: { id, symbol: 'SPY', timeframe: '1m', direction: 'long', decisionPrice: 100, stop: 99, target: 102, timeStopBars: 20 },
  entry: { price: entryPrice, qty: 10, fees: 0.1, time: 1 }, barsHeld, lastBarOpenTime: barsHeld,
  closed: closedAt === null ? null : { exitTime: closedAt, exitPrice: 102, pnl: 19.8, r: 1.9 + barsHeld, reason: 'target', barsHeld, gap: false },
} as unknown as PositionSnapshot);

// before the batch: order s0 sent, order s9 under id s9:entry; position p0 closed, p1 open
async function before(db: Db): Promise<void> {
  await insertOrder(db, order('s0:entry', 's0', 'sent', 1));
  await insertOrder(db, order('s9:entry', 's9', 'working', 1));
  await savePosition(db, snap('p0', 7, 2));
  await savePosition(db, snap('p1', null, 1));
}
const orders = [
  order('s1:entry', 's1', 'working', 2), order('s1:entry', 's1', 'sent', 3), order('s0:entry', 's0', 'filled', 4), order('s1:entry', 's1', 'filled', 6),
  order('s9:other', 's9', 'working', 2), order('s2:entry', 's2', 'working', 7),
];
const fills = [fill('s1:entry', 100.5), fill('s0:entry', 101), fill('s1:entry', 100.7)];
const positions = [
  snap('p2', null, 0), snap('p2', null, 1, 99), snap('p2', 9, 2), snap('p2', 10, 3), // opened, then closed twice in one batch
  snap('p0', null, 5), snap('p1', null, 2), snap('p1', 8, 3), snap('p3', 11, 1),
];

async function tables(db: Db): Promise<unknown> {
  const o = await sql`SELECT * FROM orders ORDER BY client_order_id`.execute(db);
  const f = await sql`SELECT * FROM fills ORDER BY fill_id`.execute(db);
  const p = await sql`SELECT id, symbol, direction, status, qty, entry_price, opened_at, closed_at, exit_price, pnl, r, snapshot FROM positions ORDER BY id`.execute(db);
  return { orders: o.rows, fills: f.rows, positions: p.rows };
}

for (const kind of testDatabaseKinds) {
  const s = suite<{ t?: TestDatabase }>(`gateway rows in multi-row statements (${kind})`);
  s.before(async (ctx) => { ctx.t = await createTestDatabase(kind); });
  s.before.each(async (ctx) => { await sql`TRUNCATE fills, orders, positions`.execute(ctx.t!.database.db); });
  s.after(async (ctx) => ctx.t?.cleanup());

  s('orders, fills and positions end as the row-by-row writes leave them', async ({ t }) => {
    const db = t!.database.db;
    await before(db);
    await db.transaction().execute(async (tx) => {
      for (const r of orders) if (!(await insertOrder(tx, r))) await setOrderStatus(tx, r.clientOrderId, r.status, r.updatedAt);
      for (const f of fills) await insertFill(tx, f);
      for (const p of positions) await savePosition(tx, p);
    });
    const oneByOne = await tables(db);
    await sql`TRUNCATE fills, orders, positions`.execute(db);
    await before(db);
    await db.transaction().execute(async (tx) => {
      await saveOrderRows(tx, orders);
      await insertFillRows(tx, fills);
      await savePositionRows(tx, positions);
    });
    assert.equal(await tables(db), oneByOne);
    // and by hand: s1 ends with its first row's fields and its last status; p2 with its first closed snapshot
    const s1 = (oneByOne as { orders: { client_order_id: string; status: string; created_at: unknown; updated_at: unknown }[] }).orders.find((r) => r.client_order_id === 's1:entry')!;
    assert.equal([s1.status, Number(s1.created_at), Number(s1.updated_at)], ['filled', 2, 6]);
    const p2 = (oneByOne as { positions: { id: string; closed_at: unknown; entry_price: number }[] }).positions.find((r) => r.id === 'p2')!;
    assert.equal([Number(p2.closed_at), p2.entry_price], [9, 100]);
    assert.is((oneByOne as { orders: unknown[] }).orders.length, 4, 's9:other is not stored: (s9, entry) is');
  });

  s.run();
}
