/**
 * The execution gateway's metrics: entry orders by status, fills by leg, and the gate's and the
 * breaker's state as one-hot gauges, reported by the stage after its batch committed and served
 * by GET /metrics.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMetrics } from '../../adapters/metrics/index.ts';
import { recordGatewayCommit } from '../../actors/app/app.ts';
import { executionGatewayStage } from '../../actors/gateway/gateway.actor.ts';
import { countOutputs, type GatewayCommitReport } from '../../actors/gateway/gateway-state.ts';
import type { GatewayOutput } from '../../actors/gateway/gateway-processor.ts';
import { DEFAULT_COST_MODEL } from '../../actors/execution/index.ts';
import { approve, fill, intent, MIN, PARAMS, sent, T0 } from '../gateway/fixtures.ts';
import { makeFixture } from '../http/http-fixture.ts';

const s = suite('gateway metrics');

const never = async () => {
  throw new Error('no broker in this test');
};

/** intent → pending, approve → sent, entry fill → filled, exit fill → closed (entry and exit rows). */
function oneTrade() {
  const reports: GatewayCommitReport[] = [];
  const stage = executionGatewayStage({ params: PARAMS, costModel: DEFAULT_COST_MODEL, broker: never, onCommitted: (r) => void reports.push(r) });
  const p = stage.create(undefined);
  const out: GatewayOutput[] = [];
  for (const m of [intent(0), approve(0), sent(0), fill(0, 'entry', 100.05, T0 + MIN), fill(0, 'exit', 101.95, T0 + 4 * MIN)]) out.push(...p.apply(m, 1));
  return { stage, out, reports };
}

s('a trade counts one entry order per status it entered and one fill per leg (the exit row is not a second close)', () => {
  const { out } = oneTrade();
  assert.equal(countOutputs(out), { orders: { pending_approval: 1, sent: 1, filled: 1, closed: 1 }, fills: { entry: 1, exit: 1 }, trips: {} });
});

s('after commit the stage reports the counts with the gate and breaker states', () => {
  const { stage, out, reports } = oneTrade();
  stage.afterCommit!(out);
  assert.equal(reports, [{ orders: { pending_approval: 1, sent: 1, filled: 1, closed: 1 }, fills: { entry: 1, exit: 1 }, trips: {}, approvalsPending: 0, gate: 'gated', breaker: 'closed' }]);
});

s('GET /metrics shows the order and fill counters and the one-hot gate and breaker gauges', async () => {
  const metrics = createMetrics();
  recordGatewayCommit(metrics, { orders: { pending_approval: 2, sent: 1 }, fills: { entry: 1, exit: 0 }, trips: {}, approvalsPending: 2, gate: 'gated', breaker: 'closed' });
  recordGatewayCommit(metrics, { orders: { sent: 1, cancelled: 1 }, fills: { entry: 1, exit: 1 }, trips: { manual: 1 }, approvalsPending: 0, gate: 'paused', breaker: 'open' });
  const { app } = makeFixture({ metrics });
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.is(res.statusCode, 200);
  for (const line of [
    'fakeout_orders_total{status="pending_approval"} 2',
    'fakeout_orders_total{status="sent"} 2',
    'fakeout_orders_total{status="cancelled"} 1',
    'fakeout_fills_total{leg="entry"} 2',
    'fakeout_fills_total{leg="exit"} 1',
    'fakeout_gate_state{state="gated"} 0',
    'fakeout_gate_state{state="paused"} 1',
    'fakeout_breaker_state{state="closed"} 0',
    'fakeout_breaker_state{state="open"} 1',
    '# TYPE fakeout_fill_slippage_bps histogram',
  ]) {
    assert.ok(res.body.includes(`${line}\n`), line);
  }
  await app.close();
});

s.run();
