/**
 * Cancel on trip: when the breaker trips, every entry still working at the broker (`sent`, not
 * filled) is cancelled through the Broker port and finishes `cancelled`; an open position keeps
 * its bracket; a cancel that comes too late (the broker filled first) leaves the fill to open the
 * position as usual, whichever of the answer and the fill the gateway reads first. The effect is
 * run against the real paper broker (in-memory book).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GatewayProcessor, type GatewayOutput } from '../../actors/gateway/gateway-processor.ts';
import { cancelOutcome, executionGatewayStage } from '../../actors/gateway/gateway.actor.ts';
import type { BookOrder } from '../../actors/execution/gateway-policy.ts';
import { DEFAULT_COST_MODEL } from '../../actors/execution/index.ts';
import type { Bar } from '../../actors/domain/messages.ts';
import { MemoryPaperBrokerStore, PaperBroker } from '../../adapters/broker/index.ts';
import { approve, audits, coid, fill, intent, MIN, PARAMS, publishes, sent, statuses, T0 } from './fixtures.ts';

const s = suite('gateway cancel on trip');
const BAD = { realised: 3, modelled: 1 };
const USDT = 'BTC/USDT';

/**
 * SPY filled (position open, realised 3 vs modelled 1), BTC/USDT sent and working; then the
 * BTC-PERP entry fill, also 3 vs 1, fills the 2-fill window: ratio (3+3)/(1+1) = 3 > 1.5 → trip.
 */
function trippedWithWorkingOrder() {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  p.apply(approve(0));
  p.apply(sent(0));
  p.apply(fill(0, 'entry', 100, T0 + MIN, BAD));
  p.apply(intent(1, USDT));
  p.apply(approve(1, USDT));
  p.apply(sent(1, USDT));
  p.apply(intent(2, 'BTC-PERP'));
  p.apply(approve(2, 'BTC-PERP'));
  p.apply(sent(2, 'BTC-PERP'));
  const tripped = p.apply(fill(2, 'entry', 100, T0 + 3 * MIN, BAD, 'BTC-PERP'));
  return { p, tripped };
}
const cancels = (out: GatewayOutput[]) => out.flatMap((o) => (o.kind === 'cancel' ? [o.order.clientOrderId] : []));

s('a trip asks the broker to cancel the one working entry, not the open positions', () => {
  const { p, tripped } = trippedWithWorkingOrder();
  assert.ok(audits(tripped).includes('breaker.tripped'));
  assert.equal(cancels(tripped), [coid(1, USDT)]);
  assert.ok(audits(tripped).includes('order.cancel_requested'));
  assert.is(p.state.orders[coid(0)]?.status, 'filled');
  assert.is(p.state.orders[coid(2, 'BTC-PERP')]?.status, 'filled');
  // another trip-worthy message asks nothing again
  assert.equal(cancels(p.apply(fill(0, 'exit', 101, T0 + 4 * MIN, BAD))), []);
});

s('the broker answer cancelled finishes the order cancelled, audited, out of the book', () => {
  const { p } = trippedWithWorkingOrder();
  const out = p.apply({ kind: 'cancelled', clientOrderId: coid(1, USDT), symbol: USDT, at: T0 + 3 * MIN, outcome: 'cancelled' });
  assert.equal(statuses(out), ['cancelled']);
  assert.ok(audits(out).includes('order.cancelled'));
  assert.is(p.state.orders[coid(1, USDT)], undefined);
  assert.is(p.state.finished.cancelled, 1);
  assert.equal(p.apply({ kind: 'cancelled', clientOrderId: coid(1, USDT), symbol: USDT, at: T0 + 3 * MIN, outcome: 'cancelled' }), []);
});

s('too late, answer first: the order stays sent and its fill then opens the position as usual', () => {
  const { p } = trippedWithWorkingOrder();
  const late = p.apply({ kind: 'cancelled', clientOrderId: coid(1, USDT), symbol: USDT, at: T0 + 3 * MIN, outcome: 'filled' });
  assert.equal(statuses(late), []);
  assert.equal(audits(late), ['order.cancel_too_late']);
  const opened = p.apply(fill(1, 'entry', 100, T0 + 2 * MIN, { realised: 1, modelled: 1 }, USDT));
  assert.equal(statuses(opened), ['filled']);
  assert.equal(publishes(opened).map((o) => o.id), [`position:${USDT}:1m:${T0 + MIN}:open`]);
});

s('too late, fill first: the position opens, and the later answer changes nothing', () => {
  const { p } = trippedWithWorkingOrder();
  assert.equal(statuses(p.apply(fill(1, 'entry', 100, T0 + 2 * MIN, { realised: 1, modelled: 1 }, USDT))), ['filled']);
  const late = p.apply({ kind: 'cancelled', clientOrderId: coid(1, USDT), symbol: USDT, at: T0 + 3 * MIN, outcome: 'filled' });
  assert.equal(statuses(late), []);
  assert.is(p.state.orders[coid(1, USDT)]?.status, 'filled');
});

s("the broker's cancel answers map to outcomes: a repeat cancel after a crash is still cancelled", () => {
  assert.is(cancelOutcome({ ok: true }), 'cancelled');
  assert.is(cancelOutcome({ ok: false, reason: 'not_cancellable', status: 'cancelled' }), 'cancelled');
  assert.is(cancelOutcome({ ok: false, reason: 'not_cancellable', status: 'filled' }), 'filled');
  assert.is(cancelOutcome({ ok: false, reason: 'unknown_order' }), 'unknown');
});

const T1 = Date.parse('2024-03-11T14:00:00Z'); // a Monday, in session
const bar = (i: number, open: number): Bar => {
  const openTime = T1 + i * MIN;
  return { id: `SPY:1m:${openTime}`, symbol: 'SPY', timeframe: '1m', openTime, closeTime: openTime + MIN, open, high: open + 0.5, low: open - 0.5, close: open, volume: 10_000, count: 1 };
};
const book = (id: string): BookOrder => ({
  clientOrderId: id, signalId: id.replace(/:entry$/, ''), symbol: 'SPY', timeframe: '1m', direction: 'long', qty: 100, entry: 100, stop: 99, target: 102, atr: 0.1,
  decidedAt: T1 + MIN, status: 'sent', approvedBy: 'ann', entryFill: null,
});

s('the effect cancels a working order at the paper broker and publishes orders.cancelled; one already filled is answered filled with its fill', async () => {
  const store = new MemoryPaperBrokerStore();
  const broker = await PaperBroker.open({ store, costModel: DEFAULT_COST_MODEL, clock: { now: () => T1 + MIN } });
  const place = (id: string) => broker.placeOrder({
    clientOrderId: id, symbol: 'SPY', side: 'buy', qty: 100, type: 'market', hints: { sigma: 0.001, referencePrice: 100, timeframe: '1m', decisionTime: T1 + MIN },
    bracket: { stop: 99, target: 102, timeStopBars: 20, exitClientOrderId: id.replace(/:entry$/, ':exit') },
  });
  assert.ok((await place('SPY:a:entry')).ok);
  const stage = executionGatewayStage({ params: PARAMS, costModel: DEFAULT_COST_MODEL, broker: async () => broker });
  stage.create(undefined); // the effect feeds the broker's answers to the stage's processor
  const out1 = await stage.effect!([{ kind: 'cancel', order: book('SPY:a:entry'), at: T1 + MIN }]);
  const pub1 = publishes(out1);
  assert.equal(pub1.map((o) => [o.subject, o.id]), [['orders.cancelled.SPY', 'cancelled:SPY:a:entry']]);
  assert.is((pub1[0]?.value as { outcome: string }).outcome, 'cancelled');
  assert.is((await broker.orderStatus('SPY:a:entry'))?.status, 'cancelled');
  // the bar at T1 + 1 min fills nothing now: the order was cancelled
  assert.equal(await broker.onBar(bar(1, 100)), []);

  assert.ok((await place('SPY:b:entry')).ok);
  await broker.onBar(bar(2, 100.2)); // fills b at the open of the next bar (at or after its decision time)
  const out2 = await stage.effect!([{ kind: 'cancel', order: book('SPY:b:entry'), at: T1 + 3 * MIN }]);
  const pub2 = publishes(out2);
  assert.equal(pub2.map((o) => o.id), ['cancelled:SPY:b:entry', 'SPY:b:entry:fill']);
  assert.is((pub2[0]?.value as { outcome: string }).outcome, 'filled');
});

s.run();
