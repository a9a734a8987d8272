/**
 * Shared fixtures of the gateway processor tests: parameters (gated for 2 trades, TTL 30 min, max
 * age 5 min), a long SPY 1m intent at T0 + k min (entry 100, stop 99, target 102: 500 shares from
 * 0.5 % of 100000 over a 1.0 stop distance), approvals, fills, and output pickers.
 */
import type { GatewayOutput, GatewayParams } from '../../actors/gateway/gateway-processor.ts';
import type { FillMessage, OrderIntent, OrdersMessage } from '../../actors/execution/order-messages.ts';
import { DEFAULT_BREAKER_THRESHOLDS } from '../../actors/risk/thresholds.ts';

export const MIN = 60_000;
export const T0 = Date.UTC(2024, 0, 2, 14, 0);
export const PARAMS: GatewayParams = {
  startingEquity: 100_000, riskPerTrade: 0.005, maxLeverage: 4, signalMaxAgeMs: 5 * MIN, approvalTtlMs: 30 * MIN, timeStopBars: 20,
  gate: { gatedTrades: 2, regateTrades: 1 },
  breaker: { ...DEFAULT_BREAKER_THRESHOLDS, slippageWindow: 2, slippageRatio: 1.5, cooldownMs: 10 * MIN },
};
export const intent = (k: number, symbol = 'SPY'): OrderIntent => ({
  kind: 'intent', id: `intent:${symbol}:1m:${T0 + k * MIN}`, signalId: `${symbol}:1m:${T0 + k * MIN}`, symbol, timeframe: '1m', direction: 'long',
  openTime: T0 + k * MIN, entry: 100, stop: 99, target: 102, atr: 0.5, score: 80,
});
export const coid = (k: number, symbol = 'SPY') => `${symbol}:1m:${T0 + k * MIN}:entry`;
export const approve = (k: number, symbol = 'SPY'): OrdersMessage => ({ kind: 'approved', clientOrderId: coid(k, symbol), symbol, user: 'ann', role: 'approver', at: T0 });
export const sent = (k: number, symbol = 'SPY'): OrdersMessage => ({ kind: 'sent', clientOrderId: coid(k, symbol), symbol, at: T0 + (k + 1) * MIN, duplicate: false });
export const fill = (k: number, leg: 'entry' | 'exit', price: number, time: number, bps = { realised: 1, modelled: 1 }, symbol = 'SPY'): FillMessage => ({
  kind: 'fill', fillId: `${coid(k, symbol).replace(/:entry$/, `:${leg}`)}:fill`, clientOrderId: coid(k, symbol).replace(/:entry$/, `:${leg}`), symbol,
  side: leg === 'entry' ? 'buy' : 'sell', qty: 500, price, fees: 2.5, time, leg, ...(leg === 'exit' ? { exitReason: 'target' as const, barsHeld: 3 } : {}),
  modelledBps: bps.modelled, realisedBps: bps.realised,
});
export const statuses = (out: GatewayOutput[]) => out.flatMap((o) => (o.kind === 'order' ? [o.row.status] : []));
export const audits = (out: GatewayOutput[]) => out.flatMap((o) => (o.kind === 'audit' ? [o.entry.action] : []));
export const publishes = (out: GatewayOutput[]) => out.flatMap((o) => (o.kind === 'publish' ? [o] : []));
