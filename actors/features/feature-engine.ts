/**
 * Turns each closed bar into {@link Features} measured against the bars before it.
 *
 * POLICY: features of a bar are computed BEFORE the bar enters any window, so the range, the ATR
 * and the volume mean are those of the previous bars only: a breakout bar never widens its own
 * range or inflates its own yardstick, and nothing a later bar brings can change an earlier
 * bar's features (no look-ahead). The regime tags (./regime.ts) follow the same policy.
 */
import type { Bar, Features } from '../domain/messages.ts';
import { FakeoutError } from '../domain/errors.ts';
import { Atr, type AtrSnapshot } from './atr.ts';
import { RollingExtremes, assertWindowSize, type RollingExtremesSnapshot } from './rolling-extremes.ts';
import { RollingMean, type RollingMeanSnapshot } from './rolling-mean.ts';
import { RegimeTracker, sessionTag, sessionTags, tagsIn, type RegimeOptions, type RegimeTrackerSnapshot, type SessionTagTable } from './regime.ts';
// The one adapter import of the pure features: the session table is pure luxon (no I/O, no clock),
// kept with the other time code; the engine is where it meets the bars.
import { tradingSessions } from '../../adapters/time/sessions.ts';
import { takeParts, type CheckpointParts } from '../../adapters/db/checkpoints.repo.ts';
// Loaded before any Features is built: sets V8 up to store the usually-0 fields without a heap number each.
import '../domain/layout-hints.ts';

export interface FeatureEngineOptions {
  /** N, the bars the range and the volume mean look back over; default 20 */
  lookback?: number;
  /** Wilder ATR period; default 14 */
  atrPeriod?: number;
  /** regime windows (./regime.ts); defaults W = 100, M = 50, k = 10 */
  regime?: Partial<RegimeOptions>;
}

export interface FeatureEngineStats {
  /** bars taken into the windows */
  applied: number;
  /** bars ignored because their openTime was not after the last one of their series (redelivery) */
  ignored: number;
}

/** Plain-JSON state of one `symbol|timeframe` series. */
export interface FeatureSeriesSnapshot {
  key: string;
  lastOpenTime: number;
  extremes: RollingExtremesSnapshot;
  volume: RollingMeanSnapshot;
  atr: AtrSnapshot;
  regime: RegimeTrackerSnapshot;
}

/**
 * Everything needed to continue exactly where an engine stopped; survives `JSON.stringify`.
 * Version 2 added the regime tracker of each series; a version 1 snapshot has no regime history
 * and is refused (see {@link FeatureEngine.restore}).
 */
export interface FeatureEngineSnapshot {
  version: 2;
  lookback: number;
  atrPeriod: number;
  regime: RegimeOptions;
  stats: FeatureEngineStats;
  series: FeatureSeriesSnapshot[];
}

const HOUR_MS = 3_600_000;

interface Series {
  /** `symbol|timeframe`, the snapshot's key */
  key: string;
  /** its place in the snapshot's order (its checkpoint part's `ord`) */
  ord: number;
  lastOpenTime: number;
  /** the UTC hour of the last session looked up, and its tags table (sessions only change on whole UTC hours) */
  sessionHour: number;
  sessionTags: SessionTagTable;
  extremes: RollingExtremes;
  volume: RollingMean;
  atr: Atr;
  regime: RegimeTracker;
  /** true while in the engine's `dirty` set: the per-bar path tests this flag rather than adding to the set again */
  dirty: boolean;
}

/**
 * @example
 * const engine = new FeatureEngine({ lookback: 20, atrPeriod: 14 });
 * const f = engine.update(bar); // null while warming up
 */
export class FeatureEngine {
  readonly lookback: number;
  readonly atrPeriod: number;
  readonly regimeOptions: Readonly<RegimeOptions>;
  readonly stats: FeatureEngineStats = { applied: 0, ignored: 0 };
  /** by `symbol|timeframe`, in the order the series appeared (the snapshot's order) */
  private readonly series = new Map<string, Series>();
  /** the same series by symbol, then timeframe: found without building the key string per bar */
  private readonly bySymbol = new Map<string, Map<string, Series>>();
  /** the last symbol found in {@link bySymbol}, and its map: consecutive bars of one symbol (its timeframes) skip the outer lookup */
  private lastSymbol: string | undefined = undefined;
  private lastByTimeframe: Map<string, Series> | undefined = undefined;
  /** series changed since the last {@link checkpointParts} (all of them before the first) */
  private readonly dirty = new Set<Series>();

  constructor(options: FeatureEngineOptions = {}) {
    this.lookback = options.lookback ?? 20;
    this.atrPeriod = options.atrPeriod ?? 14;
    assertWindowSize(this.lookback, 'lookback');
    assertWindowSize(this.atrPeriod, 'atrPeriod');
    // validates the windows once, here, rather than at a series' first bar
    this.regimeOptions = new RegimeTracker(options.regime).options;
  }

  /**
   * Features of `bar` against the previous `lookback` bars of its series, then takes the bar in.
   * Returns null while warming up (fewer than `lookback` previous bars, or no ATR yet), when the
   * ATR is 0 (every distance would be infinite), and for a bar not newer than the last one seen
   * (counted in `stats.ignored`; it changes nothing, so redelivery is harmless).
   */
  update(bar: Bar): Features | null {
    const symbol = bar.symbol;
    let byTimeframe = this.lastByTimeframe;
    if (symbol !== this.lastSymbol) {
      byTimeframe = this.bySymbol.get(symbol);
      if (byTimeframe !== undefined) {
        this.lastSymbol = symbol;
        this.lastByTimeframe = byTimeframe;
      }
    }
    let s = byTimeframe?.get(bar.timeframe);
    if (s === undefined) {
      s = this.addSeries(`${bar.symbol}|${bar.timeframe}`, -Infinity, new RollingExtremes(this.lookback), new RollingMean(this.lookback), new Atr(this.atrPeriod), new RegimeTracker(this.regimeOptions));
    } else if (bar.openTime <= s.lastOpenTime) {
      this.stats.ignored++;
      return null;
    }
    // the regime is measured (from the ATR as of the previous bar) before the bar enters its windows
    s.regime.step(s.atr, bar);
    const features = this.measure(bar, s);
    s.extremes.take(bar);
    s.volume.update(bar.volume);
    s.atr.update(bar);
    s.lastOpenTime = bar.openTime;
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.add(s);
    }
    this.stats.applied++;
    return features;
  }

  snapshot(): FeatureEngineSnapshot {
    const series: FeatureSeriesSnapshot[] = [];
    for (const s of this.series.values()) series.push(seriesSnapshot(s));
    return { ...this.head(), series };
  }

  /**
   * The snapshot as a head and one part per series, with only the series changed since the
   * previous call (every series on the first): what the stage saves per batch
   * (adapters/db/checkpoints.repo.ts). Joined, the parts give {@link snapshot}.
   */
  checkpointParts(): CheckpointParts {
    for (const s of this.dirty) s.dirty = false;
    const changed = takeParts(this.dirty, (s) => ({ key: s.key, ord: s.ord, state: seriesSnapshot(s) }));
    return { head: this.head(), field: 'series', changed };
  }

  private head(): Omit<FeatureEngineSnapshot, 'series'> {
    return { version: 2, lookback: this.lookback, atrPeriod: this.atrPeriod, regime: { ...this.regimeOptions }, stats: { ...this.stats } };
  }

  /**
   * Rebuilds an engine whose subsequent output is identical to the one that took the snapshot.
   * A version 1 snapshot (before regime tags) is refused rather than migrated: it holds no ATR
   * or close history, so a migrated engine would tag regimes differently from one that saw the
   * same bars, and features must be a function of the bars alone. Rebuild the stage from its
   * stream instead (docs/errors.md, FAKEOUT_ERR_CONFIG_INVALID).
   */
  static restore(snapshot: FeatureEngineSnapshot): FeatureEngine {
    const version = (snapshot as { version?: unknown } | null)?.version;
    if (version === 1) {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', 'feature engine snapshot version 1 predates regime tags (version 2) and cannot be continued exactly; rebuild the feature-engine stage from the start of BARS', { details: { field: 'version' } });
    }
    if (version !== 2) {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', 'unsupported feature engine snapshot version', { details: { field: 'version' } });
    }
    const engine = new FeatureEngine({ lookback: snapshot.lookback, atrPeriod: snapshot.atrPeriod, regime: snapshot.regime });
    engine.stats.applied = snapshot.stats.applied;
    engine.stats.ignored = snapshot.stats.ignored;
    for (const s of snapshot.series) {
      engine.addSeries(s.key, s.lastOpenTime, RollingExtremes.restore(s.extremes), RollingMean.restore(s.volume), Atr.restore(s.atr), RegimeTracker.restore(s.regime));
    }
    return engine;
  }

  /** A series under its key; a timeframe never holds '|', so the key splits at its last one. */
  private addSeries(key: string, lastOpenTime: number, extremes: RollingExtremes, volume: RollingMean, atr: Atr, regime: RegimeTracker): Series {
    const cut = key.lastIndexOf('|');
    if (cut < 0) throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `feature engine snapshot series key ${JSON.stringify(key)} is not symbol|timeframe`, { details: { field: 'key' } });
    const symbol = key.slice(0, cut);
    const timeframe = key.slice(cut + 1);
    const s: Series = { key, ord: this.series.size, lastOpenTime, sessionHour: NaN, sessionTags: sessionTags('off_hours'), extremes, volume, atr, regime, dirty: true };
    this.series.set(key, s);
    this.dirty.add(s);
    let byTimeframe = this.bySymbol.get(symbol);
    if (byTimeframe === undefined) {
      byTimeframe = new Map();
      this.bySymbol.set(symbol, byTimeframe);
    }
    byTimeframe.set(timeframe, s);
    return s;
  }

  /** The tags table of the session at `ms`, looked up (adapters/time/sessions.ts, memoised per UTC hour) when the series enters a new UTC hour. */
  private sessionTagsOf(s: Series, ms: number): SessionTagTable {
    const hour = Math.floor(ms / HOUR_MS);
    if (hour !== s.sessionHour) {
      s.sessionTags = sessionTags(sessionTag(tradingSessions(ms)));
      s.sessionHour = hour;
    }
    return s.sessionTags;
  }

  /**
   * The windows are read through their NaN-for-none accessors: a `number | null` read boxes a heap
   * number per value per bar, and this runs for every bar. Once the range is ready, the range and
   * the volume mean (same length) hold values, so only the ATR can be missing: `!(atr > 0)` is
   * "no ATR yet, or 0" (a NaN from a NaN input is not tested for, as before).
   */
  private measure(bar: Bar, s: Series): Features | null {
    const atr = s.atr.valueOrNaN;
    if (!s.extremes.isReady || !(atr > 0)) return null;
    const rangeHigh = s.extremes.maxOrNaN;
    const rangeLow = s.extremes.minOrNaN;
    const meanVolume = s.volume.valueOrNaN;
    // each read once: one box each for the two nullable fields
    const atrPercentile = s.regime.atrPercentile;
    const trendSlopeAtr = s.regime.trendSlopeAtr;

    const span = bar.high - bar.low;
    const brokeUp = bar.high > rangeHigh;
    const brokeDown = bar.low < rangeLow;
    return {
      id: bar.id,
      symbol: bar.symbol,
      timeframe: bar.timeframe,
      openTime: bar.openTime,
      close: bar.close,
      high: bar.high,
      low: bar.low,
      rangeHigh,
      rangeLow,
      atr,
      upperWickRatio: span > 0 ? (bar.high - Math.max(bar.open, bar.close)) / span : 0,
      lowerWickRatio: span > 0 ? (Math.min(bar.open, bar.close) - bar.low) / span : 0,
      breakoutUpAtr: brokeUp ? (bar.high - rangeHigh) / atr : 0,
      breakoutDownAtr: brokeDown ? (rangeLow - bar.low) / atr : 0,
      closeBackInsideUpAtr: brokeUp && bar.close < rangeHigh ? (rangeHigh - bar.close) / atr : 0,
      closeBackInsideDownAtr: brokeDown && bar.close > rangeLow ? (bar.close - rangeLow) / atr : 0,
      volumeRatio: meanVolume > 0 ? bar.volume / meanVolume : 0,
      volume: bar.volume,
      lookback: this.lookback,
      regime: tagsIn(this.sessionTagsOf(s, bar.openTime), atrPercentile, trendSlopeAtr),
      atrPercentile,
      trendSlopeAtr,
    };
  }
}

function seriesSnapshot(s: Series): FeatureSeriesSnapshot {
  return { key: s.key, lastOpenTime: s.lastOpenTime, extremes: s.extremes.snapshot(), volume: s.volume.snapshot(), atr: s.atr.snapshot(), regime: s.regime.snapshot() };
}
