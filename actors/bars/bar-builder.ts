/**
 * Builds closed OHLCV bars from ticks and from lower-timeframe input bars. Pure and synchronous:
 * no clock, no I/O. A bar is emitted only when its bucket is known to be over (see docs/bars.md),
 * so everything downstream sees each bar exactly once and never a partial one.
 */
import type { Bar, MarketEvent, Timeframe } from '../domain/messages.ts';
import { TIMEFRAMES, TIMEFRAME_MS, barId, isTimeframe } from '../domain/messages.ts';
import { FakeoutError } from '../domain/errors.ts';
import { bucketStart, completesBucket, tilesBucket } from './bucket.ts';
import { takeParts, type CheckpointParts } from '../../adapters/db/checkpoints.repo.ts';

/** The timeframes built when none are given. */
export const DEFAULT_BAR_TIMEFRAMES: readonly Timeframe[] = Object.freeze(['1m', '5m', '15m', '1h'] as Timeframe[]);

export interface BarBuilderOptions {
  /** timeframes to build; default {@link DEFAULT_BAR_TIMEFRAMES}. Order and duplicates do not matter. */
  timeframes?: readonly Timeframe[];
}

/** Counters kept across snapshots. Every event applied is counted in exactly one of them. */
export interface BarBuilderStats {
  /** events dropped because they belong to a bucket that was already emitted (or re-send an input bar already folded in) */
  late: number;
  /** events folded into at least one series */
  applied: number;
  /** input bars of a timeframe that builds none of the configured ones */
  ignored: number;
  /** bars emitted by the clock (`closeDue`): a live series' bucket whose time was over with no later event */
  clockClosed: number;
}

/** What the builder tells about one late event (see {@link BarBuilder.takeLate}). Plain JSON. */
export interface LateEvent {
  symbol: string;
  kind: MarketEvent['kind'];
  /** the event's time (a bar: its open) */
  ts: number;
  /** an input bar's own timeframe */
  inputTimeframe?: Timeframe;
  /** the timeframe whose series refused it (the finest one that did) */
  timeframe: Timeframe;
  /** open time of the bucket it belongs to in that timeframe: the bar it would have gone into */
  barOpenTime: number;
  /** the series accepts only events starting at or after this: its open bucket's start, or the end of its last emitted bar */
  openFrom: number;
  /** 'closed': its bucket was already emitted; 'resent': an input bar of that open time was already folded in */
  why: 'closed' | 'resent';
}

/** How many late events {@link BarBuilder.takeLate} keeps the details of between two calls; the rest are only counted. */
export const LATE_DETAILS_KEPT = 100;

/** The bucket being filled for one series. Plain JSON. */
export interface OpenBucketState {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  count: number;
  /** event time that set `open` (earliest seen; ties keep the first arrival) */
  firstTs: number;
  /** event time that set `close` (latest seen; ties take the last arrival) */
  lastTs: number;
  /** a bucket built from input bars: the open times of those folded in (a second one of the same time is a re-send) */
  inputs?: number[];
}

/** State of one `symbol|timeframe` series. Plain JSON. */
export interface SeriesState {
  symbol: string;
  timeframe: Timeframe;
  /** end of the last emitted bucket: anything starting before it is late; null before the first emit */
  closedUntil: number | null;
  bucket: OpenBucketState | null;
  /** its last applied event came from live intake: only then may the clock close its bucket (`closeDue`) */
  live?: boolean;
}

/** Everything needed to continue exactly where a builder stopped; survives `JSON.stringify`. */
export interface BarBuilderSnapshot {
  version: 1;
  timeframes: Timeframe[];
  stats: BarBuilderStats;
  series: SeriesState[];
}

/**
 * Streaming bar builder for many symbols and timeframes.
 *
 * POLICY: a bar is emitted once, when closed; a late event (older than the open bucket) is
 * dropped for every timeframe, never patched into an emitted bar, so all timeframes stay
 * aggregations of the same accepted events.
 *
 * @example
 * const b = new BarBuilder({ timeframes: ['1m', '5m'] });
 * for (const ev of events) for (const bar of b.apply(ev)) publish(bar);
 */
export class BarBuilder {
  readonly timeframes: readonly Timeframe[];
  readonly stats: BarBuilderStats = { late: 0, applied: 0, ignored: 0, clockClosed: 0 };
  /** details of the late events since the last takeLate(), at most LATE_DETAILS_KEPT; not part of the snapshot */
  private lateDetails: LateEvent[] = [];

  /** canonical state, keyed `${symbol}|${timeframe}` */
  private readonly series = new Map<string, SeriesState>();
  /** hot-path index: per symbol, one slot per entry of `timeframes` (same objects as `series`) */
  private readonly rows = new Map<string, (SeriesState | undefined)[]>();
  /** each series' place in the snapshot's order (its checkpoint part's `ord`) */
  private readonly ord = new Map<SeriesState, number>();
  /** series changed since the last {@link checkpointParts} (all of them before the first) */
  private readonly dirty = new Set<SeriesState>();
  private readonly ms: number[];
  private readonly allTargets: number[];
  private readonly targetsByInput = new Map<Timeframe, number[]>();

  constructor(options: BarBuilderOptions = {}) {
    const requested = options.timeframes ?? DEFAULT_BAR_TIMEFRAMES;
    for (const tf of requested) {
      if (!isTimeframe(tf)) {
        throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `unknown timeframe ${String(tf)}`, { details: { field: 'timeframes' } });
      }
    }
    if (requested.length === 0) {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', 'at least one timeframe is required', { details: { field: 'timeframes' } });
    }
    // Ascending, so the bars closed by one event come out finest first.
    this.timeframes = Object.freeze([...new Set(requested)].sort((a, b) => TIMEFRAME_MS[a] - TIMEFRAME_MS[b]));
    this.ms = this.timeframes.map((tf) => TIMEFRAME_MS[tf]);
    this.allTargets = this.ms.map((_, i) => i);
    for (const input of TIMEFRAMES) {
      const inMs = TIMEFRAME_MS[input];
      // An input bar can only build a bucket it tiles exactly: same length or a whole multiple.
      this.targetsByInput.set(input, this.allTargets.filter((i) => tilesBucket(inMs, this.ms[i]!)));
    }
  }

  /**
   * Feeds one event; returns the bars that closed because of it (oldest first within a
   * timeframe, finest timeframe first), possibly none. `live`: the event came from live intake
   * (a webhook), so the series it feeds may be closed by the clock until a replayed event feeds
   * them again (`closeDue`).
   */
  apply(event: MarketEvent, options: { live?: boolean } = {}): Bar[] {
    let targets: number[];
    let o: number, h: number, l: number, c: number, v: number;
    let inMs = 0;
    if (event.kind === 'tick') {
      targets = this.allTargets;
      o = h = l = c = event.price;
      v = event.size;
    } else {
      targets = this.targetsByInput.get(event.timeframe) ?? [];
      inMs = TIMEFRAME_MS[event.timeframe];
      o = event.open; h = event.high; l = event.low; c = event.close; v = event.volume;
    }
    if (targets.length === 0) {
      this.stats.ignored++;
      return [];
    }
    const ts = event.ts;
    const symbol = event.symbol;
    let row = this.rows.get(symbol);
    if (row === undefined) {
      row = new Array<SeriesState | undefined>(this.ms.length);
      this.rows.set(symbol, row);
    }

    // Late check first, over every target, so a late event changes no timeframe at all.
    for (const i of targets) {
      const s = row[i];
      if (s === undefined) continue;
      const ms = this.ms[i]!;
      const start = bucketStart(ts, ms);
      const floor = s.bucket !== null ? s.bucket.openTime : s.closedUntil;
      const closed = floor !== null && start < floor;
      // An input bar is a closed bar: a second one with the same open time is a re-send (or a
      // correction), which would count its volume twice if folded in.
      if (closed || (inMs > 0 && s.bucket?.inputs?.includes(ts) === true)) {
        this.stats.late++;
        if (this.lateDetails.length < LATE_DETAILS_KEPT) {
          const late: LateEvent = { symbol, kind: event.kind, ts, timeframe: s.timeframe, barOpenTime: start, openFrom: floor!, why: closed ? 'closed' : 'resent' };
          if (event.kind === 'bar') late.inputTimeframe = event.timeframe;
          this.lateDetails.push(late);
        }
        return [];
      }
    }

    const out: Bar[] = [];
    for (const i of targets) {
      const ms = this.ms[i]!;
      const s = row[i] ?? this.createSeries(row, i, symbol);
      this.dirty.add(s);
      if (options.live === true) s.live = true;
      else if (s.live === true) delete s.live; // fed by a replay again (rare: no delete on the hot path)
      const start = bucketStart(ts, ms);
      if (ms === inMs) {
        // An input bar of exactly this timeframe is already a closed bar.
        s.closedUntil = start + ms;
        out.push({ id: barId(symbol, s.timeframe, start), symbol, timeframe: s.timeframe, openTime: start, closeTime: start + ms, open: o, high: h, low: l, close: c, volume: v, count: 1 });
        continue;
      }
      let b = s.bucket;
      if (b !== null && start > b.openTime) {
        out.push(this.close(s, b, ms)); // gap or later bucket: the open one is over
        b = null;
      }
      if (b === null) {
        b = { openTime: start, open: o, high: h, low: l, close: c, volume: v, count: 1, firstTs: ts, lastTs: ts };
        if (inMs > 0) b.inputs = [ts];
        s.bucket = b;
      } else {
        b.inputs?.push(ts);
        if (h > b.high) b.high = h;
        if (l < b.low) b.low = l;
        b.volume += v;
        b.count++;
        if (ts < b.firstTs) { b.open = o; b.firstTs = ts; }
        if (ts >= b.lastTs) { b.close = c; b.lastTs = ts; }
      }
      // An input bar that reaches the bucket end completes it; a tick never does (more may come).
      if (completesBucket(ts, inMs, ms)) out.push(this.close(s, b, ms));
    }
    this.stats.applied++;
    return out;
  }

  /**
   * The clock says it is `now` (corrected time): closes the open bucket of every **live** series
   * whose end plus `graceMs` is at or before `now`, as a later event would have. Returns those
   * bars, finest timeframe first, then by symbol. A replayed series is never closed this way
   * (replays keep the data clock, so their bars do not depend on when a tick came). An event for
   * a bucket the clock closed is late, as for any emitted bar.
   */
  closeDue(now: number, graceMs: number): Bar[] {
    const out: Bar[] = [];
    for (const s of this.series.values()) {
      const b = s.bucket;
      const ms = TIMEFRAME_MS[s.timeframe];
      if (s.live !== true || b === null || b.openTime + ms + graceMs > now) continue;
      out.push(this.close(s, b, ms));
    }
    this.stats.clockClosed += out.length;
    return out.sort((a, b) => TIMEFRAME_MS[a.timeframe] - TIMEFRAME_MS[b.timeframe] || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  /**
   * The late events since the previous call (oldest first, at most {@link LATE_DETAILS_KEPT};
   * `stats.late` counts them all), and forgets them. For the wiring to log: the builder itself
   * has no logger.
   */
  takeLate(): LateEvent[] {
    const out = this.lateDetails;
    this.lateDetails = [];
    return out;
  }

  /** The buckets still filling (never emitted as closed bars), for display; sorted by symbol, then timeframe. */
  openBars(): Bar[] {
    const out: Bar[] = [];
    for (const s of this.series.values()) {
      if (s.bucket !== null) out.push(toBar(s, s.bucket, TIMEFRAME_MS[s.timeframe]));
    }
    return out.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : TIMEFRAME_MS[a.timeframe] - TIMEFRAME_MS[b.timeframe]));
  }

  /** A deep, plain-JSON copy of the state. */
  snapshot(): BarBuilderSnapshot {
    return { ...this.head(), series: [...this.series.values()].map(seriesSnapshot) };
  }

  /**
   * The snapshot as a head and one part per series, with only the series changed since the
   * previous call (every series on the first): what the stage saves per batch
   * (adapters/db/checkpoints.repo.ts). Joined, the parts give {@link snapshot}.
   */
  checkpointParts(): CheckpointParts {
    const changed = takeParts(this.dirty, (s) => ({ key: `${s.symbol}|${s.timeframe}`, ord: this.ord.get(s)!, state: seriesSnapshot(s) }));
    return { head: this.head(), field: 'series', changed };
  }

  private head(): Omit<BarBuilderSnapshot, 'series'> {
    return { version: 1, timeframes: [...this.timeframes], stats: { ...this.stats } };
  }

  /** Rebuilds a builder whose subsequent output is identical to the one that took the snapshot. */
  static restore(snapshot: BarBuilderSnapshot): BarBuilder {
    if (snapshot?.version !== 1) {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', 'unsupported bar builder snapshot version', { details: { field: 'version' } });
    }
    const builder = new BarBuilder({ timeframes: snapshot.timeframes });
    builder.stats.late = snapshot.stats.late;
    builder.stats.applied = snapshot.stats.applied;
    // Checkpoints written before `ignored` existed did not count those events.
    builder.stats.ignored = snapshot.stats.ignored ?? 0;
    builder.stats.clockClosed = snapshot.stats.clockClosed ?? 0;
    for (const saved of snapshot.series) {
      const i = builder.timeframes.indexOf(saved.timeframe);
      if (i < 0) {
        throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `snapshot series for unconfigured timeframe ${saved.timeframe}`, { details: { field: 'series' } });
      }
      let row = builder.rows.get(saved.symbol);
      if (row === undefined) {
        row = new Array<SeriesState | undefined>(builder.ms.length);
        builder.rows.set(saved.symbol, row);
      }
      const s = builder.createSeries(row, i, saved.symbol);
      s.closedUntil = saved.closedUntil;
      s.bucket = copyBucket(saved.bucket);
      if (saved.live === true) s.live = true;
    }
    return builder;
  }

  private createSeries(row: (SeriesState | undefined)[], i: number, symbol: string): SeriesState {
    const timeframe = this.timeframes[i]!;
    const s: SeriesState = { symbol, timeframe, closedUntil: null, bucket: null };
    row[i] = s;
    this.ord.set(s, this.series.size);
    this.series.set(`${symbol}|${timeframe}`, s);
    this.dirty.add(s);
    return s;
  }

  private close(s: SeriesState, b: OpenBucketState, ms: number): Bar {
    this.dirty.add(s);
    s.bucket = null;
    s.closedUntil = b.openTime + ms;
    return toBar(s, b, ms);
  }
}

function seriesSnapshot(s: SeriesState): SeriesState {
  return { ...s, bucket: copyBucket(s.bucket) };
}

function copyBucket(b: OpenBucketState | null): OpenBucketState | null {
  if (b === null) return null;
  return b.inputs === undefined ? { ...b } : { ...b, inputs: [...b.inputs] };
}

function toBar(s: SeriesState, b: OpenBucketState, ms: number): Bar {
  return {
    id: barId(s.symbol, s.timeframe, b.openTime),
    symbol: s.symbol,
    timeframe: s.timeframe,
    openTime: b.openTime,
    closeTime: b.openTime + ms,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    count: b.count,
  };
}
