/**
 * Position sizing: risk a fixed fraction of paper equity on each trade.
 *
 *   riskAmount = equity × riskPerTrade
 *   qty        = floor_step(riskAmount / |entry − stop|)
 *
 * so that a stop-out at the planned stop loses at most riskAmount (before slippage and fees,
 * which the cost model adds). A trade that cannot be sized is refused with a typed reason, not a
 * throw: refusing is a normal outcome the gateway records, not a crash.
 */
import type { Direction } from '../domain/messages.ts';
import { floorToStep, lookupInstrument } from './instruments.ts';

export interface SizingInput {
  symbol: string;
  direction: Direction;
  /** the decision price: the signal's entry */
  entry: number;
  stop: number;
  /** paper equity, in the quote currency */
  equity: number;
  /** fraction of equity risked, e.g. 0.005 */
  riskPerTrade: number;
}

export type SizingRefusal =
  /** the symbol is not in the instrument table */
  | 'unknown_symbol'
  /** entry or stop not a positive finite number, equal, or the stop on the wrong side */
  | 'degenerate_prices'
  /** equity or risk fraction not positive */
  | 'no_risk_budget'
  /** the rounded quantity is below the instrument's minimum */
  | 'below_minimum';

export type SizingResult =
  | {
      ok: true;
      qty: number;
      /** entry-to-stop distance per unit */
      riskPerUnit: number;
      /** the budget: equity × riskPerTrade */
      riskBudget: number;
      /** what the rounded qty actually risks: qty × riskPerUnit (≤ riskBudget) */
      riskAmount: number;
    }
  | { ok: false; reason: SizingRefusal; detail: string };

const positive = (x: number): boolean => Number.isFinite(x) && x > 0;

/** Sizes one trade; see the module comment. */
export function sizePosition(input: SizingInput): SizingResult {
  const instrument = lookupInstrument(input.symbol);
  if (instrument === undefined) return { ok: false, reason: 'unknown_symbol', detail: `no instrument for ${JSON.stringify(input.symbol)}` };
  const { entry, stop, direction } = input;
  if (!positive(entry) || !positive(stop)) {
    return { ok: false, reason: 'degenerate_prices', detail: `entry ${entry} and stop ${stop} must be positive numbers` };
  }
  const wrongSide = direction === 'long' ? stop >= entry : stop <= entry;
  if (wrongSide) {
    return { ok: false, reason: 'degenerate_prices', detail: `a ${direction} stop must be ${direction === 'long' ? 'below' : 'above'} the entry (entry ${entry}, stop ${stop})` };
  }
  if (!positive(input.equity) || !positive(input.riskPerTrade)) {
    return { ok: false, reason: 'no_risk_budget', detail: `equity ${input.equity} and riskPerTrade ${input.riskPerTrade} must be positive` };
  }
  const riskPerUnit = Math.abs(entry - stop);
  const riskBudget = input.equity * input.riskPerTrade;
  const qty = floorToStep(riskBudget / riskPerUnit, instrument.qtyStep);
  if (qty < instrument.minQty) {
    return {
      ok: false,
      reason: 'below_minimum',
      detail: `risking ${riskBudget} over ${riskPerUnit} per unit gives ${qty}, below the ${input.symbol} minimum of ${instrument.minQty}`,
    };
  }
  return { ok: true, qty, riskPerUnit, riskBudget, riskAmount: qty * riskPerUnit };
}
