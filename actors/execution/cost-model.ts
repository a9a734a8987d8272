/**
 * The mandatory slippage and cost model (docs/execution.md has the derivation and sources).
 *
 * A market order decided on a bar's close fills at the NEXT bar's open (never the decision bar's
 * close: that price is already gone when the order can reach a venue), moved against the order by
 *
 *   slippageBps = (spreadBps/2 + k · σ · sqrt(min(qty / barVolume, 1)) · 10⁴) × m + noiseBps · u(orderId)
 *
 * where σ is the per-bar volatility as a fraction of price (ATR / price), m the low-liquidity
 * multiplier (1 when liquidity is normal) and u(orderId) ∈ [0, 1) a uniform drawn from a hash of
 * the client order id, so a replay of the same order gives the same fill. Fees are per venue type:
 * max(feeMin, notional · feeBps/10⁴ + feePerUnit · qty).
 *
 * POLICY: costs cannot be switched off. validateCostModel refuses a negative parameter, an impact
 * coefficient of zero, a multiplier below 1, and any venue whose spread and fees add up to zero.
 * The noise term is never negative, so it can only add cost.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../domain/config.ts';
import { FakeoutError } from '../domain/errors.ts';
import type { Direction } from '../domain/messages.ts';
import { VENUE_TYPES, type VenueType } from './instruments.ts';

export type OrderSide = 'buy' | 'sell';

export interface VenueCosts {
  /** full quoted spread in bps of price; half of it is paid on each market order */
  spreadBps: number;
  /** fee in bps of notional */
  feeBps: number;
  /** fee per unit (per share for equities) */
  feePerUnit: number;
  /** minimum fee per order, in the quote currency */
  feeMin: number;
}

export interface CostModelParams {
  venues: Readonly<Record<VenueType, Readonly<VenueCosts>>>;
  /** k of the square-root impact law */
  impactK: number;
  /** m: multiplies spread and impact when liquidity is low (≥ 1) */
  lowLiquidityMultiplier: number;
  /** the seeded noise term's upper bound, in bps (uniform on [0, noiseBps)) */
  noiseBps: number;
}

/** Defaults and where each comes from: see docs/execution.md. */
export const DEFAULT_COST_MODEL: Readonly<CostModelParams> = Object.freeze({
  venues: Object.freeze({
    equity: Object.freeze({ spreadBps: 1, feeBps: 0, feePerUnit: 0.005, feeMin: 1 }),
    fx: Object.freeze({ spreadBps: 1, feeBps: 0.2, feePerUnit: 0, feeMin: 2 }),
    crypto: Object.freeze({ spreadBps: 2, feeBps: 10, feePerUnit: 0, feeMin: 0 }),
  }),
  impactK: 0.5,
  lowLiquidityMultiplier: 2,
  noiseBps: 0.5,
});

/** The environment variable that sets each configurable parameter (the others are named by path). */
export const COST_PARAM_ENV: Readonly<Record<string, string>> = Object.freeze({
  'venues.equity.spreadBps': 'FAKEOUT_SPREAD_BPS_EQUITY',
  'venues.fx.spreadBps': 'FAKEOUT_SPREAD_BPS_FX',
  'venues.crypto.spreadBps': 'FAKEOUT_SPREAD_BPS_CRYPTO',
  'venues.equity.feePerUnit': 'FAKEOUT_FEE_PER_SHARE',
  'venues.equity.feeMin': 'FAKEOUT_FEE_MIN_EQUITY',
  'venues.fx.feeBps': 'FAKEOUT_FEE_BPS_FX',
  'venues.crypto.feeBps': 'FAKEOUT_FEE_BPS_CRYPTO',
  impactK: 'FAKEOUT_IMPACT_K',
  lowLiquidityMultiplier: 'FAKEOUT_LOW_LIQ_MULTIPLIER',
  noiseBps: 'FAKEOUT_NOISE_BPS',
});

const paramName = (path: string): string => COST_PARAM_ENV[path] ?? path;

function invalid(path: string, message: string): never {
  const field = paramName(path);
  throw new FakeoutError('FAKEOUT_ERR_EXEC_COST_MODEL_INVALID', `${field}: ${message}`, { details: { field } });
}

/**
 * Refuses a cost model that is not a real cost: throws FAKEOUT_ERR_EXEC_COST_MODEL_INVALID whose
 * message starts with, and `info.field` is, the parameter at fault (its environment variable when
 * it has one). Returns the params, frozen, when they are valid.
 */
export function validateCostModel(params: CostModelParams): Readonly<CostModelParams> {
  const finiteNonNegative = (path: string, x: number): void => {
    if (typeof x !== 'number' || !Number.isFinite(x)) invalid(path, `expected a finite number, got ${String(x)}`);
    if (x < 0) invalid(path, `a cost cannot be negative, got ${x}`);
  };
  for (const venue of VENUE_TYPES) {
    const v = params.venues[venue];
    if (v === undefined) invalid(`venues.${venue}`, 'missing');
    for (const key of ['spreadBps', 'feeBps', 'feePerUnit', 'feeMin'] as const) finiteNonNegative(`venues.${venue}.${key}`, v[key]);
    if (v.spreadBps + v.feeBps + v.feePerUnit + v.feeMin <= 0) {
      invalid(`venues.${venue}.spreadBps`, `${venue} orders would cost nothing (spread and every fee are 0); costs cannot be switched off`);
    }
  }
  finiteNonNegative('impactK', params.impactK);
  if (params.impactK === 0) invalid('impactK', 'the square-root impact term cannot be switched off (expected > 0)');
  finiteNonNegative('lowLiquidityMultiplier', params.lowLiquidityMultiplier);
  if (params.lowLiquidityMultiplier < 1) invalid('lowLiquidityMultiplier', `low liquidity cannot make orders cheaper (expected ≥ 1, got ${params.lowLiquidityMultiplier})`);
  finiteNonNegative('noiseBps', params.noiseBps);
  const venues = Object.fromEntries(VENUE_TYPES.map((v) => [v, Object.freeze({ ...params.venues[v] })])) as Record<VenueType, VenueCosts>;
  return Object.freeze({ ...params, venues: Object.freeze(venues) });
}

/** The cost model the configuration describes (validated by loadConfig through validateCostModel). */
export function costModelFromConfig(c: Pick<Config, 'spreadBpsEquity' | 'spreadBpsFx' | 'spreadBpsCrypto' | 'feePerShare' | 'feeMinEquity' | 'feeBpsFx' | 'feeBpsCrypto' | 'impactK' | 'lowLiqMultiplier' | 'noiseBps'>): Readonly<CostModelParams> {
  const d = DEFAULT_COST_MODEL.venues;
  return validateCostModel({
    venues: {
      equity: { ...d.equity, spreadBps: c.spreadBpsEquity, feePerUnit: c.feePerShare, feeMin: c.feeMinEquity },
      fx: { ...d.fx, spreadBps: c.spreadBpsFx, feeBps: c.feeBpsFx },
      crypto: { ...d.crypto, spreadBps: c.spreadBpsCrypto, feeBps: c.feeBpsCrypto },
    },
    impactK: c.impactK,
    lowLiquidityMultiplier: c.lowLiqMultiplier,
    noiseBps: c.noiseBps,
  });
}

/** A uniform number in [0, 1) from the first 32 bits of sha256(orderId): same id, same number. */
export function orderNoise(orderId: string): number {
  return Number.parseInt(createHash('sha256').update(orderId, 'utf8').digest('hex').slice(0, 8), 16) / 2 ** 32;
}

export interface FillQuoteInput {
  /** the client order id: seeds the noise term */
  orderId: string;
  side: OrderSide;
  qty: number;
  venue: VenueType;
  /** the price the order executes against: the next bar's open (or, for an exit, the trigger price) */
  basePrice: number;
  /** that bar's volume, in the same units as qty; ≤ 0 (unknown) counts as full participation */
  barVolume: number;
  /** per-bar volatility as a fraction of price, e.g. ATR / price */
  sigma: number;
  lowLiquidity: boolean;
}

/** The modelled slippage of one fill, in bps of the base price, by component. All ≥ 0 (adverse). */
export interface SlippageBreakdown {
  halfSpreadBps: number;
  impactBps: number;
  /** m applied to spread and impact (1 when liquidity was normal) */
  liquidityMultiplier: number;
  noiseBps: number;
  /** (halfSpreadBps + impactBps) × liquidityMultiplier + noiseBps */
  totalBps: number;
}

export interface FillQuote {
  basePrice: number;
  /** basePrice moved against the order by slippage.totalBps */
  price: number;
  qty: number;
  notional: number;
  fees: number;
  slippage: SlippageBreakdown;
}

function checkInput(i: FillQuoteInput): void {
  const bad = (field: string, msg: string): never => {
    throw new FakeoutError('FAKEOUT_ERR_EXEC_COST_MODEL_INVALID', `${field}: ${msg}`, { details: { field } });
  };
  if (!(Number.isFinite(i.qty) && i.qty > 0)) bad('qty', `expected a positive quantity, got ${i.qty}`);
  if (!(Number.isFinite(i.basePrice) && i.basePrice > 0)) bad('basePrice', `expected a positive price, got ${i.basePrice}`);
  if (!(Number.isFinite(i.sigma) && i.sigma >= 0)) bad('sigma', `expected a non-negative volatility fraction, got ${i.sigma}`);
  if (!Number.isFinite(i.barVolume)) bad('barVolume', `expected a number, got ${i.barVolume}`);
  if (i.side !== 'buy' && i.side !== 'sell') bad('side', `expected buy or sell, got ${String(i.side)}`);
}

/** Prices one market order with the model above. Pure: same params and input, same quote. */
export function quoteMarketFill(params: Readonly<CostModelParams>, input: FillQuoteInput): FillQuote {
  checkInput(input);
  const venue = params.venues[input.venue];
  const participation = input.barVolume > 0 ? Math.min(input.qty / input.barVolume, 1) : 1;
  const halfSpreadBps = venue.spreadBps / 2;
  const impactBps = params.impactK * input.sigma * Math.sqrt(participation) * 1e4;
  const liquidityMultiplier = input.lowLiquidity ? params.lowLiquidityMultiplier : 1;
  const noiseBps = params.noiseBps * orderNoise(input.orderId);
  const totalBps = (halfSpreadBps + impactBps) * liquidityMultiplier + noiseBps;
  const sign = input.side === 'buy' ? 1 : -1;
  const price = input.basePrice * (1 + (sign * totalBps) / 1e4);
  const notional = price * input.qty;
  const fees = Math.max(venue.feeMin, (notional * venue.feeBps) / 1e4 + venue.feePerUnit * input.qty);
  return { basePrice: input.basePrice, price, qty: input.qty, notional, fees, slippage: { halfSpreadBps, impactBps, liquidityMultiplier, noiseBps, totalBps } };
}

/**
 * What sizing counts as the known cost of one unit traded in and out at `price`: half the quoted
 * spread and the fee, on each leg. Impact, noise and the low-liquidity multiplier depend on the
 * fill bar and are not known before; the minimum fee per order is not per unit (both left out).
 */
export function roundTripCostPerUnit(params: Readonly<CostModelParams>, venue: VenueType, price: number): number {
  const v = params.venues[venue];
  return 2 * ((price * (v.spreadBps / 2 + v.feeBps)) / 1e4 + v.feePerUnit);
}

/**
 * Realised slippage of a fill against the decision price (for an entry: the signal's entry, the
 * close the decision was made on), in bps, signed so that ADVERSE IS POSITIVE. It includes the
 * move from the decision bar's close to the next open, which the model cannot know in advance;
 * the slippage monitor compares it with the modelled totalBps estimated before sending.
 */
export function realisedSlippageBps(side: OrderSide, referencePrice: number, fillPrice: number): number {
  const diff = side === 'buy' ? fillPrice - referencePrice : referencePrice - fillPrice;
  return (diff / referencePrice) * 1e4;
}

/** The order side that opens (entry) or closes (exit) a position in `direction`. */
export function sideFor(direction: Direction, leg: 'entry' | 'exit'): OrderSide {
  return (direction === 'long') === (leg === 'entry') ? 'buy' : 'sell';
}
