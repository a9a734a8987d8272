/**
 * The execution side of the end-of-run summary: orders by status, fills, positions, realised
 * P&L, and the gate's and breaker's states as the gateway last committed them (its checkpoint).
 */
import { loadCheckpoint } from '../../adapters/db/index.ts';
import { GATEWAY_STAGE, type GatewayState } from '../gateway/gateway-state.ts';
import type { AnyDb } from '../stage/ports.ts';

export interface ExecutionSummary {
  orders: Record<string, number>;
  fills: number;
  openPositions: number;
  closedTrades: number;
  pnl: number;
  r: number;
  /** null until the gateway committed once */
  equity: number | null;
  gate: string;
  breaker: string;
}

export async function readExecutionSummary(db: AnyDb): Promise<ExecutionSummary> {
  const orders = await db.selectFrom('orders').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).where('leg', '=', 'entry').groupBy('status').execute();
  const fills = await db.selectFrom('fills').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  const pos = await db.selectFrom('positions').select(['status', 'pnl', 'r']).execute();
  const cp = await loadCheckpoint<GatewayState>(db, GATEWAY_STAGE);
  const value = (snap: unknown, dflt: string) => String((snap as { value?: unknown } | null)?.value ?? dflt);
  const closed = pos.filter((p) => p.status === 'closed');
  return {
    orders: Object.fromEntries(orders.map((o) => [o.status, Number(o.n)])),
    fills: Number(fills?.n ?? 0),
    openPositions: pos.length - closed.length,
    closedTrades: closed.length,
    pnl: closed.reduce((a, p) => a + (p.pnl ?? 0), 0),
    r: closed.reduce((a, p) => a + (p.r ?? 0), 0),
    equity: cp?.state.equity ?? null,
    gate: value(cp?.state.gate, 'gated'),
    breaker: value(cp?.state.breaker, 'closed'),
  };
}

export function formatExecutionSummary(e: ExecutionSummary): string[] {
  const byStatus = Object.entries(e.orders).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [
    'execution (paper):',
    `  orders pending approval: ${e.orders['pending_approval'] ?? 0}   (all orders: ${byStatus})`,
    `  fills: ${e.fills}   open positions: ${e.openPositions}   closed trades: ${e.closedTrades}`,
    `  realised P&L: ${e.pnl.toFixed(2)} (${e.r.toFixed(2)} R)${e.equity === null ? '' : `   equity: ${e.equity.toFixed(2)}`}`,
    `  gate: ${e.gate}   breaker: ${e.breaker}`,
    '',
  ];
}
