/**
 * `positions.<sym>` on ORDERS: the gateway announces a position when its entry fill opens it and
 * when its exit closes it (id `position:<signal id>:open|closed`), and skips these on read.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GatewayProcessor } from '../../actors/gateway/gateway-processor.ts';
import { ordersMsgId, ordersSubject, parseOrdersMessage, type PositionMessage } from '../../actors/execution/order-messages.ts';
import { approve, fill, intent, MIN, PARAMS, publishes, sent, T0 } from './fixtures.ts';

const s = suite('gateway position messages');
const SIGNAL = `SPY:1m:${T0}`;

s('the entry fill publishes positions.SPY open and the exit publishes it closed with P&L and R', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  assert.equal(publishes(p.apply(approve(0))), []);
  p.apply(sent(0));
  const opened = publishes(p.apply(fill(0, 'entry', 100.05, T0 + MIN)));
  assert.equal(opened.map((o) => [o.subject, o.id]), [['positions.SPY', `position:${SIGNAL}:open`]]);
  assert.equal(opened[0]?.value, {
    kind: 'position', signalId: SIGNAL, symbol: 'SPY', status: 'open', direction: 'long', qty: 500, entryPrice: 100.05, entryTime: T0 + MIN, stop: 99, target: 102,
  });
  const closed = publishes(p.apply(fill(0, 'exit', 101.95, T0 + 4 * MIN)));
  assert.equal(closed.map((o) => [o.subject, o.id]), [['positions.SPY', `position:${SIGNAL}:closed`]]);
  const v = closed[0]?.value as PositionMessage;
  // by hand: (101.95 − 100.05) × 500 − 2.5 − 2.5 = 945; R = 945 / (1.0 × 500) = 1.89
  assert.equal([v.status, v.exitPrice, v.exitReason], ['closed', 101.95, 'target']);
  assert.ok(Math.abs((v.pnl ?? 0) - 945) < 1e-6);
  assert.ok(Math.abs((v.r ?? 0) - 1.89) < 1e-9);
});

s('a redelivered entry fill publishes nothing again', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  p.apply(approve(0));
  p.apply(sent(0));
  p.apply(fill(0, 'entry', 100.05, T0 + MIN));
  assert.equal(publishes(p.apply(fill(0, 'entry', 100.05, T0 + MIN))), []);
});

s('the gateway parses its own position messages and skips them: no outputs, the book and clock unchanged', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  p.apply(approve(0));
  p.apply(sent(0));
  const [msg] = publishes(p.apply(fill(0, 'entry', 100.05, T0 + MIN)));
  const before = JSON.stringify(p.snapshot());
  const parsed = parseOrdersMessage(msg!.subject, JSON.parse(JSON.stringify(msg!.value)));
  assert.is(parsed.kind, 'position');
  assert.equal([ordersSubject(parsed), ordersMsgId(parsed)], [msg!.subject, msg!.id]);
  assert.equal(p.apply(parsed), []);
  assert.is(JSON.stringify(p.snapshot()), before);
});

s('a malformed position body is refused naming the field', () => {
  assert.throws(() => parseOrdersMessage('positions.SPY', { symbol: 'SPY', signalId: 'x', status: 'opened' }), /status/);
});

s.run();
