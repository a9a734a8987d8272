/**
 * The execution gateway's state (plain JSON, saved as its stage checkpoint) and its outputs: the
 * rows, audit entries and broker calls the stage turns into I/O. Shapes only, and the pure
 * mappings from the book to the rows.
 */
import type { ClosedTrade, PositionSnapshot } from '../execution/position.ts';
import type { BookOrder } from '../execution/gateway-policy.ts';
import { positionMsgId, positionSubject, type FillMessage, type OrderStatusName, type PositionMessage } from '../execution/order-messages.ts';
import { sideFor, type OrderSide } from '../execution/cost-model.ts';
import type { Timeframe } from '../domain/messages.ts';

export interface GatewayState {
  version: 1;
  /** the gateway clock: the latest data time seen (epoch ms) */
  clock: number;
  /** the machines' persisted snapshots (null before the first save) */
  gate: unknown;
  breaker: unknown;
  equity: number;
  realisedPnl: number;
  totalR: number;
  trades: number;
  wins: number;
  /** orders still active: pending, held, sent, or an open position; by client order id */
  orders: Record<string, BookOrder>;
  /** held client order ids, in arrival order (decided in that order when the breaker closes) */
  held: string[];
  /** recently finished or skipped client order ids, so a re-sent intent is not decided twice */
  recent: string[];
  /** recently applied fill ids (a redelivered fill counts once) */
  fillIds: string[];
  /**
   * ids of the results the gateway's own effect fed straight back (its broker's answers and
   * fills), so their copies read back from ORDERS are not applied twice (absent in old checkpoints)
   */
  fed?: string[];
  /** the broker's fills cursor: fills after it are new to the gateway (absent: none read yet) */
  brokerCursor?: string;
  /**
   * bar marks a simulated broker left for later on idle symbols (`[symbol, timeframe, openTime]`,
   * Broker.deferredMarks): kept with the batch that saw them, so a restarted broker still applies
   * them before a placement (absent in old checkpoints)
   */
  brokerDeferred?: [string, string, number][];
  /** intents skipped, by reason; orders finished, by status (for the summary) */
  skipped: Record<string, number>;
  finished: Record<string, number>;
}

/** The gateway's stage name: its checkpoint (this state) is stored under it. */
export const GATEWAY_STAGE = 'execution-gateway';

export function newState(startingEquity: number): GatewayState {
  return {
    version: 1, clock: 0, gate: null, breaker: null, equity: startingEquity, realisedPnl: 0, totalR: 0, trades: 0, wins: 0,
    orders: {}, held: [], recent: [], fillIds: [], skipped: {}, finished: {},
  };
}

/** A row of `orders` as the gateway writes it (insert, or a status update of an existing row). */
export interface OrderRow {
  clientOrderId: string;
  signalId: string;
  leg: 'entry' | 'exit';
  symbol: string;
  side: OrderSide;
  qty: number;
  status: OrderStatusName;
  decisionPrice: number;
  at: number;
  config: Record<string, unknown>;
  configVersion?: number;
}

/** An audit entry (adapters/db appendAudit's shape). */
export interface AuditNote {
  at: number;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export type GatewayOutput =
  | { kind: 'order'; row: OrderRow }
  /** the effect: place the entry at the broker, decided at `at` (gateway clock) */
  | { kind: 'send'; order: BookOrder; at: number }
  /** the effect: cancel the working entry at the broker (the breaker tripped) */
  | { kind: 'cancel'; order: BookOrder; at: number }
  /** the effect: move the (paper) broker through the stored bars of the series up to this one */
  | { kind: 'advance'; symbol: string; timeframe: Timeframe; openTime: number }
  | { kind: 'fill'; order: BookOrder; fill: FillMessage }
  | { kind: 'position'; snapshot: PositionSnapshot }
  | { kind: 'audit'; entry: AuditNote }
  /** what the effect produced, to publish on ORDERS */
  | { kind: 'publish'; subject: string; id: string; value: unknown };

export function orderRow(o: BookOrder, status: OrderStatusName, at: number): OrderRow {
  return {
    clientOrderId: o.clientOrderId, signalId: o.signalId, leg: 'entry', symbol: o.symbol, side: sideFor(o.direction, 'entry'), qty: o.qty, status,
    decisionPrice: o.entry, at, config: {
      stop: o.stop, target: o.target, atr: o.atr, decidedAt: o.decidedAt, timeframe: o.timeframe, approvedBy: o.approvedBy,
      ...(o.receivedAt === undefined ? {} : { receivedAt: o.receivedAt }),
      ...(o.configVersion === undefined ? {} : { configVersion: o.configVersion }),
    },
    ...(o.configVersion === undefined ? {} : { configVersion: o.configVersion }),
  };
}

/** The Position snapshot of an order's position (positions table), open or closed by `trade`. */
export function positionSnapshot(o: BookOrder, timeStopBars: number, trade: ClosedTrade | null): PositionSnapshot {
  const f = o.entryFill!;
  return {
    version: 1,
    spec: { id: o.signalId, symbol: o.symbol, timeframe: o.timeframe, direction: o.direction, decisionPrice: o.entry, stop: o.stop, target: o.target, timeStopBars },
    entry: { price: f.price, qty: f.qty, fees: f.fees, time: f.time },
    barsHeld: trade?.barsHeld ?? 0,
    lastBarOpenTime: null,
    closed: trade,
  };
}

/** The `positions.<sym>` message of a position the gateway opened, or closed by `trade`. */
export function positionMessage(o: BookOrder, trade: ClosedTrade | null): { kind: 'publish'; subject: string; id: string; value: PositionMessage } {
  const f = o.entryFill!;
  const status = trade === null ? 'open' : 'closed';
  const value: PositionMessage = {
    kind: 'position', signalId: o.signalId, symbol: o.symbol, status, direction: o.direction, qty: f.qty, entryPrice: f.price, entryTime: f.time,
    stop: o.stop, target: o.target,
    ...(trade === null ? {} : { exitPrice: trade.exitPrice, exitTime: trade.exitTime, exitReason: trade.reason, pnl: trade.pnl, r: trade.r }),
  };
  return { kind: 'publish', subject: positionSubject(o.symbol), id: positionMsgId(o.signalId, status), value };
}

/** What one committed gateway batch did, for the metrics: entry orders by new status, fills by leg, the machines' states after it. */
export interface GatewayCommitReport {
  orders: Partial<Record<OrderStatusName, number>>;
  fills: { entry: number; exit: number };
  /**
   * breaker trips in the batch: by the breaker's own condition (`slippage`, `losses`, `drawdown`,
   * `orderErrors`), and a trip published on `risk.trip.<source>` by its source (`clock`, `manual`…)
   */
  trips: Record<string, number>;
  /** entry orders in `pending_approval` after the batch */
  approvalsPending: number;
  gate: string;
  breaker: string;
}

/**
 * Counts a batch's outputs. Entry rows only: a close writes the entry's row and the exit's row
 * (both `closed`), and one trade must count once. Trips are read from the batch's audit entries
 * (the breaker's `tripped` notice and the gateway's `breaker.trip_requested` / `trip_malformed`),
 * so they count only what was committed with the breaker's snapshot.
 */
export function countOutputs(outputs: readonly GatewayOutput[]): Pick<GatewayCommitReport, 'orders' | 'fills' | 'trips'> {
  const orders: Partial<Record<OrderStatusName, number>> = {};
  const fills = { entry: 0, exit: 0 };
  const trips: Record<string, number> = {};
  const add = (reason: string) => void (trips[reason] = (trips[reason] ?? 0) + 1);
  for (const o of outputs) {
    if (o.kind === 'order' && o.row.leg === 'entry') orders[o.row.status] = (orders[o.row.status] ?? 0) + 1;
    if (o.kind === 'fill') fills[o.fill.leg] += 1;
    if (o.kind !== 'audit') continue;
    const { action, details } = o.entry;
    // a published trip: its source, once (the breaker's `tripped` notice for it says `monitor`)
    if (action === 'breaker.trip_requested' || action === 'breaker.trip_malformed') add(String(details['source']));
    // the breaker's own conditions: each that tripped (two at the same moment count under each)
    if (action === 'breaker.tripped' && Array.isArray(details['trips'])) {
      for (const t of details['trips'] as { condition?: unknown }[]) if (t.condition !== 'monitor') add(String(t.condition));
    }
  }
  return { orders, fills, trips };
}

/** Entry orders waiting for a person's approval. */
export function approvalsPending(s: Readonly<GatewayState>): number {
  return Object.values(s.orders).filter((o) => o.status === 'pending_approval').length;
}
