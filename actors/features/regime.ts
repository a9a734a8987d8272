/**
 * Regime tags of a bar (docs/scoring.md, "Regimes"): the trading session it opened in, how its
 * volatility ranks against the recent past, and which way a slow moving average is heading.
 * Streaming, constant work per bar for fixed windows.
 *
 * POLICY: like every feature, the regime of a bar is measured BEFORE the bar enters the windows.
 * The ATR it ranks is the one `Features.atr` carries (Wilder ATR as of the previous bar), and the
 * moving averages are of the previous bars' closes, so the regime is known at the bar's open and
 * never changes when the data is cut at that bar. The session is read from the bar's own open time.
 *
 * Definitions (t = the bar being measured, a_j = the ATR bar j's features carry):
 * - ATR percentile: the window is the W most recent a_j up to and including a_t (every bar that
 *   had an ATR counts, whether or not its features were emitted). Rank = (number of window values
 *   strictly below a_t + half the number equal to a_t, a_t itself included) / W, the mid-rank
 *   percentile: in (0, 1), 0.5 for a window of equal values. Null until the window holds W values.
 * - volatility: `low` when the rank is < {@link VOLATILITY_LOW_BELOW}, `high` when > {@link VOLATILITY_HIGH_ABOVE}, else `normal`.
 * - trend slope: (SMA_M(t) − SMA_M(t − k)) / (k × a_t), where SMA_M(t) is the mean close of bars
 *   t−M … t−1: the average's rise per bar in ATR units. Null until M + k previous closes exist,
 *   while a_t is null, or when a_t is 0.
 * - trend: `up` when the slope is > {@link TREND_UP_ABOVE}, `down` when < {@link TREND_DOWN_BELOW}, else `flat`.
 * - session: {@link sessionTag} of the trading sessions open at the bar's open time.
 */
import type { RegimeTags } from '../domain/messages.ts';
import type { TradingSessions } from '../../adapters/time/sessions.ts';
import { FakeoutError } from '../domain/errors.ts';
import { assertWindowSize } from './rolling-extremes.ts';
import { RollingMean, type RollingMeanSnapshot } from './rolling-mean.ts';

/** Rank below which volatility is `low` (the bottom quarter of the window). */
export const VOLATILITY_LOW_BELOW = 0.25;
/** Rank above which volatility is `high` (the top quarter of the window). */
export const VOLATILITY_HIGH_ABOVE = 0.75;
/** Slope (ATR per bar) above which the trend is `up`. */
export const TREND_UP_ABOVE = 0.1;
/** Slope (ATR per bar) below which the trend is `down`. */
export const TREND_DOWN_BELOW = -0.1;

/** Window sizes; defaults W = 100, M = 50, k = 10. */
export interface RegimeOptions {
  /** W: the ATR values the percentile ranks against (the current one included) */
  atrWindow: number;
  /** M: the simple moving average of closes the trend follows */
  trendMa: number;
  /** k: bars between the two averages the slope compares */
  trendLag: number;
}

export const DEFAULT_REGIME_OPTIONS: Readonly<RegimeOptions> = Object.freeze({ atrWindow: 100, trendMa: 50, trendLag: 10 });

/** What the tracker measures for one bar. */
export interface RegimeMeasure {
  atrPercentile: number | null;
  trendSlopeAtr: number | null;
  volatility: RegimeTags['volatility'];
  trend: RegimeTags['trend'];
}

/** Plain-JSON state of {@link RegimeTracker}. */
export interface RegimeTrackerSnapshot {
  options: RegimeOptions;
  /** the ATR window, oldest first */
  atrs: number[];
  closes: RollingMeanSnapshot;
  /** the last k + 1 SMA values, oldest first (fewer while warming up) */
  smas: number[];
}

/** The session tag: the overlap when two sessions are open, the one open session, else `off_hours`. */
export type SessionTag = 'asia' | 'london' | 'new_york' | 'asia_london' | 'london_new_york' | 'off_hours';

/**
 * One tag from {@link TradingSessions}: `asia_london` / `london_new_york` for an overlap (asia and
 * new_york never overlap, so at most one pair is open), the session when one is open, `off_hours`
 * when none is (nights, weekends).
 */
export function sessionTag(open: TradingSessions): SessionTag {
  if (open.overlaps.length > 0) return open.overlaps[0] as SessionTag;
  return open.sessions.length === 1 ? open.sessions[0]! : 'off_hours';
}

const VOLATILITIES: readonly RegimeTags['volatility'][] = [null, 'low', 'normal', 'high'];
const TRENDS: readonly RegimeTags['trend'][] = [null, 'down', 'flat', 'up'];

/** The index in VOLATILITIES of a rank (null or NaN: none). */
const volatilityIndex = (rank: number | null): number => (rank === null || rank !== rank ? 0 : rank < VOLATILITY_LOW_BELOW ? 1 : rank > VOLATILITY_HIGH_ABOVE ? 3 : 2);
/** The index in TRENDS of a slope (null or NaN: none). */
const trendIndex = (slope: number | null): number => (slope === null || slope !== slope ? 0 : slope > TREND_UP_ABOVE ? 3 : slope < TREND_DOWN_BELOW ? 1 : 2);

export function volatilityOf(rank: number | null): RegimeTags['volatility'] {
  return VOLATILITIES[volatilityIndex(rank)]!;
}

export function trendOf(slope: number | null): RegimeTags['trend'] {
  return TRENDS[trendIndex(slope)]!;
}

const SESSION_TAGS: readonly SessionTag[] = ['asia', 'london', 'new_york', 'asia_london', 'london_new_york', 'off_hours'];
/** Every combination of tags, built once and frozen: a bar's features share one rather than allocate their own. */
const TAGS: ReadonlyMap<SessionTag, readonly (readonly Readonly<RegimeTags>[])[]> = new Map(
  SESSION_TAGS.map((session) => [session, VOLATILITIES.map((volatility) => TRENDS.map((trend) => Object.freeze({ session, volatility, trend })))]),
);

/** The regime tags (shared and frozen) of a session, an ATR percentile and a trend slope: {@link volatilityOf}, {@link trendOf}. */
export function regimeTags(session: SessionTag, atrPercentile: number | null, trendSlopeAtr: number | null): RegimeTags {
  return tagsIn(sessionTags(session), atrPercentile, trendSlopeAtr);
}

/** Every tags object of one session, by volatility then trend: looked up once per session change rather than per bar. */
export type SessionTagTable = readonly (readonly Readonly<RegimeTags>[])[];

export function sessionTags(session: SessionTag): SessionTagTable {
  return TAGS.get(session)!;
}

/** {@link regimeTags} from a session's table; the percentile and slope may also be NaN for none (the tracker's raw fields). */
export function tagsIn(table: SessionTagTable, atrPercentile: number | null, trendSlopeAtr: number | null): RegimeTags {
  return table[volatilityIndex(atrPercentile)]![trendIndex(trendSlopeAtr)]!;
}

/** Index of the first value in sorted[lo, hi) that is >= x (hi when none is). */
function lowerBound(sorted: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * @example
 * const r = new RegimeTracker();
 * const m = r.update(atrAsOfPreviousBar, bar.close); // measure, then take the bar in
 */
export class RegimeTracker {
  readonly options: Readonly<RegimeOptions>;
  /** the ATR window in arrival order (ring) */
  private readonly ring: Float64Array;
  /**
   * The same window sorted, in slots 1..W, between two sentinels: -Infinity in slot 0 and
   * +Infinity in slot W + 1. The shifts in {@link pushAtr} stop at a sentinel by the value test
   * alone, without a bounds test per slot (a finite ATR is never below -Infinity nor above +Infinity).
   */
  private readonly sorted: Float64Array;
  private ringNext = 0;
  private atrCount = 0;
  private closes: RollingMean;
  /** ring of the last k + 1 SMA values */
  private readonly smas: Float64Array;
  private smaNext = 0;
  private smaCount = 0;
  /** the measure of the last {@link step}; NaN for none (a double field, never boxed per bar) */
  private percentile = NaN;
  private slopeAtr = NaN;

  constructor(options: Partial<RegimeOptions> = {}) {
    const o = { ...DEFAULT_REGIME_OPTIONS, ...options };
    assertWindowSize(o.atrWindow, 'atrWindow');
    assertWindowSize(o.trendMa, 'trendMa');
    if (!Number.isInteger(o.trendLag) || o.trendLag < 1 || o.trendLag > 100_000) {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', 'trendLag must be an integer 1..100000', { details: { field: 'trendLag' } });
    }
    this.options = Object.freeze(o);
    this.ring = new Float64Array(o.atrWindow);
    this.sorted = new Float64Array(o.atrWindow + 2);
    this.sorted[0] = -Infinity;
    this.sorted[o.atrWindow + 1] = Infinity;
    this.closes = new RollingMean(o.trendMa);
    this.smas = new Float64Array(o.trendLag + 1);
  }

  /**
   * Measures the bar about to be taken in, then takes it in. `atr` is the ATR as of the previous
   * bar (null while it seeds: it then neither enters the window nor ranks); `close` is the bar's
   * own close, which only enters the averages after the measurement.
   */
  update(atr: number | null, close: number): RegimeMeasure {
    this.step({ valueOrNaN: atr ?? NaN }, { close });
    const { atrPercentile, trendSlopeAtr } = this;
    return { atrPercentile, trendSlopeAtr, volatility: volatilityOf(atrPercentile), trend: trendOf(trendSlopeAtr) };
  }

  /**
   * {@link update} without the measure object: the measure is left in {@link atrPercentile} and
   * {@link trendSlopeAtr}. This is the feature engine's per-bar path, which allocates nothing
   * here: it takes the ATR (NaN for "none yet") and the bar as objects, and the helpers below
   * take and return plain doubles only where V8 inlines them, because a double passed to or
   * returned from a call that is not inlined is boxed into a fresh heap number.
   */
  step(atrNow: { readonly valueOrNaN: number }, bar: { readonly close: number }): void {
    const atr = atrNow.valueOrNaN;
    if (atr !== atr) this.percentile = NaN;
    else {
      const at = this.pushAtr(atr);
      if (this.atrCount >= this.options.atrWindow) this.rankAt(atr, at);
      else this.percentile = NaN;
    }
    this.slopeAtr = this.slope(atr);
    this.closes.update(bar.close);
    if (this.closes.isReady) this.pushSma(this.closes.valueOrNaN);
  }

  /** The ATR percentile of the last {@link step}; null until the window is full or without an ATR. */
  get atrPercentile(): number | null {
    return this.percentile !== this.percentile ? null : this.percentile;
  }

  /** The trend slope of the last {@link step}; null while warming up or without a positive ATR. */
  get trendSlopeAtr(): number | null {
    return this.slopeAtr !== this.slopeAtr ? null : this.slopeAtr;
  }

  /** {@link atrPercentile} with NaN for none. */
  get atrPercentileOrNaN(): number {
    return this.percentile;
  }

  /** {@link trendSlopeAtr} with NaN for none. */
  get trendSlopeAtrOrNaN(): number {
    return this.slopeAtr;
  }

  snapshot(): RegimeTrackerSnapshot {
    return { options: { ...this.options }, atrs: this.ordered(this.ring, this.ringNext, this.atrCount), closes: this.closes.snapshot(), smas: this.ordered(this.smas, this.smaNext, this.smaCount) };
  }

  static restore(s: RegimeTrackerSnapshot): RegimeTracker {
    const r = new RegimeTracker(s.options);
    if (!Array.isArray(s.atrs) || s.atrs.length > r.options.atrWindow || !Array.isArray(s.smas) || s.smas.length > r.options.trendLag + 1) {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', 'regime tracker snapshot does not fit its windows', { details: { field: 'regime' } });
    }
    for (const a of s.atrs) r.pushAtr(a);
    for (const m of s.smas) r.pushSma(m);
    r.closes = RollingMean.restore(s.closes);
    return r;
  }

  /** Sets the percentile: the mid-rank of `atr`, just placed at `sorted[at]` (slots 1..W), the equal values around it counted in place. */
  private rankAt(atr: number, at: number): void {
    const n = this.options.atrWindow;
    const sorted = this.sorted;
    let below = at;
    while (below > 1 && sorted[below - 1] === atr) below--;
    let above = at + 1;
    while (above <= n && sorted[above] === atr) above++;
    // below - 1 values are strictly below atr (slots 1 .. below - 1)
    this.percentile = (below - 1 + (above - below) / 2) / n;
  }

  /** NaN: none (also for an `atr` of NaN, none, or not above 0). */
  private slope(atr: number): number {
    const k = this.options.trendLag;
    if (!(atr > 0) || this.smaCount < k + 1) return NaN;
    const newest = this.smas[this.smaNext === 0 ? k : this.smaNext - 1]!; // the slot before the next one
    const oldest = this.smas[this.smaNext]!;
    return (newest - oldest) / (k * atr);
  }

  /**
   * Adds to the window, dropping the oldest once full, and returns the slot (1..W) where `atr`
   * now sits in the sorted copy. Once full, the slots between the dropped value and the new one
   * move by one (O(W) at worst, a third of W on average); while filling, a sorted insert after
   * equal values. The moves stop at the sentinels; an ATR of +Infinity moves right only past the
   * finite values (`limit`), which leaves the same sorted values as moving past the infinite ones too.
   */
  private pushAtr(atr: number): number {
    const w = this.options.atrWindow;
    const sorted = this.sorted;
    let at: number;
    if (this.atrCount >= w) {
      const dropped = this.ring[this.ringNext]!;
      at = lowerBound(sorted, 1, w + 1, dropped); // sorted[at] === dropped
      if (atr >= dropped) {
        const limit = atr < Infinity ? atr : Number.MAX_VALUE;
        let next = sorted[at + 1]!;
        while (next <= limit) {
          sorted[at] = next;
          at++;
          next = sorted[at + 1]!;
        }
      } else {
        let prev = sorted[at - 1]!;
        while (prev > atr) {
          sorted[at] = prev;
          at--;
          prev = sorted[at - 1]!;
        }
      }
    } else {
      at = this.atrCount + 1;
      let prev = sorted[at - 1]!;
      while (prev > atr) {
        sorted[at] = prev;
        at--;
        prev = sorted[at - 1]!;
      }
    }
    sorted[at] = atr;
    this.ring[this.ringNext] = atr;
    this.ringNext = this.ringNext + 1 === w ? 0 : this.ringNext + 1;
    this.atrCount++;
    return at;
  }

  private pushSma(sma: number): void {
    this.smas[this.smaNext] = sma;
    this.smaNext = this.smaNext + 1 === this.smas.length ? 0 : this.smaNext + 1;
    if (this.smaCount < this.smas.length) this.smaCount++;
  }

  /** A ring's live values, oldest first. */
  private ordered(ring: Float64Array, next: number, count: number): number[] {
    const n = Math.min(count, ring.length);
    const start = n < ring.length ? 0 : next;
    return Array.from({ length: n }, (_, i) => ring[(start + i) % ring.length]!);
  }
}
