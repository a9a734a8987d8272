/**
 * One order of events: the gateway moves the paper broker at each bar mark order intake puts on
 * ORDERS before that bar's intent, and feeds the broker's answers and fills straight back to its
 * processor, so an intent is decided knowing every fill of the bars up to its own — however late
 * the copies of those results come back on ORDERS (they are then recognised and skipped). Run as
 * the stage runner runs it with `effectEach`: apply one message, then its effect. Real paper
 * broker, in-memory book; expected fills and decisions worked by hand from the bars below.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { executionGatewayStage } from '../../actors/gateway/gateway.actor.ts';
import { GatewayProcessor, type GatewayOutput, type GatewayState } from '../../actors/gateway/gateway-processor.ts';
import { DEFAULT_COST_MODEL } from '../../actors/execution/index.ts';
import { parseOrdersMessage, type OrdersMessage } from '../../actors/execution/order-messages.ts';
import type { Bar } from '../../actors/domain/messages.ts';
import { MemoryPaperBrokerStore, PaperBroker } from '../../adapters/broker/index.ts';
import { audits, intent, MIN, PARAMS, publishes, T0 } from './fixtures.ts';

const s = suite('gateway data order');

const bar = (k: number, open: number, high: number, low: number, close: number): Bar => {
  const openTime = T0 + k * MIN;
  return { id: `SPY:1m:${openTime}`, symbol: 'SPY', timeframe: '1m', openTime, closeTime: openTime + MIN, open, high, low, close, volume: 1_000_000, count: 1 };
};
// b0: the first signal bar; b1 opens at 100 (the entry fills there) and stays inside 99..102;
// b2 trades up to 102.5: the target 102 is hit, the position closes; b3: quiet.
const BARS = [bar(0, 100, 100.2, 99.8, 100), bar(1, 100, 100.5, 99.6, 100.1), bar(2, 100.2, 102.5, 100.1, 102.2), bar(3, 102.2, 102.4, 102, 102.1)];
const mark = (k: number): OrdersMessage => ({ kind: 'bar', symbol: 'SPY', timeframe: '1m', openTime: T0 + k * MIN });

async function gateway(snapshot?: GatewayState, store = new MemoryPaperBrokerStore()) {
  const broker = await PaperBroker.open({
    store, costModel: DEFAULT_COST_MODEL, clock: { now: () => T0 },
    storedBars: async (_s, _tf, from, to) => BARS.filter((b) => b.openTime >= from && b.openTime <= to),
  });
  const stage = executionGatewayStage({ params: { ...PARAMS, simulatedApprover: 'sim' }, costModel: DEFAULT_COST_MODEL, broker: async () => broker });
  const p = stage.create(snapshot) as GatewayProcessor;
  const run = async (m: OrdersMessage) => {
    const applied = p.apply(m);
    return applied.length > 0 ? stage.effect!(applied) : applied;
  };
  return { p, run, store };
}
const skips = (out: GatewayOutput[]) => out.flatMap((o) => (o.kind === 'audit' && o.entry.action === 'intent.skipped' ? [o.entry.details['reason']] : []));
const fillsOf = (out: GatewayOutput[]) => out.flatMap((o) => (o.kind === 'fill' ? [{ leg: o.fill.leg, time: o.fill.time, reason: o.fill.exitReason ?? null }] : []));

s('an intent is decided after the fills of the bars up to its own: skipped while the position is open, sent once the target closed it', async () => {
  const { p, run } = await gateway();
  assert.equal(await run(mark(0)), [{ kind: 'advance', symbol: 'SPY', timeframe: '1m', openTime: T0 }]);
  const first = await run(intent(0));
  assert.ok(audits(first).includes('order.approved'), 'approved by the simulated person');
  assert.equal(publishes(first).map((o) => o.id), [`sent:SPY:1m:${T0}:entry`]);
  // b1: the entry fills at b1's open, fed back in the same effect: the position is open
  const onB1 = await run(mark(1));
  assert.equal(fillsOf(onB1), [{ leg: 'entry', time: T0 + MIN, reason: null }]);
  assert.ok(onB1.some((o) => o.kind === 'position'));
  assert.equal(skips(await run(intent(1))), ['position_open']);
  // b2: the target is hit on b2, so the signal of b2 finds the symbol free
  // an exit is stamped at the close of the bar that hit it
  assert.equal(fillsOf(await run(mark(2))), [{ leg: 'exit', time: T0 + 3 * MIN, reason: 'target' }]);
  assert.is(p.state.trades, 1);
  const third = await run(intent(2));
  assert.equal(skips(third), []);
  assert.equal(publishes(third).map((o) => o.id), [`sent:SPY:1m:${T0 + 2 * MIN}:entry`]);
});

s('the copies of fed results read back from ORDERS change nothing, whenever they arrive', async () => {
  const { p, run } = await gateway();
  const published: ReturnType<typeof publishes> = [];
  for (const m of [mark(0), intent(0), mark(1), mark(2)]) published.push(...publishes(await run(m)));
  const before = JSON.stringify(p.snapshot());
  const echoes = published.filter((o) => /^(orders\.(sent|failed|cancelled)|fills)\./.test(o.subject));
  assert.equal(echoes.map((o) => o.subject), ['orders.sent.SPY', 'fills.SPY', 'fills.SPY']);
  for (const e of echoes) assert.equal(p.apply(parseOrdersMessage(e.subject, JSON.parse(JSON.stringify(e.value)))), [], `${e.id} skipped`);
  const after = p.snapshot() as GatewayState;
  assert.is(JSON.stringify(after), before);
  assert.is(after.trades, 1);
});

s('a crash after the broker filled and before the commit: the restarted gateway reads the fill again from its checkpointed cursor', async () => {
  const store = new MemoryPaperBrokerStore();
  const first = await gateway(undefined, store);
  await first.run(mark(0));
  await first.run(intent(0));
  const committed = structuredClone(first.p.snapshot());
  // the batch with b1's mark: the broker fills the entry, then the process dies before the commit
  assert.equal(fillsOf(await first.run(mark(1))), [{ leg: 'entry', time: T0 + MIN, reason: null }]);
  // the next incarnation: same book (the broker's store is durable), processor from the checkpoint
  const second = await gateway(committed, store);
  const redo = await second.run(mark(1));
  assert.equal(fillsOf(redo), [{ leg: 'entry', time: T0 + MIN, reason: null }], 'the fill is applied, once');
  assert.equal(skips(await second.run(intent(1))), ['position_open']);
});

s.run();
