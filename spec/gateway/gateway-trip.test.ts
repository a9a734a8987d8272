/**
 * The breaker's generic trip (`risk.trip.<source>`): the parser never refuses a trip, and the
 * gateway processor opens the breaker and pauses the gate at its own clock, holds what arrives
 * while open, audits what it got (malformed ones as `breaker.trip_malformed`) and cancels nothing
 * it has not sent.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GatewayProcessor, type GatewayOutput, type GatewayParams } from '../../actors/gateway/gateway-processor.ts';
import { parseBreakerTrip, parseOrdersMessage, tripMsgId, tripSubject, ordersMsgId, ordersSubject, type OrderIntent } from '../../actors/execution/order-messages.ts';
import { DEFAULT_BREAKER_THRESHOLDS } from '../../actors/risk/thresholds.ts';

const s = suite('breaker trip messages');
const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 2, 14, 0);
const PARAMS: GatewayParams = {
  startingEquity: 100_000, riskPerTrade: 0.005, maxLeverage: 4, signalMaxAgeMs: 5 * MIN, approvalTtlMs: 30 * MIN, timeStopBars: 20,
  gate: { gatedTrades: 2, regateTrades: 1 },
  breaker: { ...DEFAULT_BREAKER_THRESHOLDS, cooldownMs: 10 * MIN },
};
const intent = (k: number, symbol = 'SPY'): OrderIntent => ({
  kind: 'intent', id: `intent:${symbol}:1m:${T0 + k * MIN}`, signalId: `${symbol}:1m:${T0 + k * MIN}`, symbol, timeframe: '1m', direction: 'long',
  openTime: T0 + k * MIN, entry: 100, stop: 99, target: 102, atr: 0.5, score: 80,
});
const audit = (out: GatewayOutput[], action: string) => out.flatMap((o) => (o.kind === 'audit' && o.entry.action === action ? [o.entry.details] : []));
const tripOf = (p: GatewayProcessor) => (p.snapshot().breaker as { context: { trip: { at: number; trips: { reason: string; figures: Record<string, number> }[] } | null } }).context.trip;

s('a well-formed trip parses with its source; subject and id are risk.trip.<source> and trip:<source>:<at>', () => {
  const m = parseOrdersMessage('risk.trip.clock', { at: 1_700_000_000_000, reason: 'offset 900 ms', figures: { offsetMs: 900 } });
  assert.equal(m, { kind: 'trip', symbol: 'breaker', source: 'clock', at: 1_700_000_000_000, reason: 'offset 900 ms', figures: { offsetMs: 900 } });
  assert.is(ordersSubject(m), 'risk.trip.clock');
  assert.is(ordersMsgId(m), 'trip:clock:1700000000000');
  assert.is(tripSubject('integrity'), 'risk.trip.integrity');
  assert.is(tripMsgId('manual', 5), 'trip:manual:5');
});

s('a malformed trip is never refused: each problem is named in malformed', () => {
  const cases: [string, unknown, RegExp][] = [
    ['risk.trip.clock', null, /^body: expected a JSON object/],
    ['risk.trip.clock', [1, 2], /^body: expected a JSON object/],
    ['risk.trip.clock', { at: 1, reason: '  ', figures: {} }, /TRIP\.reason: expected a non-empty string/],
    ['risk.trip.clock', { at: 1, reason: 'x', figures: { driftMs: 'lots' } }, /TRIP\.figures\.driftMs: expected a finite number/],
    ['risk.trip.clock', { at: 1, reason: 'x', figures: 7 }, /TRIP\.figures: expected an object of numbers/],
    ['risk.trip.clock', { at: 'now', reason: 'x' }, /^at: expected epoch ms, got "now"/],
    ['risk.trip.Clock!', { at: 1, reason: 'x' }, /^source: expected 1-32 of \[a-z0-9_-\]/],
  ];
  for (const [subject, body, want] of cases) {
    const m = parseOrdersMessage(subject, body);
    assert.is(m.kind, 'trip', `${JSON.stringify(body)} is still a trip`);
    assert.match((m as { malformed?: string }).malformed ?? '', want, JSON.stringify(body));
  }
  assert.match(parseBreakerTrip('risk.trip.x', undefined, 'Unexpected token').malformed!, /^body: not JSON \(Unexpected token\)/);
  assert.is(parseBreakerTrip('risk.trip.x', { at: 1, reason: 'ok' }).malformed, undefined, 'figures may be left out');
});

s('a trip opens the breaker at the gateway clock, pauses the gate, holds the next intent and audits the request', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0)); // gateway clock: the bar's close, T0 + 1 min
  const out = p.apply(parseOrdersMessage('risk.trip.test', { at: 42, reason: 'test publisher', figures: { n: 1 } }));
  assert.is(p.breakerState, 'open');
  assert.is(p.gateState, 'paused');
  assert.equal(audit(out, 'breaker.trip_requested'), [{ source: 'test', publishedAt: 42, reason: 'test publisher', figures: { n: 1 } }]);
  assert.is(audit(out, 'breaker.tripped').length, 1);
  const trip = tripOf(p)!;
  assert.is(trip.at, T0 + MIN, 'the gateway clock, not the publisher\'s 42');
  assert.equal(trip.trips.map((t) => [t.reason, t.figures]), [['test: test publisher', { n: 1 }]]);
  const held = p.apply(intent(1, 'BTC-PERP'));
  assert.ok(held.some((o) => o.kind === 'order' && o.row.status === 'held'));
  assert.ok(!held.some((o) => o.kind === 'send'));
});

s('a malformed trip still trips, audited breaker.trip_malformed, its reason naming the problem, no figures', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  const out = p.apply(parseBreakerTrip('risk.trip.integrity', undefined, 'Unexpected end of JSON input'));
  assert.is(p.breakerState, 'open');
  assert.is(p.gateState, 'paused');
  const [d] = audit(out, 'breaker.trip_malformed');
  assert.match(String(d!.problem), /^body: not JSON/);
  assert.equal(audit(out, 'breaker.trip_requested'), []);
  const trip = tripOf(p)!;
  assert.match(trip.trips[0]!.reason, /^integrity: malformed trip \(body: not JSON/);
  assert.equal(trip.trips[0]!.figures, {});
});

s('a trip while open restarts the cooldown from the gateway clock', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  p.apply(parseOrdersMessage('risk.trip.clock', { at: 1, reason: 'first' }));
  p.apply(intent(6, 'BTC-PERP')); // clock T0 + 7 min
  p.apply(parseOrdersMessage('risk.trip.clock', { at: 2, reason: 'second' }));
  assert.is(tripOf(p)!.at, T0 + 7 * MIN);
  p.apply(intent(12, 'EURUSD')); // T0 + 13 min: 11 min after the first, 6 after the second
  assert.is(p.breakerState, 'open', 'cooldown counted from the second trip');
  p.apply(intent(17, 'ETH')); // T0 + 18 min: 11 min after the second
  assert.is(p.breakerState, 'halfOpen');
});

s.run();
