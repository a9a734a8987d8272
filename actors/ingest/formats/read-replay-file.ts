/**
 * Reading a replay file from disk: bytes -> sha256 file key -> (unzip / gunzip) -> text ->
 * format (given or detected) -> the format's parser. File-level problems throw here; row-level
 * problems come out of `rows()` as error rows so one bad line never stops a replay.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { gunzipSync, unzipSync } from 'fflate';
import { resolveZone } from '../../../adapters/time/index.ts';
import { FakeoutError } from '../../domain/errors.ts';
import { detectFormat } from './detect-format.ts';
import { parseFreqtradeJson } from './freqtrade-json.ts';
import { parseLeanQuoteTick } from './lean-quote-tick.ts';
import { parseLeanTradeTick } from './lean-trade-tick.ts';
import { parseOhlcvCsv } from './ohlcv-csv.ts';
import { parseQuoteCsv } from './quote-csv.ts';
import { FORMAT_NAMES, isFormatName, type FormatName, type FormatParser, type ReadReplayOptions, type ReplayFile } from './replay-file.ts';
import { parseTickCsv } from './tick-csv.ts';

/** The parser for each format. */
export const FORMAT_PARSERS: Readonly<Record<FormatName, FormatParser>> = Object.freeze({
  'lean-trade-tick': parseLeanTradeTick,
  'lean-quote-tick': parseLeanQuoteTick,
  'ohlcv-csv': parseOhlcvCsv,
  'freqtrade-json': parseFreqtradeJson,
  'tick-csv': parseTickCsv,
  'quote-csv': parseQuoteCsv,
});

/** How much of the text detection looks at. */
const HEAD_CHARS = 4096;

function fileError(name: string, reason: string, cause?: unknown): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_INGEST_FILE', `cannot read replay file ${name}: ${reason}`, { cause, details: { file: name, reason } });
}

function unknownFormat(name: string, reason: string): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT', `${name}: ${reason}; known formats: ${FORMAT_NAMES.join(', ')} (see docs/formats.md)`, {
    details: { file: name, formats: [...FORMAT_NAMES] },
  });
}

const isZip = (b: Uint8Array) => b[0] === 0x50 && b[1] === 0x4b && (b[2] === 0x03 || b[2] === 0x05) && (b[3] === 0x04 || b[3] === 0x06);
const isGzip = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;

/** The single data entry of a zip (directories and macOS resource forks ignored). */
function unzipOne(name: string, bytes: Uint8Array): { name: string; bytes: Uint8Array } {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw fileError(name, `not a readable zip (${err instanceof Error ? err.message : String(err)})`, err);
  }
  const files = Object.entries(entries).filter(([n]) => !n.endsWith('/') && !n.startsWith('__MACOSX/'));
  const only = files[0];
  if (files.length !== 1 || only === undefined) {
    throw fileError(name, `the zip holds ${files.length} files; expected exactly one`);
  }
  return { name: only[0].split('/').pop() ?? only[0], bytes: only[1] };
}

/**
 * Reads, identifies and prepares one replay file. Zips (one entry) and gzip files are
 * decompressed in memory with fflate.
 * @param path file path; `.zip` or `.gz` are opened whatever the content sniffing says
 * @param opts format (skip detection), symbol, timeframe, zone, dataZone - see {@link ReadReplayOptions}
 * @throws FakeoutError FAKEOUT_ERR_INGEST_FILE (missing, unreadable, bad zip, bad JSON),
 *   FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT (no format matches, or the file lacks what its format needs),
 *   FAKEOUT_ERR_TIME_INVALID (an unknown zone option)
 */
export async function readReplayFile(path: string, opts: ReadReplayOptions = {}): Promise<ReplayFile> {
  const fileName = basename(path);
  if (opts.format !== undefined && !isFormatName(opts.format)) {
    throw unknownFormat(fileName, `format ${JSON.stringify(opts.format)} does not exist`);
  }
  // Fail on a bad zone once, here, rather than once per row.
  if (opts.zone !== undefined) resolveZone(opts.zone);
  if (opts.dataZone !== undefined) resolveZone(opts.dataZone);

  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fileError(fileName, code === 'ENOENT' ? 'no such file' : `${code ?? 'read failed'}`, err);
  }
  const fileKey = createHash('sha256').update(bytes).digest('hex');

  let inner = { name: fileName, bytes };
  if (isZip(bytes) || /\.zip$/i.test(fileName)) inner = unzipOne(fileName, bytes);
  else if (isGzip(bytes) || /\.gz$/i.test(fileName)) {
    try {
      inner = { name: fileName.replace(/\.gz$/i, ''), bytes: gunzipSync(bytes) };
    } catch (err) {
      throw fileError(fileName, `not a readable gzip file (${err instanceof Error ? err.message : String(err)})`, err);
    }
  }
  const text = new TextDecoder('utf-8').decode(inner.bytes).replace(/^\uFEFF/, '');

  const detected = detectFormat(inner.name, text.slice(0, HEAD_CHARS));
  const format = opts.format ?? detected;
  if (format === undefined) throw unknownFormat(fileName, 'no known format matches this file; pass the format option');
  const parsed = FORMAT_PARSERS[format]({ name: inner.name, text, opts });
  const own = opts.format === undefined && opts.symbol === undefined ? { format, symbol: parsed.symbol } : ownReading(inner.name, text, detected, opts);
  const replayKey = own !== undefined && own.format === format && own.symbol === parsed.symbol ? fileKey : overrideKey(fileKey, parsed.symbol, format);
  return { fileKey, replayKey, fileName, format, symbol: parsed.symbol, rows: parsed.rows };
}

/**
 * The format and symbol fakeout would read the file as with no format or symbol given, or
 * undefined when it could not read it by itself (no format detected, no symbol in the name).
 */
function ownReading(name: string, text: string, detected: FormatName | undefined, opts: ReadReplayOptions): { format: FormatName; symbol: string } | undefined {
  if (detected === undefined) return undefined;
  const { format: _f, symbol: _s, ...rest } = opts;
  try {
    return { format: detected, symbol: FORMAT_PARSERS[detected]({ name, text, opts: rest }).symbol };
  } catch (err) {
    if (err instanceof FakeoutError) return undefined;
    throw err;
  }
}

/**
 * POLICY: a replay is identified by (file bytes, symbol, format). The reading fakeout makes by
 * itself keeps the bare sha256 of the bytes, the key every replay had before overrides counted,
 * so stores written then resume and skip as before; only a reading that differs from it (another
 * symbol, another format) gets a key of its own, and so its own envelope ids
 * (`replay:<key>:<line>`) that RAW's duplicate window does not drop.
 */
function overrideKey(fileKey: string, symbol: string, format: FormatName): string {
  return createHash('sha256').update(`${fileKey}\n${symbol}\n${format}`).digest('hex');
}
