/**
 * The shapes shared by every replay format: the format names, the options a caller may give,
 * what reading a file returns, and the contract each format parser fulfils.
 */
import type { FakeoutError } from '../../domain/errors.ts';
import type { MarketEvent, Timeframe } from '../../domain/messages.ts';

/** Every replay format fakeout reads; docs/formats.md describes each. */
export const FORMAT_NAMES = Object.freeze([
  'lean-trade-tick',
  'lean-quote-tick',
  'ohlcv-csv',
  'freqtrade-json',
  'tick-csv',
  'quote-csv',
] as const);

export type FormatName = (typeof FORMAT_NAMES)[number];

export function isFormatName(x: unknown): x is FormatName {
  return typeof x === 'string' && (FORMAT_NAMES as readonly string[]).includes(x);
}

/** What a caller may say about a file instead of letting fakeout infer it. */
export interface ReadReplayOptions {
  /** skip detection */
  format?: FormatName;
  /** overrides the symbol taken from the file name */
  symbol?: string;
  /** bar formats: overrides the timeframe from the file name or the row spacing */
  timeframe?: Timeframe;
  /**
   * zone of timestamp strings without an offset in the header-based formats (ohlcv-csv, tick-csv,
   * quote-csv); IANA name, 'UTC' or 'UTC±h[:mm]'; default 'UTC'. Lean files ignore it (see dataZone).
   */
  zone?: string;
  /**
   * Lean formats only: the data zone of their "ms since midnight" column. Lean's format fixes it
   * per market, so a caller's general `zone` must not move it: default 'America/New_York' for
   * lean-trade-tick (US equities), 'UTC-5' for lean-quote-tick (FXCM; Oanda data would be 'UTC').
   */
  dataZone?: string;
}

/**
 * One data row: its event, or why it was refused. `line` is the 1-based physical line of the
 * (inner) file, the header being line 1 when there is one; for freqtrade-json, whose array sits
 * on one physical line, it is the 1-based index of the row in the array, so that it still names
 * each row uniquely (ingest uses it in the dedupe id `replay:<file hash>:<line>`).
 */
export type ParsedRow =
  | { line: number; event: MarketEvent }
  /** error: FAKEOUT_ERR_INGEST_BAD_ROW with details { line, reason, field? } */
  | { line: number; error: FakeoutError };

/** A replay file, read and recognised; rows are parsed lazily and may be iterated again. */
export interface ReplayFile {
  /** sha256 hex of the file bytes as stored (the zip, not its content) */
  fileKey: string;
  /**
   * the identity of this replay of the file: `fileKey` when it is read as fakeout reads it by
   * itself, else a sha256 of (fileKey, symbol, format), so that the same bytes replayed under
   * another symbol or format are another replay (progress in `ingest_progress`, envelope ids)
   */
  replayKey: string;
  /** base name of the file as given */
  fileName: string;
  format: FormatName;
  symbol: string;
  rows(): Iterable<ParsedRow>;
}

/** What a format parser gets: the decoded text of the (inner) file and the caller's options. */
export interface FormatInput {
  /** base name of the inner file (for a zip) or of the file itself */
  name: string;
  text: string;
  opts: ReadReplayOptions;
}

/** What a format parser returns once it has checked the file as a whole. */
export interface ParsedFormat {
  symbol: string;
  rows(): Iterable<ParsedRow>;
}

/**
 * Parses one format. Throws FakeoutError for problems with the whole file (missing columns,
 * no symbol, no timeframe); problems with single rows come out of `rows()` as error rows.
 */
export type FormatParser = (input: FormatInput) => ParsedFormat;
