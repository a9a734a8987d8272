/**
 * The execution gateway's signal policy, as pure functions over its book (docs/execution.md,
 * "Signal policy"). No clock, no I/O: "now" is the gateway clock the caller passes in.
 *
 * POLICY: at most one open position and one pending approval per symbol. A later intent for that
 * symbol is skipped with the reason, never queued behind it, so nothing trades on stale ideas.
 */
import type { Direction, Timeframe } from '../domain/messages.ts';
import { roundTripCostPerUnit, type CostModelParams } from './cost-model.ts';
import { lookupInstrument } from './instruments.ts';
import type { OrderIntent, OrderStatusName } from './order-messages.ts';
import { sizePosition } from './sizing.ts';

/** One order the gateway is still responsible for (pending, held, sent, or an open position). */
export interface BookOrder {
  /** `<signal id>:entry` */
  clientOrderId: string;
  signalId: string;
  symbol: string;
  timeframe: Timeframe;
  direction: Direction;
  qty: number;
  entry: number;
  stop: number;
  target: number;
  atr: number;
  /** the decision time: the close of the signal bar (open time + timeframe) */
  decidedAt: number;
  status: OrderStatusName;
  /** when order-intake received its signal (epoch ms, wall clock); absent for a replay's older intents */
  receivedAt?: number;
  /** the breaker tripped while it was working: a cancel was asked of the broker */
  cancelRequested?: boolean;
  /** who approved it, when a person did */
  approvedBy: string | null;
  /** the governed config version it was sized with (docs/config.md) */
  configVersion?: number;
  entryFill: { fillId: string; price: number; qty: number; fees: number; time: number; modelledBps: number } | null;
}

export type SkipReason = 'stale' | 'unknown_symbol' | 'position_open' | 'awaiting_approval' | 'order_working' | 'below_minimum' | 'invalid_prices';

export type IntentDecision =
  | { kind: 'skip'; reason: SkipReason; detail: string }
  | { kind: 'hold' }
  | { kind: 'pending' }
  | { kind: 'send' };

export interface PolicyParams {
  /** an intent whose decision time is more than this before the gateway clock is stale, ms */
  signalMaxAgeMs: number;
  riskPerTrade: number;
  /** notional at most equity × this (FAKEOUT_MAX_LEVERAGE) */
  maxLeverage: number;
  /** when given, sizing counts each unit's spread and fees both ways as risk (the gateway always gives it) */
  costs?: Readonly<CostModelParams>;
}

/** Why the symbol is busy (a pending approval, a working order, an open position), or undefined. */
export function symbolBusy(book: readonly BookOrder[], symbol: string, except?: string): SkipReason | undefined {
  for (const o of book) {
    if (o.symbol !== symbol || o.clientOrderId === except) continue;
    if (o.status === 'pending_approval') return 'awaiting_approval';
    if (o.status === 'sent') return 'order_working';
    if (o.status === 'filled') return 'position_open';
  }
  return undefined;
}

/**
 * Whether an order came from live intake: its signal reached order-intake within the max age of
 * its decision time. POLICY: only live orders expire by wall clock (ticks, an approval's `at`);
 * a replay's or backfill's orders keep the data clock's rules, so a replay decides the same.
 */
export const isLive = (o: Pick<BookOrder, 'receivedAt' | 'decidedAt'>, maxAgeMs: number): boolean =>
  o.receivedAt !== undefined && o.receivedAt - o.decidedAt <= maxAgeMs;

/** Whether a live order's approval window is over at wall time `at`. */
export const pastWallTtl = (o: Pick<BookOrder, 'receivedAt' | 'decidedAt'>, at: number, p: { signalMaxAgeMs: number; approvalTtlMs: number }): boolean =>
  isLive(o, p.signalMaxAgeMs) && at - o.receivedAt! > p.approvalTtlMs;

/** Whether `decidedAt` is too old at `now`. */
export const isStale = (decidedAt: number, now: number, maxAgeMs: number): boolean => now - decidedAt > maxAgeMs;

/**
 * Sizes an intent; the quantity, or the skip. Run first so an intent that could never trade is
 * skipped at once, even while the breaker is open.
 */
export function sizeIntent(intent: OrderIntent, equity: number, p: PolicyParams): { qty: number } | { skip: SkipReason; detail: string } {
  if (lookupInstrument(intent.symbol) === undefined) return { skip: 'unknown_symbol', detail: `no instrument for ${intent.symbol}` };
  const long = intent.direction === 'long';
  if (long ? !(intent.stop < intent.entry && intent.target > intent.entry) : !(intent.stop > intent.entry && intent.target < intent.entry)) {
    return { skip: 'invalid_prices', detail: `a ${intent.direction} needs stop and target on either side of the entry ${intent.entry}` };
  }
  const instrument = lookupInstrument(intent.symbol)!;
  const costPerUnit = p.costs === undefined ? 0 : roundTripCostPerUnit(p.costs, instrument.venue, intent.entry);
  const s = sizePosition({
    symbol: intent.symbol, direction: intent.direction, entry: intent.entry, stop: intent.stop, equity, riskPerTrade: p.riskPerTrade, maxLeverage: p.maxLeverage, costPerUnit,
  });
  if (!s.ok) return { skip: s.reason === 'below_minimum' ? 'below_minimum' : s.reason === 'unknown_symbol' ? 'unknown_symbol' : 'invalid_prices', detail: s.detail };
  return { qty: s.qty };
}

/**
 * What to do with an intent (already sized) at gateway time `now`: skip it, hold it (the breaker
 * is open or the gate paused), wait for a person (gated), or send it (live).
 */
export function decideIntent(
  o: Pick<BookOrder, 'symbol' | 'decidedAt' | 'clientOrderId'>,
  ctx: { now: number; book: readonly BookOrder[]; paused: boolean; live: boolean },
  p: PolicyParams,
): IntentDecision {
  if (isStale(o.decidedAt, ctx.now, p.signalMaxAgeMs)) {
    return { kind: 'skip', reason: 'stale', detail: `decided at ${o.decidedAt}, ${ctx.now - o.decidedAt} ms before the gateway clock (limit ${p.signalMaxAgeMs} ms)` };
  }
  // POLICY: while the breaker is open nothing is sent and nothing is dropped: hold it, decide on reset.
  if (ctx.paused) return { kind: 'hold' };
  const busy = symbolBusy(ctx.book, o.symbol, o.clientOrderId);
  if (busy !== undefined) return { kind: 'skip', reason: busy, detail: `${o.symbol} already has ${busy.replace('_', ' ')}` };
  return ctx.live ? { kind: 'send' } : { kind: 'pending' };
}

/** The P&L of a closed trade, as Position computes it: after fees both ways; R over the planned risk. */
export function tradePnl(o: BookOrder, exit: { price: number; fees: number }): { pnl: number; r: number; initialRisk: number } {
  const fill = o.entryFill!;
  const sign = o.direction === 'long' ? 1 : -1;
  const pnl = sign * (exit.price - fill.price) * fill.qty - fill.fees - exit.fees;
  const initialRisk = Math.abs(o.entry - o.stop) * fill.qty;
  return { pnl, r: pnl / initialRisk, initialRisk };
}
