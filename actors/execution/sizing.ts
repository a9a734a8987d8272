/**
 * Position sizing: risk a fixed fraction of paper equity on each trade, costs included, and never
 * more notional than the leverage cap allows.
 *
 *   riskBudget  = equity × riskPerTrade
 *   riskPerUnit = |entry − stop| + costPerUnit      (costPerUnit: spread and fees of both legs)
 *   qty         = floor_step(min(riskBudget / riskPerUnit, equity × maxLeverage / entry))
 *
 * so that a stop-out at the planned stop loses at most riskBudget, fees and the quoted spread
 * included (impact and the gap past the stop come on top: the cost model knows them only at the
 * fill). Without the costs a 6 bps stop on a crypto venue charging 10 bps a side would size a
 * trade whose fees alone are three times its risk. A trade that cannot be sized is refused with a
 * typed reason, not a throw: refusing is a normal outcome the gateway records, not a crash.
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
  /** the position's notional may be at most equity × this (FAKEOUT_MAX_LEVERAGE) */
  maxLeverage: number;
  /** expected cost per unit of the entry and the exit (half spreads and fees), ≥ 0; default 0 */
  costPerUnit?: number;
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
      /** entry-to-stop distance plus costPerUnit, per unit */
      riskPerUnit: number;
      /** whether the leverage cap, not the risk budget, set the quantity */
      leverageCapped: boolean;
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
  if (!positive(input.equity) || !positive(input.riskPerTrade) || !positive(input.maxLeverage)) {
    return { ok: false, reason: 'no_risk_budget', detail: `equity ${input.equity}, riskPerTrade ${input.riskPerTrade} and maxLeverage ${input.maxLeverage} must be positive` };
  }
  const costPerUnit = input.costPerUnit ?? 0;
  if (!(Number.isFinite(costPerUnit) && costPerUnit >= 0)) return { ok: false, reason: 'degenerate_prices', detail: `costPerUnit ${costPerUnit} must be a number ≥ 0` };
  const riskPerUnit = Math.abs(entry - stop) + costPerUnit;
  const riskBudget = input.equity * input.riskPerTrade;
  const byRisk = riskBudget / riskPerUnit;
  const byLeverage = (input.equity * input.maxLeverage) / entry;
  const leverageCapped = byLeverage < byRisk;
  const qty = floorToStep(Math.min(byRisk, byLeverage), instrument.qtyStep);
  if (qty < instrument.minQty) {
    const why = leverageCapped ? `the leverage cap (${input.maxLeverage} × equity ${input.equity} at ${entry})` : `risking ${riskBudget} over ${riskPerUnit} per unit`;
    return { ok: false, reason: 'below_minimum', detail: `${why} gives ${qty}, below the ${input.symbol} minimum of ${instrument.minQty}` };
  }
  return { ok: true, qty, riskPerUnit, leverageCapped, riskBudget, riskAmount: qty * riskPerUnit };
}
