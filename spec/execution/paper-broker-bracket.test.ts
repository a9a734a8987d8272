/**
 * The paper broker's bracket exits and its catch-up: an order placed after the broker already
 * saw the next bars fills and exits exactly as one that was working when they came. Prices by
 * hand with the noise off: SPY, half spread 0.5 bps + impact 0.5 × 0.001 × sqrt(100 / 10 000) ×
 * 10⁴ = 0.5 bps → 1 bps each way; fees max(1, 0.005 × 100) = 1 per order.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_COST_MODEL } from '../../actors/execution/index.ts';
import { MemoryPaperBrokerStore, PaperBroker, type BrokerFill } from '../../adapters/broker/index.ts';
import { BARS, MIN, ORDER, T0, bar } from './bracket-fixture.ts';

const s = suite('paper broker brackets');
const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

async function broker() {
  const store = new MemoryPaperBrokerStore();
  const b = await PaperBroker.open({
    store, costModel: { ...DEFAULT_COST_MODEL, noiseBps: 0 }, clock: { now: () => 0 },
    storedBars: async (_sym, _tf, from, to) => BARS.filter((x) => x.openTime >= from && x.openTime <= to),
  });
  return { store, b };
}
const strip = (f: BrokerFill) => ({ ...f, cursor: undefined });

s('the entry fills at the next open and the bracket exits at the target with slippage against the order', async () => {
  const { b } = await broker();
  assert.ok((await b.placeOrder(ORDER)).ok);
  const fills: BrokerFill[] = [];
  for (const x of BARS) fills.push(...(await b.onBar(x)));
  assert.equal(fills.map((f) => f.clientOrderId), ['SPY:1m:sig:entry', 'SPY:1m:sig:exit']);
  close(fills[0]!.price, 100 * 1.0001); // bar 1's open + 1 bps
  assert.is(fills[0]!.time, T0 + MIN);
  close(fills[1]!.price, 100.5 * 0.9999); // the target − 1 bps (a sell)
  assert.equal(fills[1]!.exit, { reason: 'target', barsHeld: 2, gap: false, entryClientOrderId: 'SPY:1m:sig:entry' });
  assert.is(fills[1]!.time, BARS[2]!.closeTime);
});

s('placed after the broker saw the bars, it catches up to the same fills', async () => {
  const live = await broker();
  await live.b.placeOrder(ORDER);
  for (const x of BARS) await live.b.onBar(x);
  const late = await broker();
  for (const x of BARS) await late.b.onBar(x);
  assert.ok((await late.b.placeOrder(ORDER)).ok);
  const a = (await live.b.fills()).fills.map(strip);
  const c = (await late.b.fills()).fills.map(strip);
  assert.is(c.length, 2);
  assert.equal(c, a);
  // a second placement is a duplicate and fills nothing more
  const again = await late.b.placeOrder(ORDER);
  assert.is(again.ok ? 'ok' : again.rejection.reason, 'duplicate_client_order_id');
  assert.is((await late.b.fills()).fills.length, 2);
});

s('a bar touching both stop and target exits at the stop', async () => {
  const { b } = await broker();
  await b.placeOrder(ORDER);
  await b.onBar(BARS[0]!);
  await b.onBar(BARS[1]!);
  const both = bar(2, 100, 100.6, 98.9, 100);
  const [exit] = await b.onBar(both);
  assert.is(exit?.exit?.reason, 'stop');
  close(exit!.price, 99 * 0.9999);
});

s.run();
