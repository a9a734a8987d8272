/**
 * The broker port: what the execution gateway needs from any venue. The paper broker is the
 * first implementation; a real exchange adapter (e.g. on ccxt) implements the same interface, so
 * the gateway does not change when it does.
 *
 * POLICY: the client order id is the idempotence key end to end. The gateway derives it from
 * the signal (`<signal id>:<leg>`), so a restarted gateway re-sends the SAME id, and a broker
 * must answer a second placement of an id with a `duplicate_client_order_id` rejection, never a
 * second order, exactly as exchanges do for their client order ids.
 */
import { FakeoutError } from '../../actors/domain/errors.ts';
import type { Timeframe } from '../../actors/domain/messages.ts';
import type { OrderSide, SlippageBreakdown } from '../../actors/execution/cost-model.ts';

export type { OrderSide };

/**
 * What the decision knew, for brokers that simulate (the paper broker needs `sigma`; real
 * exchanges ignore all of it). `referencePrice` is the decision price realised slippage is
 * measured against.
 */
export interface ExecutionHints {
  /** per-bar volatility as a fraction of price (ATR / price) for the impact term */
  sigma?: number;
  /** the decision price (the signal's entry) */
  referencePrice?: number;
  /** fill only on bars of this timeframe (the signal's), so volume and σ refer to the same bar length */
  timeframe?: Timeframe;
  /**
   * Simulating brokers: the instant the order was decided (the gateway clock), used as its
   * placement time so the fill bar does not depend on when the call happens to run.
   */
  decisionTime?: number;
}

/**
 * A bracket (as venues' bracket / OCO orders): once the entry fills, the venue closes the
 * position at the stop or the target, or after `timeStopBars` bars at the close (the paper
 * broker with Position's rules: stop first when a bar touches both).
 */
export interface Bracket {
  stop: number;
  target: number;
  timeStopBars: number;
  /** client order id of the closing order */
  exitClientOrderId: string;
}

export interface OrderRequest {
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  qty: number;
  type: 'market';
  hints?: ExecutionHints;
  bracket?: Bracket;
}

export type RejectionReason = 'duplicate_client_order_id' | 'unknown_symbol' | 'invalid_order';

export interface OrderRejection {
  clientOrderId: string;
  reason: RejectionReason;
  message: string;
  /** the request field at fault, for invalid_order */
  field?: string;
}

export interface OrderAck {
  clientOrderId: string;
  status: 'accepted';
  /** when the broker accepted it, epoch ms UTC (the broker's injected clock) */
  acceptedAt: number;
}

export type PlaceResult = { ok: true; ack: OrderAck } | { ok: false; rejection: OrderRejection };

export type OrderStatus = 'working' | 'filled' | 'cancelled';

export interface OrderState {
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  qty: number;
  status: OrderStatus;
  placedAt: number;
}

export type CancelResult = { ok: true } | { ok: false; reason: 'unknown_order' | 'not_cancellable'; status?: OrderStatus };

export interface BrokerFill {
  /** deterministic: `<client order id>:fill` (a paper market order fills once, whole) */
  fillId: string;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  qty: number;
  price: number;
  fees: number;
  /** when it filled, epoch ms UTC (paper: the open time of the bar whose open it took) */
  time: number;
  /** opaque, increasing; pass the last one seen to `fills` to get only newer fills */
  cursor: string;
  /** paper only: the bar it filled on, the modelled slippage and the low-liquidity reasons */
  barId?: string;
  modelled?: SlippageBreakdown;
  lowLiquidity?: string[];
  /** the decision price from the hints, and the realised slippage against it (adverse > 0) */
  referencePrice?: number | null;
  realisedBps?: number | null;
  /** a bracket's closing fill: why, after how many bars, and whether the bar gapped through the level */
  exit?: { reason: 'stop' | 'target' | 'time'; barsHeld: number; gap: boolean; entryClientOrderId: string };
}

export interface Broker {
  placeOrder(req: OrderRequest): Promise<PlaceResult>;
  cancelOrder(clientOrderId: string): Promise<CancelResult>;
  /** undefined when the broker has never seen the id */
  orderStatus(clientOrderId: string): Promise<OrderState | undefined>;
  /** fills after `sinceCursor` (all when undefined), oldest first, and the cursor to pass next time */
  fills(sinceCursor?: string): Promise<{ fills: BrokerFill[]; cursor: string | undefined }>;
  /**
   * A simulated venue only (a real one's market moves by itself): apply every stored bar of the
   * series up to the one that opened at `openTime`, in order; answers the fills they made (also
   * read with `fills`). Idempotent: bars already applied are not applied again.
   */
  advanceTo?(symbol: string, timeframe: Timeframe, openTime: number): Promise<readonly BrokerFill[]>;
  /**
   * With advanceTo: the marks it left for later on symbols with nothing to fill or exit
   * (`[symbol, timeframe, openTime]`), for the caller to keep with its own progress; and the
   * restore of such a list after a restart (the newest of each series wins).
   */
  deferredMarks?(): [string, Timeframe, number][];
  restoreDeferred?(marks: readonly (readonly [string, string, number])[]): void;
  /**
   * Runs `fn` (the calls of one gateway effect) as one unit at the venue: a simulated venue with a
   * transactional book commits their writes together when `fn` returns, and none if it throws.
   */
  batch?<T>(fn: () => Promise<T>): Promise<T>;
  /** A venue that keeps its book in memory: reload it from its store (a new gateway incarnation). */
  resync?(): Promise<void>;
}

/** A rejection as a registry error, for callers that must throw. */
export function rejectionError(r: OrderRejection): FakeoutError {
  const details = { clientOrderId: r.clientOrderId, reason: r.reason, ...(r.field === undefined ? {} : { field: r.field }) };
  switch (r.reason) {
    case 'duplicate_client_order_id':
      return new FakeoutError('FAKEOUT_ERR_BROKER_DUPLICATE_ORDER', r.message, { details });
    case 'unknown_symbol':
      return new FakeoutError('FAKEOUT_ERR_EXEC_UNKNOWN_SYMBOL', r.message, { details });
    case 'invalid_order':
      return new FakeoutError('FAKEOUT_ERR_BROKER_INVALID_ORDER', r.message, { details });
  }
}
