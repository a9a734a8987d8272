/**
 * Approvals expire by real time in live intake (docs/execution.md, "The gateway clock"): a live
 * intent (received within FAKEOUT_SIGNAL_MAX_AGE of its decision time) pending approval expires
 * on an `orders.clock` tick past FAKEOUT_APPROVAL_TTL from its receipt, and a late approval of it
 * is refused; a replay's intents (no receivedAt, or received late) are never expired by ticks, and
 * a tick never moves the data clock. Also order-intake's stamp and the ticker machine's interval.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { GatewayProcessor, type GatewayOutput, type GatewayParams } from '../../actors/gateway/gateway-processor.ts';
import { orderIntakeStage } from '../../actors/gateway/gateway.actor.ts';
import { clockTick } from '../../actors/gateway/clock-tick.actor.ts';
import { ordersMsgId, ordersSubject, parseOrdersMessage, type OrderIntent, type OrdersMessage } from '../../actors/execution/order-messages.ts';
import type { ScoreMessage, Signal } from '../../actors/domain/messages.ts';
import { DEFAULT_BREAKER_THRESHOLDS } from '../../actors/risk/thresholds.ts';
import { tickerMachine } from '../../machines/ticker.machine.ts';

const s = suite('gateway wall clock');

const SEC = 1000;
const MIN = 60 * SEC;
const T0 = Date.UTC(2024, 0, 2, 14, 0);
/** max age 5 min, TTL 30 min */
const PARAMS: GatewayParams = {
  startingEquity: 100_000, riskPerTrade: 0.005, maxLeverage: 4, signalMaxAgeMs: 5 * MIN, approvalTtlMs: 30 * MIN, timeStopBars: 20,
  gate: { gatedTrades: 2, regateTrades: 1 },
  breaker: { ...DEFAULT_BREAKER_THRESHOLDS, slippageWindow: 2, slippageRatio: 1.5, cooldownMs: 10 * MIN },
};
/** SPY 1m bar opening at T0: decision time (its close) T0 + 1 min */
const DECIDED = T0 + MIN;
const intent = (receivedAt?: number): OrderIntent => ({
  kind: 'intent', id: `intent:SPY:1m:${T0}`, signalId: `SPY:1m:${T0}`, symbol: 'SPY', timeframe: '1m', direction: 'long',
  openTime: T0, entry: 100, stop: 99, target: 102, atr: 0.5, score: 80, ...(receivedAt === undefined ? {} : { receivedAt }),
});
const COID = `SPY:1m:${T0}:entry`;
const tick = (at: number): OrdersMessage => ({ kind: 'tick', symbol: 'clock', at });
const approve = (at: number): OrdersMessage => ({ kind: 'approved', clientOrderId: COID, symbol: 'SPY', user: 'ann', role: 'approver', at });
const statuses = (out: GatewayOutput[]) => out.flatMap((o) => (o.kind === 'order' ? [o.row.status] : []));
const audit = (out: GatewayOutput[], action: string) => out.flatMap((o) => (o.kind === 'audit' && o.entry.action === action ? [o.entry.details] : []));

// received 10 s after the bar closed: live (10 s ≤ 5 min); wall TTL ends at RECEIVED + 30 min
const RECEIVED = DECIDED + 10 * SEC;

s('a live pending approval expires on the first tick more than the TTL after its receipt, not before', () => {
  const p = new GatewayProcessor(PARAMS);
  assert.equal(statuses(p.apply(intent(RECEIVED))), ['pending_approval']);
  assert.equal(p.apply(tick(RECEIVED + 30 * MIN)), []); // exactly the TTL: not past it
  const out = p.apply(tick(RECEIVED + 30 * MIN + 1));
  assert.equal(statuses(out), ['expired']);
  const [details] = audit(out, 'order.expired');
  assert.is(details?.reason, 'ttl (wall clock)');
  assert.is(p.state.orders[COID], undefined);
  assert.is(p.state.finished.expired, 1);
});

s('a tick never moves the data clock: the clock stays at the decision time and an old replay intent is not stale', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(RECEIVED));
  p.apply(tick(RECEIVED + 3 * 60 * MIN)); // three hours later
  assert.is(p.state.clock, DECIDED);
  // a BTC-PERP intent decided 2 min before the gateway clock would be fresh (2 min ≤ 5 min)
  const btc: OrderIntent = { ...intent(), id: `intent:BTC-PERP:1m:${T0 - 2 * MIN}`, signalId: `BTC-PERP:1m:${T0 - 2 * MIN}`, symbol: 'BTC-PERP', openTime: T0 - 2 * MIN };
  assert.equal(statuses(p.apply(btc)), ['pending_approval']);
});

s('a replay intent (no receivedAt) is never expired by ticks and is still sent on approval', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent());
  assert.equal(p.apply(tick(DECIDED + 10 * 60 * MIN)), []);
  const out = p.apply(approve(DECIDED + 10 * 60 * MIN));
  assert.equal(statuses(out), ['sent']);
});

s('an intent received later than the max age after its decision is a backfill: not live, ticks leave it', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(DECIDED + 5 * MIN + 1)); // 5 min + 1 ms after the close: not live
  assert.equal(p.apply(tick(DECIDED + 5 * 60 * MIN)), []);
  assert.is(p.state.orders[COID]?.status, 'pending_approval');
  // received exactly 5 min after: live (≤), and so expired by a tick 30 min + 1 ms after
  const q = new GatewayProcessor(PARAMS);
  q.apply(intent(DECIDED + 5 * MIN));
  assert.equal(statuses(q.apply(tick(DECIDED + 5 * MIN + 30 * MIN + 1))), ['expired']);
});

s('a live approval given after the TTL by its own wall time is refused as expired and never sent', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(RECEIVED));
  const out = p.apply(approve(RECEIVED + 3 * 60 * MIN)); // three hours later, no traffic in between
  assert.equal(statuses(out), ['expired']);
  assert.equal(out.filter((o) => o.kind === 'send'), []);
  assert.is(audit(out, 'order.expired')[0]?.reason, 'ttl (wall clock)');
  assert.equal(audit(out, 'order.approved'), []);
  // within the TTL (29 min after receipt) the same approval sends
  const q = new GatewayProcessor(PARAMS);
  q.apply(intent(RECEIVED));
  assert.equal(statuses(q.apply(approve(RECEIVED + 29 * MIN))), ['sent']);
});

s('a restored processor keeps the receipt time: ticks after a restart still expire the live order', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(RECEIVED));
  const restored = new GatewayProcessor(PARAMS, JSON.parse(JSON.stringify(p.snapshot())));
  assert.equal(statuses(restored.apply(tick(RECEIVED + 31 * MIN))), ['expired']);
});

s('order-intake turns a scored bar into its bar mark, then its intent stamped by the injected clock; both round-trip through the parser', () => {
  const stage = orderIntakeStage({ now: () => 1_700_000_000_000 });
  const signal = { id: 'SPY:1m:1', symbol: 'SPY', timeframe: '1m', direction: 'long', openTime: 1, entry: 100, stop: 99, target: 102, score: 80, features: { atr: 0.5 } } as unknown as Signal;
  const score = { id: 'SPY:1m:1', symbol: 'SPY', timeframe: '1m', openTime: 1, score: 80, direction: 'long', components: {}, features: { atr: 0.5 }, signal } as unknown as ScoreMessage;
  const [bar, i, ...rest] = stage.create(undefined).apply(score, undefined as never);
  assert.equal(rest, []);
  assert.equal(bar, { kind: 'bar', symbol: 'SPY', timeframe: '1m', openTime: 1 });
  assert.equal([ordersSubject(bar!), ordersMsgId(bar!)], ['orders.bar.SPY', 'bar:SPY:1m:1']);
  assert.equal(parseOrdersMessage('orders.bar.SPY', JSON.parse(JSON.stringify(bar))), bar);
  assert.ok(i?.kind === 'intent');
  assert.is(i.receivedAt, 1_700_000_000_000);
  const parsed = parseOrdersMessage('orders.intent.SPY', JSON.parse(JSON.stringify(i)));
  assert.is(parsed.kind === 'intent' && parsed.receivedAt, 1_700_000_000_000);
  const { receivedAt: _, ...old } = i as OrderIntent;
  const oldParsed = parseOrdersMessage('orders.intent.SPY', old);
  assert.ok(oldParsed.kind === 'intent' && !('receivedAt' in oldParsed));
  // a score without a signal is only its bar mark
  const { signal: _s, ...plain } = score;
  assert.equal(stage.create(undefined).apply(plain as ScoreMessage, undefined as never), [bar]);
});

s('a clock tick is orders.clock with id clock:<at>, and parses back', () => {
  const t = clockTick(1_700_000_015_000);
  assert.equal([t.subject, t.id], ['orders.clock', 'clock:1700000015000']);
  const m = parseOrdersMessage(t.subject, JSON.parse(JSON.stringify(t.value)));
  assert.equal(m, { kind: 'tick', symbol: 'clock', at: 1_700_000_015_000 });
  assert.equal([ordersSubject(m), ordersMsgId(m)], ['orders.clock', 'clock:1700000015000']);
});

s('the ticker ticks once per interval on its clock and stops in failed when a tick fails', async () => {
  const clock = new SimulatedClock();
  let n = 0;
  const ok = tickerMachine.provide({ actors: { tick: fromPromise<void>(async () => void (n += 1)) } });
  const a = createActor(ok, { clock, input: { intervalMs: 15 * SEC } }).start();
  const settle = () => new Promise((r) => setTimeout(r, 5));
  clock.increment(14 * SEC);
  await settle();
  assert.is(n, 0);
  clock.increment(1 * SEC);
  await settle();
  assert.is(n, 1);
  clock.increment(15 * SEC);
  await settle();
  assert.is(n, 2);
  a.stop();
  const bad = tickerMachine.provide({ actors: { tick: fromPromise<void>(async () => { throw new Error('no NATS'); }) } });
  const b = createActor(bad, { clock, input: { intervalMs: 15 * SEC } }).start();
  clock.increment(15 * SEC);
  await settle();
  assert.ok(b.getSnapshot().matches('failed'));
});

s.run();
