/**
 * One paper position, from its entry fill to its exit, bar by bar. Pure: the exit price comes
 * from a pricer the caller passes (the cost model), so the same bars give the same trade.
 *
 * Exit rules, checked on every bar of the position's symbol and timeframe from the bar whose
 * open filled the entry (its high and low happen after that open):
 *
 * 1. a bar that OPENS beyond the stop (a gap) exits at its open, not at the stop: the stop price
 *    never traded. A bar that opens beyond the target exits at its open too (a better price).
 *    The entry bar is exempt from this rule: its open is the entry.
 * 2. POLICY: a bar whose range touches both the stop and the target counts as a stop-out. OHLC
 *    bars do not say which came first; assuming the worse one keeps paper results honest.
 * 3. a bar that touches only the stop exits at the stop; only the target, at the target.
 * 4. the time stop: after `timeStopBars` bars (the entry bar is bar 1) the position exits at
 *    that bar's close.
 *
 * Every exit is a market order through the same cost model (the pricer), including target
 * exits, which a resting limit order might have filled without slippage: conservative.
 * P&L is after fees both ways; R = P&L / initial risk, where initial risk is the planned one:
 * |decision price − stop| × qty (what sizing put at stake).
 */
import { FakeoutError } from '../domain/errors.ts';
import type { Bar, Direction, Timeframe } from '../domain/messages.ts';
import { sideFor, type OrderSide, type SlippageBreakdown } from './cost-model.ts';

export type ExitReason = 'stop' | 'target' | 'time';

export interface PositionSpec {
  /** deterministic: the signal id the position came from */
  id: string;
  symbol: string;
  timeframe: Timeframe;
  direction: Direction;
  /** the signal's entry: the price sizing and R are measured from */
  decisionPrice: number;
  stop: number;
  target: number;
  timeStopBars: number;
}

export interface EntryFill {
  price: number;
  qty: number;
  fees: number;
  /** openTime of the bar whose open filled it */
  time: number;
}

export interface ExitTrigger {
  reason: ExitReason;
  /** the price the exit order executes against before slippage */
  triggerPrice: number;
  /** true when the bar opened beyond the level and the exit is priced at the open */
  gap: boolean;
  bar: Bar;
  side: OrderSide;
  qty: number;
}

/** Prices an exit (the cost model in production). */
export type ExitPricer = (trigger: ExitTrigger) => { price: number; fees: number; slippage?: SlippageBreakdown };

export interface ClosedTrade {
  id: string;
  symbol: string;
  direction: Direction;
  qty: number;
  entryPrice: number;
  entryFees: number;
  entryTime: number;
  exitPrice: number;
  exitFees: number;
  /** the bar's open for a gap exit, else the bar's close time (the latest the exit can have happened) */
  exitTime: number;
  reason: ExitReason;
  gap: boolean;
  barsHeld: number;
  /** currency, after fees both ways */
  pnl: number;
  initialRisk: number;
  /** pnl / initialRisk */
  r: number;
}

export interface PositionSnapshot {
  version: 1;
  spec: PositionSpec;
  entry: EntryFill;
  barsHeld: number;
  lastBarOpenTime: number | null;
  closed: ClosedTrade | null;
}

export class Position {
  readonly spec: Readonly<PositionSpec>;
  readonly entry: Readonly<EntryFill>;
  #barsHeld = 0;
  #lastBarOpenTime: number | null = null;
  #closed: ClosedTrade | null = null;

  private constructor(spec: PositionSpec, entry: EntryFill) {
    const bad = (field: string, msg: string): never => {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `position ${spec.id}: ${field}: ${msg}`, { details: { field } });
    };
    if (!(entry.qty > 0)) bad('qty', `expected > 0, got ${entry.qty}`);
    if (!Number.isInteger(spec.timeStopBars) || spec.timeStopBars < 1) bad('timeStopBars', `expected an integer ≥ 1, got ${spec.timeStopBars}`);
    const long = spec.direction === 'long';
    if (long ? !(spec.stop < spec.decisionPrice && spec.target > spec.decisionPrice) : !(spec.stop > spec.decisionPrice && spec.target < spec.decisionPrice)) {
      bad('stop', `a ${spec.direction} needs stop and target on either side of ${spec.decisionPrice} (stop ${spec.stop}, target ${spec.target})`);
    }
    this.spec = Object.freeze({ ...spec });
    this.entry = Object.freeze({ ...entry });
  }

  /** A position opened by `entry` (the fill at the open of the bar after the signal). */
  static open(spec: PositionSpec, entry: EntryFill): Position {
    return new Position(spec, entry);
  }

  get isOpen(): boolean {
    return this.#closed === null;
  }

  get barsHeld(): number {
    return this.#barsHeld;
  }

  /** The closed trade, or null while open. */
  get trade(): ClosedTrade | null {
    return this.#closed;
  }

  get initialRisk(): number {
    return Math.abs(this.spec.decisionPrice - this.spec.stop) * this.entry.qty;
  }

  /** What `bar` does to the position, without pricing or changing anything (null: nothing). */
  trigger(bar: Bar): ExitTrigger | null {
    const { stop, target, direction } = this.spec;
    const long = direction === 'long';
    const side = sideFor(direction, 'exit');
    const qty = this.entry.qty;
    const make = (reason: ExitReason, triggerPrice: number, gap: boolean): ExitTrigger => ({ reason, triggerPrice, gap, bar, side, qty });
    const isEntryBar = bar.openTime === this.entry.time;
    if (!isEntryBar) {
      if (long ? bar.open <= stop : bar.open >= stop) return make('stop', bar.open, true);
      if (long ? bar.open >= target : bar.open <= target) return make('target', bar.open, true);
    }
    const hitsStop = long ? bar.low <= stop : bar.high >= stop;
    if (hitsStop) return make('stop', stop, false); // POLICY: stop first when both are touched
    const hitsTarget = long ? bar.high >= target : bar.low <= target;
    if (hitsTarget) return make('target', target, false);
    if (this.#barsHeld + 1 >= this.spec.timeStopBars) return make('time', bar.close, false);
    return null;
  }

  /**
   * Applies one bar. Bars of other symbols or timeframes, before the entry, or already seen are
   * ignored (so a redelivered bar changes nothing). Returns the closed trade when this bar closed it.
   */
  onBar(bar: Bar, pricer: ExitPricer): ClosedTrade | null {
    if (this.#closed !== null) return null;
    if (bar.symbol !== this.spec.symbol || bar.timeframe !== this.spec.timeframe) return null;
    if (bar.openTime < this.entry.time) return null;
    if (this.#lastBarOpenTime !== null && bar.openTime <= this.#lastBarOpenTime) return null;
    const trig = this.trigger(bar);
    this.#lastBarOpenTime = bar.openTime;
    this.#barsHeld += 1;
    if (trig === null) return null;
    const exit = pricer(trig);
    const sign = this.spec.direction === 'long' ? 1 : -1;
    const pnl = sign * (exit.price - this.entry.price) * this.entry.qty - this.entry.fees - exit.fees;
    const initialRisk = this.initialRisk;
    this.#closed = {
      id: this.spec.id,
      symbol: this.spec.symbol,
      direction: this.spec.direction,
      qty: this.entry.qty,
      entryPrice: this.entry.price,
      entryFees: this.entry.fees,
      entryTime: this.entry.time,
      exitPrice: exit.price,
      exitFees: exit.fees,
      exitTime: trig.gap ? bar.openTime : bar.closeTime,
      reason: trig.reason,
      gap: trig.gap,
      barsHeld: this.#barsHeld,
      pnl,
      initialRisk,
      r: pnl / initialRisk,
    };
    return this.#closed;
  }

  snapshot(): PositionSnapshot {
    return {
      version: 1,
      spec: { ...this.spec },
      entry: { ...this.entry },
      barsHeld: this.#barsHeld,
      lastBarOpenTime: this.#lastBarOpenTime,
      closed: this.#closed === null ? null : { ...this.#closed },
    };
  }

  static restore(snap: PositionSnapshot): Position {
    if (snap?.version !== 1) {
      throw new FakeoutError('FAKEOUT_ERR_EXEC_SNAPSHOT', `position snapshot: unknown version ${JSON.stringify(snap?.version)}`, { details: { field: 'version' } });
    }
    const p = new Position(snap.spec, snap.entry);
    p.#barsHeld = snap.barsHeld;
    p.#lastBarOpenTime = snap.lastBarOpenTime;
    p.#closed = snap.closed === null ? null : { ...snap.closed };
    return p;
  }
}
