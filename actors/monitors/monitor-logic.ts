/**
 * The two monitors' pure logic: what each one measures and tags, over plain-JSON state. No I/O,
 * no clock (times come with the data), no xstate (the alert decision is machines/monitor.machine.ts,
 * run by the stage wiring beside this).
 *
 * Liquidity: every scored bar feeds a trailing volume window per symbol and timeframe
 * (actors/execution/liquidity.ts, the same tracker the paper broker prices with); a bar that is a
 * signal is tagged low-liquidity when it opened outside every main session or its volume is below
 * the window's percentile. The share of low-liquidity signals among the last N signals is the
 * figure the alert judges (> 0.30 by default), once N signals were seen.
 *
 * Slippage: every ENTRY fill's realised and modelled slippage (bps) goes into a window of the last
 * N entry fills (an exit is priced at its trigger, so its realised cost is its modelled one and
 * would pull the ratio towards 1: docs/risk.md); the figure is `slippageRatio` (actors/risk/breaker-conditions.ts), the one formula the
 * circuit breaker trips on, judged once the window is full.
 */
import type { TradingSessions } from '../../adapters/time/sessions.ts';
import type { Score, Timeframe } from '../domain/messages.ts';
import { LiquidityTracker, type LiquidityParams, type LiquiditySnapshot, type LowLiquidityReason } from '../execution/liquidity.ts';
import { slippageRatio } from '../risk/breaker-conditions.ts';

/** A monitor's current state as stored (`monitor_states`) and served (`GET /api/monitors`). */
export interface MonitorState {
  monitor: string;
  state: 'normal' | 'alert';
  value: number | null;
  threshold: number;
  since: number | null;
  figures: Record<string, number>;
}

/** One measurement for the alert machine. */
export interface Measure {
  value: number;
  /** false while the window is not full: the machine does not judge it */
  judged: boolean;
  figures: Record<string, number>;
}

/** The liquidity tag of one signal (table `signal_liquidity`). */
export interface SignalLiquidity {
  signalId: string;
  symbol: string;
  timeframe: Timeframe;
  openTime: number;
  low: boolean;
  reasons: LowLiquidityReason[];
  /** the signal bar's volume, or null when its features predate the `volume` field */
  volume: number | null;
  /** the trailing percentile compared against, null while the window warms up */
  threshold: number | null;
}

export interface LiquidityWatchState {
  version: 1;
  tracker: LiquiditySnapshot;
  /** low-liquidity flags of the last `signalWindow` signals, oldest first */
  recent: boolean[];
}

export interface LiquidityWatchParams {
  liquidity: LiquidityParams;
  /** N: signals in the share's window */
  signalWindow: number;
}

export class LiquidityWatch {
  readonly #tracker: LiquidityTracker;
  readonly #recent: boolean[];

  constructor(
    readonly params: Readonly<LiquidityWatchParams>,
    state?: LiquidityWatchState,
  ) {
    this.#tracker = state ? LiquidityTracker.restore(state.tracker) : new LiquidityTracker(params.liquidity);
    this.#recent = state ? [...state.recent] : [];
  }

  /**
   * One scored bar. `isSignal`: whether the scoring rule made it a signal; `sessions`: the
   * sessions open at its open time. Returns the signal's tag and the new share, or nothing for a
   * bar that is not a signal (it only feeds the window).
   */
  observe(score: Score, isSignal: boolean, sessions: TradingSessions): { tag: SignalLiquidity; measure: Measure } | undefined {
    const volume = typeof score.features.volume === 'number' ? score.features.volume : null;
    const bar = { symbol: score.symbol, timeframe: score.timeframe, volume: volume ?? Number.POSITIVE_INFINITY };
    // Judged against the bars BEFORE this one, then this one joins the window.
    const verdict = this.#tracker.isLowLiquidity(bar, sessions);
    if (volume !== null) this.#tracker.update(bar);
    if (!isSignal) return undefined;
    const tag: SignalLiquidity = {
      signalId: score.id, symbol: score.symbol, timeframe: score.timeframe, openTime: score.openTime,
      low: verdict.low, reasons: verdict.reasons, volume, threshold: verdict.threshold,
    };
    this.#recent.push(tag.low);
    if (this.#recent.length > this.params.signalWindow) this.#recent.shift();
    const low = this.#recent.filter(Boolean).length;
    return {
      tag,
      measure: {
        value: low / this.#recent.length,
        judged: this.#recent.length >= this.params.signalWindow,
        figures: { lowLiquiditySignals: low, signals: this.#recent.length },
      },
    };
  }

  snapshot(): LiquidityWatchState {
    return { version: 1, tracker: this.#tracker.snapshot(), recent: [...this.#recent] };
  }
}

export interface SlippageWatchState {
  version: 1;
  fills: { realisedBps: number; modelledBps: number }[];
  /** fill ids already counted, newest last (bounded), so a redelivered fill counts once */
  recentIds: string[];
}

const RECENT_IDS = 512;

export class SlippageWatch {
  readonly #fills: { realisedBps: number; modelledBps: number }[];
  readonly #ids: string[];

  constructor(
    readonly window: number,
    state?: SlippageWatchState,
  ) {
    this.#fills = state ? state.fills.map((f) => ({ ...f })) : [];
    this.#ids = state ? [...state.recentIds] : [];
  }

  /**
   * One fill. Only entries are measured (POLICY, docs/risk.md: an exit realises exactly its
   * modelled cost). A fill without a realised figure (no decision price) or with a non-positive
   * modelled cost is not measured (the model never prices a fill at zero cost, so such a fill is
   * not the model's); a repeated id is ignored.
   */
  observe(fill: { fillId: string; leg: 'entry' | 'exit'; realisedBps: number | null; modelledBps: number }): Measure | undefined {
    if (fill.leg !== 'entry') return undefined;
    if (this.#ids.includes(fill.fillId)) return undefined;
    this.#ids.push(fill.fillId);
    if (this.#ids.length > RECENT_IDS) this.#ids.shift();
    if (fill.realisedBps === null || !(fill.modelledBps > 0)) return undefined;
    this.#fills.push({ realisedBps: fill.realisedBps, modelledBps: fill.modelledBps });
    if (this.#fills.length > this.window) this.#fills.shift();
    const { ratio, realised, modelled } = slippageRatio(this.#fills);
    return { value: ratio, judged: this.#fills.length >= this.window, figures: { realisedBps: realised, modelledBps: modelled, fills: this.#fills.length } };
  }

  snapshot(): SlippageWatchState {
    return { version: 1, fills: this.#fills.map((f) => ({ ...f })), recentIds: [...this.#ids] };
  }
}
