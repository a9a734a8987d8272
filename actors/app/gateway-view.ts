/**
 * What the people-facing surfaces (the approval routes, the dashboard) read of the execution
 * gateway, in one place: the gate and the breaker as the gateway last committed them (its
 * checkpoint: the machines' persisted snapshots and its clock), and an order waiting for a person.
 */
import { loadCheckpoint, type Database, type OrderRecord } from '../../adapters/db/index.ts';
import type { PendingOrderView } from '../../adapters/http/orders.routes.ts';
import { breakerView, type BreakerView } from '../auth/reset-readiness.ts';
import { GATEWAY_STAGE, type GatewayState } from '../gateway/gateway-state.ts';

/** The gate's state value (`gated` before the gateway committed one) and the breaker's view. */
export async function committedGateway(db: Database['db']): Promise<{ gate: string; breaker: BreakerView }> {
  const cp = await loadCheckpoint<GatewayState>(db, GATEWAY_STAGE);
  const gate = (cp?.state.gate as { value?: unknown } | null | undefined)?.value;
  return { gate: typeof gate === 'string' ? gate : 'gated', breaker: breakerView(cp?.state.breaker, cp?.state.clock ?? 0) };
}

/** A pending order as the API and the Live tab show it. */
export function pendingView(o: OrderRecord): PendingOrderView {
  return { clientOrderId: o.clientOrderId, signalId: o.signalId, symbol: o.symbol, side: o.side, qty: o.qty, decisionPrice: o.decisionPrice, createdAt: o.createdAt };
}
