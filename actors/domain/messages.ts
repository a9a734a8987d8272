/**
 * The messages that travel between actors over JetStream, as plain JSON. Every message carries
 * a deterministic `id` that is also its `Nats-Msg-Id` and its primary key in Postgres, so a
 * replayed or redelivered message is deduplicated on both sides.
 *
 * POLICY: all instants are integer epoch milliseconds in UTC. Conversion from whatever the source
 * used (local exchange time, seconds, µs, ISO strings) happens once, at ingest.
 */

/** A timeframe label; its length in ms comes from {@link timeframeMs}. */
export type Timeframe = '1m' | '5m' | '15m' | '1h' | '4h' | '1d';

export const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = Object.freeze({
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
});

export const TIMEFRAMES = Object.freeze(Object.keys(TIMEFRAME_MS) as Timeframe[]);

export function isTimeframe(x: unknown): x is Timeframe {
  return typeof x === 'string' && Object.hasOwn(TIMEFRAME_MS, x);
}

export function timeframeMs(tf: Timeframe): number {
  return TIMEFRAME_MS[tf];
}

/** One trade (or a quote's mid-price) as it arrived. `size` is the tick count (1) when the source has no volume. */
export interface TickEvent {
  kind: 'tick';
  symbol: string;
  /** event time, epoch ms UTC */
  ts: number;
  price: number;
  size: number;
}

/** A complete bar as delivered by a source (a bar file, or a TradingView bar alert). `ts` is the bar OPEN time. */
export interface BarEvent {
  kind: 'bar';
  symbol: string;
  ts: number;
  timeframe: Timeframe;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export type MarketEvent = TickEvent | BarEvent;

/**
 * The clock of live intake on RAW (`raw.clock.tick`): corrected time `ts`, published while live
 * data flows, so the bar builder closes a live bar when its time is over even with no later tick
 * (docs/bars.md, "Bars closed by the clock"). Kept in RAW like every input: a rebuild from RAW
 * closes the same bars at the same points.
 */
export interface ClockEvent {
  kind: 'clock';
  symbol: 'clock';
  ts: number;
}

/** What a RAW envelope carries: market data, or the live clock. */
export type RawEvent = MarketEvent | ClockEvent;

export type RawSource = 'replay' | 'tradingview' | 'clock';

/** What ingest publishes on RAW (`raw.<source>.<symbolToken>`) and the archiver mirrors to `raw_events`. */
export interface RawEnvelope {
  /**
   * Deterministic dedupe id. Replay: `replay:<first 16 hex of the file's sha256>:<line>` (a line
   * number is unique within one file, and identical prints on different lines stay distinct).
   * Webhook: `tv:<alert id>:<16 hex of the event's sha256>` when the alert carries an id, else
   * `tv:<32 hex of the event's sha256>`: an identical retry is a duplicate, different content is a new event.
   */
  id: string;
  source: RawSource;
  /** when fakeout received it, epoch ms UTC: the system clock reading (uncorrected) */
  receivedAt: number;
  /**
   * the same instant in corrected time (system + the time oracle's offset, docs/time.md), epoch ms
   * UTC. Optional: envelopes stored before stamping have only receivedAt.
   */
  correctedAt?: number;
  /** the offset used for correctedAt, ms (0: no offset accepted yet); optional like correctedAt */
  clockOffsetMs?: number;
  event: RawEvent;
  /**
   * where it came from, for audit: file name and line, or the webhook's remote address and, when
   * the alert sent it, TradingView's `{{timenow}}` (the fire time, epoch ms UTC)
   */
  origin: { file?: string; line?: number; remote?: string; timenow?: number };
  /** set only on an envelope accepted with a problem (docs/webhook.md, "Clock skew") */
  flags?: RawFlag[];
  /** why the flags are set, for the person reading RAW */
  flagReason?: string;
}

/**
 * `time_skew`: the alert's `time` or `timenow` was too far from corrected now and
 * FAKEOUT_WEBHOOK_SKEW_ACTION=flag kept it; it is stored in RAW but never made into a bar.
 */
export const RAW_FLAGS = ['time_skew'] as const;
export type RawFlag = (typeof RAW_FLAGS)[number];

/** A closed OHLCV bar (`bars.<symbolToken>.<timeframe>`). */
export interface Bar {
  /** `<symbol>:<timeframe>:<openTime>`: one bar per symbol, timeframe and bucket. */
  id: string;
  symbol: string;
  timeframe: Timeframe;
  /** bucket start, epoch ms UTC, aligned to the timeframe from the epoch */
  openTime: number;
  /** bucket end (exclusive) = openTime + timeframe */
  closeTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** how many input events (ticks or lower-timeframe bars) went into it */
  count: number;
}

/** Features of one closed bar against the N bars before it (`features.<symbolToken>.<timeframe>`). */
/**
 * Regime tags of a bar (docs/scoring.md, "Regimes"), measured like every feature from the bars
 * before it (the session from the bar's own open time); null while a window warms up.
 */
export interface RegimeTags {
  /** `asia` | `london` | `new_york` | `asia_london` | `london_new_york` | `off_hours` */
  session: string;
  volatility: 'low' | 'normal' | 'high' | null;
  trend: 'up' | 'flat' | 'down' | null;
}

export interface Features {
  /** same id as the bar */
  id: string;
  symbol: string;
  timeframe: Timeframe;
  openTime: number;
  close: number;
  high: number;
  low: number;
  /** highest high / lowest low of the previous N bars (the current bar excluded) */
  rangeHigh: number;
  rangeLow: number;
  /** Wilder ATR(14) as of the previous bar (the breakout bar does not inflate its own yardstick) */
  atr: number;
  /** (high - max(open, close)) / (high - low); 0 for a zero-range bar */
  upperWickRatio: number;
  lowerWickRatio: number;
  /** (high - rangeHigh) / atr when high > rangeHigh, else 0 */
  breakoutUpAtr: number;
  /** (rangeLow - low) / atr when low < rangeLow, else 0 */
  breakoutDownAtr: number;
  /** (rangeHigh - close) / atr when the bar broke above and closed back below rangeHigh, else 0 */
  closeBackInsideUpAtr: number;
  /** (close - rangeLow) / atr when the bar broke below and closed back above rangeLow, else 0 */
  closeBackInsideDownAtr: number;
  /** volume / mean volume of the previous N bars; 0 when that mean is 0 */
  volumeRatio: number;
  /** the bar's own volume (for liquidity: a trailing percentile needs the raw figure, not the ratio) */
  volume: number;
  /** N used for the range */
  lookback: number;
  /** session, volatility and trend regime of the bar */
  regime: RegimeTags;
  /** mid-rank percentile (0..1) of `atr` among the last W ATR values, `atr` included; null until W exist */
  atrPercentile: number | null;
  /** (SMA_M of the previous closes − the same SMA k bars earlier) / (k × atr); null while warming up */
  trendSlopeAtr: number | null;
}

export type Direction = 'long' | 'short';

/** A score for every bar with features (`scores.<symbolToken>.<timeframe>`). */
export interface Score {
  /** same id as the bar */
  id: string;
  symbol: string;
  timeframe: Timeframe;
  openTime: number;
  /** 0..100 */
  score: number;
  /** the fade direction of the failed break, or null when no break failed */
  direction: Direction | null;
  /** named contributions that add up to `score` */
  components: Record<string, number>;
  features: Features;
  /** the governed config version it was scored with (docs/config.md); absent without governance */
  configVersion?: number;
}

/** What SCORES carries: the score, and the signal it made, if any (also on SIGNALS on its own). */
export type ScoreMessage = Score & { signal?: Signal };

/** A tradable idea: score >= trigger (`signals.<symbolToken>`). */
export interface Signal {
  /** same id as the bar it came from */
  id: string;
  symbol: string;
  timeframe: Timeframe;
  openTime: number;
  direction: Direction;
  score: number;
  /** reference entry: the close of the bar that failed */
  entry: number;
  /** beyond the wick extreme */
  stop: number;
  target: number;
  features: Features;
  /** the governed config version it was scored with */
  configVersion?: number;
}

/**
 * A NATS subject token for a symbol: `.`, `*`, `>`, `/` and whitespace are not allowed in a
 * token, so anything outside [A-Za-z0-9_-] becomes `_` ("BTC/USDT" -> "BTC_USDT").
 */
export function symbolToken(symbol: string): string {
  return symbol.replace(/[^A-Za-z0-9_-]/g, '_');
}

export function barId(symbol: string, timeframe: Timeframe, openTime: number): string {
  return `${symbol}:${timeframe}:${openTime}`;
}
