/**
 * The execution gateway's pure policy (actors/gateway/gateway-processor.ts), driven message by
 * message with no server: skips, approvals, expiry, sends, fills, P&L, the gate going live, the
 * breaker pausing and holding, and a restore from the JSON snapshot.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GatewayProcessor, type GatewayOutput, type GatewayParams, type GatewayState } from '../../actors/gateway/gateway-processor.ts';
import type { FillMessage, OrderIntent, OrdersMessage } from '../../actors/execution/order-messages.ts';
import { DEFAULT_BREAKER_THRESHOLDS } from '../../actors/risk/thresholds.ts';

const s = suite('execution gateway processor');

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 2, 14, 0);
const PARAMS: GatewayParams = {
  startingEquity: 100_000, riskPerTrade: 0.005, maxLeverage: 4, signalMaxAgeMs: 5 * MIN, approvalTtlMs: 30 * MIN, timeStopBars: 20,
  gate: { gatedTrades: 2, regateTrades: 1 },
  breaker: { ...DEFAULT_BREAKER_THRESHOLDS, slippageWindow: 2, slippageRatio: 1.5, cooldownMs: 10 * MIN },
};

/** A long SPY intent on the 1m bar opening at T0 + k minutes: entry 100, stop 99, target 102. */
const intent = (k: number, symbol = 'SPY'): OrderIntent => ({
  kind: 'intent', id: `intent:${symbol}:1m:${T0 + k * MIN}`, signalId: `${symbol}:1m:${T0 + k * MIN}`, symbol, timeframe: '1m', direction: 'long',
  openTime: T0 + k * MIN, entry: 100, stop: 99, target: 102, atr: 0.5, score: 80,
});
const coid = (k: number, symbol = 'SPY') => `${symbol}:1m:${T0 + k * MIN}:entry`;
const approve = (k: number, user = 'ann', role = 'approver'): OrdersMessage => ({ kind: 'approved', clientOrderId: coid(k), symbol: 'SPY', user, role, at: Date.now() });
const fill = (k: number, leg: 'entry' | 'exit', price: number, time: number, bps: { realised: number; modelled: number } = { realised: 1, modelled: 1 }): FillMessage => ({
  kind: 'fill', fillId: `${coid(k).replace(/:entry$/, `:${leg}`)}:fill`, clientOrderId: coid(k).replace(/:entry$/, `:${leg}`), symbol: 'SPY',
  side: leg === 'entry' ? 'buy' : 'sell', qty: 500, price, fees: 2.5, time, leg, ...(leg === 'exit' ? { exitReason: 'target' as const, barsHeld: 3 } : {}),
  modelledBps: bps.modelled, realisedBps: bps.realised,
});

const kinds = (out: GatewayOutput[], kind: GatewayOutput['kind']) => out.filter((o) => o.kind === kind);
const audits = (out: GatewayOutput[]) => out.flatMap((o) => (o.kind === 'audit' ? [o.entry.action] : []));
const statuses = (out: GatewayOutput[]) => out.flatMap((o) => (o.kind === 'order' ? [o.row.status] : []));

s('a gated intent waits for a person, sized from equity: 0.5 % of 100000 over a 1.0 stop distance = 500 shares', () => {
  const p = new GatewayProcessor(PARAMS);
  const out = p.apply(intent(0));
  assert.equal(statuses(out), ['pending_approval']);
  const row = out.find((o) => o.kind === 'order');
  assert.is(row?.kind === 'order' && row.row.qty, 500);
  assert.equal(kinds(out, 'send'), []);
  assert.is(p.gateState, 'gated');
});

s('later intents for a busy symbol are skipped with the reason; another symbol is not', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  const again = p.apply(intent(1));
  assert.equal(audits(again), ['intent.skipped']);
  assert.is((again[0] as unknown as { entry: { details: { reason: string } } }).entry.details.reason, 'awaiting_approval');
  assert.equal(statuses(p.apply(intent(1, 'EURUSD'))), []); // EURUSD: 500 / 1.0 = 500 units < 1000 minimum
  assert.is(p.state.skipped.below_minimum, 1);
  assert.equal(audits(p.apply(intent(2, 'NOPE'))), ['intent.skipped']);
  assert.is(p.state.skipped.unknown_symbol, 1);
});

s('an intent older than the max age by the gateway clock is stale', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(10, 'BTC-PERP')); // the clock is now T0 + 11 min
  p.apply(intent(3)); // decided at T0 + 4 min: 7 min old > 5 min
  assert.is(p.state.skipped.stale, 1);
});

s('an approval sends the order; its fill opens the position; the exit realises P&L and R', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  const sent = p.apply(approve(0));
  assert.equal(statuses(sent), ['sent']);
  assert.is(kinds(sent, 'send').length, 1);
  assert.ok(audits(sent).includes('order.approved'));
  assert.equal(statuses(p.apply({ kind: 'sent', clientOrderId: coid(0), symbol: 'SPY', at: T0 + MIN, duplicate: false })), []);
  const opened = p.apply(fill(0, 'entry', 100.05, T0 + MIN));
  assert.equal(statuses(opened), ['filled']);
  assert.is(kinds(opened, 'position').length, 1);
  const closed = p.apply(fill(0, 'exit', 101.95, T0 + 4 * MIN));
  // by hand: (101.95 − 100.05) × 500 − 2.5 − 2.5 = 945; R = 945 / (1.0 × 500) = 1.89
  assert.ok(Math.abs(p.state.realisedPnl - 945) < 1e-6);
  assert.ok(Math.abs(p.state.totalR - 1.89) < 1e-9);
  assert.ok(Math.abs(p.state.equity - 100_945) < 1e-6);
  assert.equal(statuses(closed), ['closed', 'closed']);
  assert.equal(Object.keys(p.state.orders), []);
});

s('approvals for unknown, already-decided or non-approver orders change nothing', () => {
  const p = new GatewayProcessor(PARAMS);
  assert.equal(audits(p.apply(approve(0))), ['order.approval_ignored']);
  p.apply(intent(0));
  assert.equal(audits(p.apply(approve(0, 'vic', 'viewer'))), ['order.approval_ignored']);
  assert.is(p.state.orders[coid(0)]?.status, 'pending_approval');
  p.apply({ kind: 'rejected', clientOrderId: coid(0), symbol: 'SPY', user: 'ann', reason: 'no', at: 1 });
  assert.equal(audits(p.apply(approve(0))), ['order.approval_ignored']);
});

s('a pending approval expires after the TTL by the gateway clock and is never sent', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  const later = p.apply(intent(40, 'BTC-PERP')); // clock T0 + 41 min > decided (T0 + 1) + 30 min
  assert.ok(audits(later).includes('order.expired'));
  assert.ok(statuses(later).includes('expired'));
  assert.equal(kinds(p.apply(approve(0)), 'send'), []);
});

s('after gatedTrades approved fills the gate is live and the next intent is sent without approval', () => {
  const p = new GatewayProcessor(PARAMS);
  for (const k of [0, 10]) {
    p.apply(intent(k));
    p.apply(approve(k));
    p.apply(fill(k, 'entry', 100, T0 + (k + 1) * MIN));
    p.apply(fill(k, 'exit', 101, T0 + (k + 3) * MIN));
  }
  assert.is(p.gateState, 'live');
  const out = p.apply(intent(20));
  assert.equal(statuses(out), ['sent']);
  assert.is(kinds(out, 'send').length, 1);
});

/** A slippage window of one entry fill: the first entry at 3 × its modelled cost trips. */
const WINDOW_1: GatewayParams = { ...PARAMS, breaker: { ...PARAMS.breaker, slippageWindow: 1 } };

s('only entry fills feed the slippage window: exits at their modelled cost do not dilute it', () => {
  const p = new GatewayProcessor(PARAMS); // window 2, trips above 1.5
  p.apply(intent(0));
  p.apply(approve(0));
  p.apply(fill(0, 'entry', 100, T0 + MIN, { realised: 1.6, modelled: 1 }));
  // the exit is priced at its trigger: realised = modelled (ratio 1)
  p.apply(fill(0, 'exit', 101, T0 + 3 * MIN, { realised: 1, modelled: 1 }));
  assert.is(p.breakerState, 'closed', 'one entry: the window of 2 is not full');
  p.apply(intent(5));
  p.apply(approve(5));
  const second = p.apply(fill(5, 'entry', 100, T0 + 6 * MIN, { realised: 1.6, modelled: 1 }));
  // entries only: (1.6 + 1.6) / (1 + 1) = 1.6 > 1.5. Had the exit counted: (1 + 1.6) / 2 = 1.3, no trip.
  assert.is(p.breakerState, 'open');
  const trip = second.find((o) => o.kind === 'audit' && o.entry.action === 'breaker.tripped');
  const figures = (trip as unknown as { entry: { details: { trips: { figures: Record<string, number> }[] } } } | undefined)?.entry.details.trips[0]?.figures;
  assert.equal(figures && { ratio: figures['ratio'], fills: figures['fills'] }, { ratio: 1.6, fills: 2 });
});

s('a slippage trip opens the breaker, pauses the gate, holds intents; a reset after the cooldown releases them', () => {
  const p = new GatewayProcessor(WINDOW_1);
  p.apply(intent(0));
  p.apply(approve(0));
  const tripped = p.apply(fill(0, 'entry', 100, T0 + MIN, { realised: 3, modelled: 1 })); // ratio 3 > 1.5
  p.apply(fill(0, 'exit', 101, T0 + 3 * MIN, { realised: 1, modelled: 1 }));
  assert.ok(audits(tripped).includes('breaker.tripped'));
  assert.ok(audits(tripped).includes('gate.paused'));
  assert.is(p.breakerState, 'open');
  assert.is(p.gateState, 'paused');
  const held = p.apply(intent(4));
  assert.equal(statuses(held), ['held']);
  assert.equal(kinds(held, 'send'), []);
  // a reset inside the cooldown is refused; the intent stays held
  p.apply({ kind: 'reset', symbol: 'breaker', user: 'ann', role: 'approver', at: 1 });
  assert.is(p.breakerState, 'open');
  p.apply(intent(13, 'BTC-PERP')); // clock T0 + 14 min: cooldown (10 min from T0 + 3) elapsed
  assert.is(p.breakerState, 'halfOpen');
  const released = p.apply({ kind: 'reset', symbol: 'breaker', user: 'ann', role: 'approver', at: 2 });
  assert.ok(audits(released).includes('breaker.reset'));
  // the held intent was decided at T0 + 5 min, 9 min before the clock: stale, so expired
  assert.ok(audits(released).includes('intent.expired'));
  assert.is(p.gateState, 'gated');
});

s('the JSON snapshot restores the book, the counts, and the machines (breaker open stays open)', () => {
  const p = new GatewayProcessor(WINDOW_1);
  p.apply(intent(0));
  p.apply(approve(0));
  p.apply(fill(0, 'entry', 100, T0 + MIN, { realised: 3, modelled: 1 }));
  p.apply(fill(0, 'exit', 101, T0 + 3 * MIN, { realised: 1, modelled: 1 }));
  p.apply(intent(4));
  const snap = JSON.parse(JSON.stringify(p.snapshot())) as GatewayState;
  const q = new GatewayProcessor(WINDOW_1, snap);
  assert.is(q.breakerState, 'open');
  assert.is(q.gateState, 'paused');
  assert.equal(q.state.held, [coid(4)]);
  assert.is(q.state.trades, 1);
  // the cooldown still runs on the data clock after a restore
  q.apply(intent(13, 'BTC-PERP'));
  assert.is(q.breakerState, 'halfOpen');
});

s('a restore with other configured thresholds applies them and audits before and after with the first batch', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  p.apply(approve(0));
  p.apply(fill(0, 'entry', 100, T0 + MIN));
  assert.is(p.gateState, 'gated'); // 1 of 2
  const snap = JSON.parse(JSON.stringify(p.snapshot())) as GatewayState;
  const same = new GatewayProcessor(PARAMS, snap);
  assert.equal(audits(same.apply({ kind: 'tick', symbol: 'clock', at: T0 + 2 * MIN })), []);
  const q = new GatewayProcessor({ ...PARAMS, gate: { gatedTrades: 1, regateTrades: 1 } }, snap);
  assert.is(q.gateState, 'live');
  const out = q.apply({ kind: 'tick', symbol: 'clock', at: T0 + 2 * MIN });
  assert.equal(audits(out), ['gate.thresholdsChanged', 'gate.live']);
  const entry = out[0]?.kind === 'audit' ? out[0].entry.details : {};
  assert.equal((entry as { before: unknown }).before, { gatedTrades: 2, regateTrades: 1 });
  assert.equal((entry as { after: unknown }).after, { gatedTrades: 1, regateTrades: 1 });
  assert.equal(audits(q.apply({ kind: 'tick', symbol: 'clock', at: T0 + 3 * MIN })), [], 'reported once');
});

s('a governed config version applied mid-run resizes the next intent, moves the gate and records its version', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  p.apply(approve(0));
  p.apply(fill(0, 'entry', 100, T0 + MIN));
  assert.is(p.gateState, 'gated'); // 1 approved fill of 2
  const governed = {
    version: 7, appliedAt: T0, appliedBy: 'ada', proposalId: 'cfg-x-00000000',
    params: {
      wickThreshold: 0.5, volumeThreshold: 1.5, triggerScore: 70, targetR: 2, stopBufferAtr: 0.1, riskPerTrade: 0.002, maxLeverage: 4,
      gatedTrades: 1, regateTrades: 1, breakerSlippageRatio: 1.5, breakerSlippageWindow: 2, breakerMaxLosses: 5, breakerDailyDrawdownPct: 3,
      breakerErrorRate: 0.2, breakerErrorWindow: 20, breakerCooldownSeconds: 600,
    },
  };
  p.useConfig(governed);
  assert.is(p.configVersion, 7);
  assert.is(p.gateState, 'live', 'one approved fill now suffices');
  const out = p.apply(intent(5, 'BTC-PERP'));
  assert.equal(audits(out).slice(0, 2), ['gate.thresholdsChanged', 'gate.live'], 'audited with the next batch');
  const row = out.find((o) => o.kind === 'order');
  assert.ok(row && row.kind === 'order');
  // by hand: 0.2 % of 100000 equity over the 1.0 stop distance = 200 shares (less the costs counted as risk)
  assert.ok(row.row.qty <= 200 && row.row.qty > 190, `sized with riskPerTrade 0.002: ${row.row.qty}`);
  assert.is(row.row.configVersion, 7);
  p.useConfig(governed);
  assert.equal(audits(p.apply({ kind: 'tick', symbol: 'clock', at: T0 + 9 * MIN })), [], 'the same version moves nothing again');
});

s.run();
