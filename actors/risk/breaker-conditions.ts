/**
 * The circuit breaker's trip conditions, as pure functions over rolling windows that are plain
 * JSON (`BreakerWindows`). The breaker machine keeps the windows in its context, so they are
 * persisted and restored with its snapshot; nothing here reads a clock or does I/O.
 *
 * `observe(windows, observation, thresholds)` folds one fact in and returns the new windows plus
 * the conditions that fact tripped (usually none). Each `check*` function returns `undefined`
 * (no trip) or a `Trip` with the figures that tripped it. The formulas are in docs/risk.md.
 *
 * POLICY: every comparison is strict (`>`, never `>=`), so a value exactly at its threshold does
 * not trip; the slippage and error-rate windows must be full before they are judged.
 */
import type { BreakerThresholds } from './thresholds.ts';


export type TripCondition = 'slippage' | 'losses' | 'drawdown' | 'orderErrors' | 'monitor';

/** Why the breaker tripped: a sentence for the operator and the numbers for the audit log. */
export interface Trip {
  condition: TripCondition;
  reason: string;
  figures: Record<string, number>;
}

/** A fill: realised and modelled slippage cost in basis points (positive = adverse). */
export interface FillObservation {
  type: 'FILL';
  /** the fill id; a repeated id is ignored (redelivery) */
  id: string;
  at: number;
  realisedBps: number;
  /** the slippage model's cost for this fill; always > 0 (costs are never zero) */
  modelledBps: number;
}

export interface TradeClosedObservation {
  type: 'TRADE_CLOSED';
  /** the trade (position) id; a repeated id is ignored */
  id: string;
  at: number;
  /** realised P&L of the trade, in account currency */
  pnl: number;
  /** account equity after the trade */
  equity: number;
}

export type OrderOutcome = 'ok' | 'error' | 'rejected';

export interface OrderResultObservation {
  type: 'ORDER_RESULT';
  /** the client order id; a repeated id is ignored */
  id: string;
  at: number;
  result: OrderOutcome;
}

export interface EquityObservation {
  type: 'EQUITY';
  at: number;
  equity: number;
}

export type Observation = FillObservation | TradeClosedObservation | OrderResultObservation | EquityObservation;

/** The rolling state every condition is judged on. Plain JSON: no classes, no undefined. */
export interface BreakerWindows {
  /** the last `slippageWindow` fills, oldest first */
  fills: { realisedBps: number; modelledBps: number }[];
  /** closed trades in a row with pnl < 0, and their summed pnl */
  lossStreak: number;
  streakPnl: number;
  /** the last `errorWindow` order outcomes, oldest first */
  orders: OrderOutcome[];
  /** the current UTC day (epoch ms of its 00:00), its starting equity and the latest equity */
  equity: { day: number; dayStartEquity: number; lastEquity: number } | null;
  /** ids already folded in, newest last (at most RECENT_IDS), so a redelivery counts once */
  recentIds: string[];
}

export const RECENT_IDS = 256;
const DAY_MS = 86_400_000;

export function emptyWindows(): BreakerWindows {
  return { fills: [], lossStreak: 0, streakPnl: 0, orders: [], equity: null, recentIds: [] };
}

/**
 * What a human reset starts from: the fill, loss and order windows are emptied (the approver
 * judged them), the equity day is kept.
 * POLICY: a daily-drawdown trip cannot be reset away within its UTC day: the day's starting
 * equity survives the reset, so the next equity still beyond the limit that day trips again.
 */
export function windowsAfterReset(w: BreakerWindows): BreakerWindows {
  return { ...emptyWindows(), equity: w.equity, recentIds: w.recentIds };
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isInstant = (x: unknown): x is number => isNum(x) && Number.isInteger(x) && x >= 0;
const isId = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
/** A value as a person would read it in an error (NaN stays NaN, not JSON's null). */
const show = (x: unknown): string => (typeof x === 'number' ? String(x) : (JSON.stringify(x) ?? String(x)));

/** What is wrong with an observation, naming the field (`FILL.modelledBps: …`), or undefined. */
export function observationProblem(o: Observation): string | undefined {
  const bad = (field: string, expect: string, got: unknown) =>
    `${o.type}.${field}: expected ${expect}, got ${show(got)}`;
  if (!isInstant(o.at)) return bad('at', 'epoch milliseconds (a non-negative integer)', o.at);
  switch (o.type) {
    case 'FILL':
      if (!isId(o.id)) return bad('id', 'a non-empty string', o.id);
      if (!isNum(o.realisedBps)) return bad('realisedBps', 'a finite number', o.realisedBps);
      if (!isNum(o.modelledBps) || o.modelledBps <= 0) return bad('modelledBps', 'a positive number', o.modelledBps);
      return undefined;
    case 'TRADE_CLOSED':
      if (!isId(o.id)) return bad('id', 'a non-empty string', o.id);
      if (!isNum(o.pnl)) return bad('pnl', 'a finite number', o.pnl);
      if (!isNum(o.equity) || o.equity <= 0) return bad('equity', 'a positive number', o.equity);
      return undefined;
    case 'ORDER_RESULT':
      if (!isId(o.id)) return bad('id', 'a non-empty string', o.id);
      if (o.result !== 'ok' && o.result !== 'error' && o.result !== 'rejected') return bad('result', 'ok, error or rejected', o.result);
      return undefined;
    case 'EQUITY':
      if (!isNum(o.equity) || o.equity <= 0) return bad('equity', 'a positive number', o.equity);
      return undefined;
    default:
      return `unknown observation type ${JSON.stringify((o as { type?: unknown }).type)}`;
  }
}

/**
 * THE slippage ratio: Σ realisedBps / Σ modelledBps over the given fills (the breaker's trip
 * condition and the slippage monitor's gauge are this one formula). NaN for no fills.
 */
export function slippageRatio(fills: readonly { realisedBps: number; modelledBps: number }[]): { ratio: number; realised: number; modelled: number } {
  let realised = 0;
  let modelled = 0;
  for (const f of fills) {
    realised += f.realisedBps;
    modelled += f.modelledBps;
  }
  return { ratio: fills.length === 0 ? Number.NaN : realised / modelled, realised, modelled };
}

/** Slippage ratio = Σ realisedBps / Σ modelledBps over the last `slippageWindow` fills; trips when > `slippageRatio`. */
export function checkSlippage(w: BreakerWindows, t: BreakerThresholds): Trip | undefined {
  if (w.fills.length < t.slippageWindow) return undefined;
  const { ratio, realised, modelled } = slippageRatio(w.fills);
  if (!(ratio > t.slippageRatio)) return undefined;
  return {
    condition: 'slippage',
    reason: `realised/modelled slippage ${ratio.toFixed(4)} > ${t.slippageRatio} over the last ${w.fills.length} fills`,
    figures: { ratio, realisedBps: realised, modelledBps: modelled, fills: w.fills.length, threshold: t.slippageRatio },
  };
}

/** Trips when `maxLosses` closed trades in a row lost money (pnl < 0). */
export function checkLosses(w: BreakerWindows, t: BreakerThresholds): Trip | undefined {
  if (w.lossStreak < t.maxLosses) return undefined;
  return {
    condition: 'losses',
    reason: `${w.lossStreak} losing trades in a row (limit ${t.maxLosses})`,
    figures: { consecutiveLosses: w.lossStreak, streakPnl: w.streakPnl, limit: t.maxLosses },
  };
}

/** Drawdown % = (dayStartEquity − equity) / dayStartEquity × 100 within one UTC day; trips when > `dailyDrawdownPct`. */
export function checkDrawdown(w: BreakerWindows, t: BreakerThresholds): Trip | undefined {
  if (w.equity === null) return undefined;
  const { day, dayStartEquity, lastEquity } = w.equity;
  // × 100 before ÷: exact for whole amounts, so 9700 against 10000 is exactly 3, not 2.9999…
  const drawdownPct = ((dayStartEquity - lastEquity) * 100) / dayStartEquity;
  if (!(drawdownPct > t.dailyDrawdownPct)) return undefined;
  return {
    condition: 'drawdown',
    reason: `daily drawdown ${drawdownPct.toFixed(2)} % > ${t.dailyDrawdownPct} % of the UTC day's starting equity ${dayStartEquity}`,
    figures: { drawdownPct, dayStartEquity, equity: lastEquity, limitPct: t.dailyDrawdownPct, day },
  };
}

/** Error rate = (error + rejected) / `errorWindow` over the last `errorWindow` orders; trips when > `errorRate`. */
export function checkOrderErrors(w: BreakerWindows, t: BreakerThresholds): Trip | undefined {
  if (w.orders.length < t.errorWindow) return undefined;
  const errors = w.orders.filter((o) => o === 'error').length;
  const rejected = w.orders.filter((o) => o === 'rejected').length;
  const rate = (errors + rejected) / w.orders.length;
  if (!(rate > t.errorRate)) return undefined;
  return {
    condition: 'orderErrors',
    reason: `order error/rejection rate ${rate.toFixed(4)} > ${t.errorRate} over the last ${w.orders.length} orders`,
    figures: { rate, errors, rejected, orders: w.orders.length, threshold: t.errorRate },
  };
}

function lastN<T>(xs: readonly T[], x: T, n: number): T[] {
  const out = [...xs, x];
  return out.length > n ? out.slice(out.length - n) : out;
}

function withEquity(w: BreakerWindows, at: number, equity: number): BreakerWindows['equity'] {
  const day = Math.floor(at / DAY_MS) * DAY_MS;
  if (w.equity === null) return { day, dayStartEquity: equity, lastEquity: equity };
  // A late report from an earlier day says nothing about today's drawdown.
  if (day < w.equity.day) return w.equity;
  if (day === w.equity.day) return { ...w.equity, lastEquity: equity };
  // A new UTC day starts from the equity it opened with: the last one seen before midnight.
  return { day, dayStartEquity: w.equity.lastEquity, lastEquity: equity };
}

/**
 * Folds one valid observation in (check `observationProblem` first) and judges only the
 * conditions it can change. A repeated id changes nothing and trips nothing.
 */
export function observe(w: BreakerWindows, o: Observation, t: BreakerThresholds): { windows: BreakerWindows; trips: Trip[] } {
  if (o.type !== 'EQUITY') {
    if (w.recentIds.includes(o.id)) return { windows: w, trips: [] };
    w = { ...w, recentIds: lastN(w.recentIds, o.id, RECENT_IDS) };
  }
  const trips: (Trip | undefined)[] = [];
  switch (o.type) {
    case 'FILL':
      w = { ...w, fills: lastN(w.fills, { realisedBps: o.realisedBps, modelledBps: o.modelledBps }, t.slippageWindow) };
      trips.push(checkSlippage(w, t));
      break;
    case 'TRADE_CLOSED': {
      const lost = o.pnl < 0;
      w = {
        ...w,
        lossStreak: lost ? w.lossStreak + 1 : 0,
        streakPnl: lost ? w.streakPnl + o.pnl : 0,
        equity: withEquity(w, o.at, o.equity),
      };
      trips.push(checkLosses(w, t), checkDrawdown(w, t));
      break;
    }
    case 'ORDER_RESULT':
      w = { ...w, orders: lastN(w.orders, o.result, t.errorWindow) };
      trips.push(checkOrderErrors(w, t));
      break;
    case 'EQUITY':
      w = { ...w, equity: withEquity(w, o.at, o.equity) };
      trips.push(checkDrawdown(w, t));
      break;
  }
  return { windows: w, trips: trips.filter((x): x is Trip => x !== undefined) };
}

/** A monitor's trip (clock drift, stale data, integrity): a reason and the figures behind it. */
export function monitorTrip(reason: unknown, figures: unknown): Trip {
  const problem = monitorTripProblem(reason, figures);
  if (problem === undefined) return { condition: 'monitor', reason: reason as string, figures: { ...(figures as Record<string, number>) } };
  // POLICY: a monitor's trip is never dropped: a malformed one still opens the breaker, its
  // reason saying what was malformed, with no figures (a non-finite number is not JSON).
  return { condition: 'monitor', reason: `malformed monitor trip (${problem})`, figures: {} };
}

/** What is malformed in a monitor trip's reason and figures (undefined: nothing); `monitorTrip` says it in the trip's reason. */
export function monitorTripProblem(reason: unknown, figures: unknown): string | undefined {
  if (typeof reason !== 'string' || reason.trim() === '') return `TRIP.reason: expected a non-empty string, got ${show(reason)}`;
  if (typeof figures !== 'object' || figures === null || Array.isArray(figures)) return 'TRIP.figures: expected an object of numbers';
  const bad = Object.entries(figures).find(([, v]) => !isNum(v));
  return bad === undefined ? undefined : `TRIP.figures.${bad[0]}: expected a finite number, got ${show(bad[1])}`;
}
