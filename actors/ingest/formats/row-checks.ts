/**
 * Per-row parsing and validation shared by the formats. A refused row becomes an error row
 * (FAKEOUT_ERR_INGEST_BAD_ROW) that names its line, the field and the reason; the file goes on.
 */
import { FakeoutError } from '../../domain/errors.ts';
import type { ParsedRow } from './replay-file.ts';

/** A refused row. */
export function badRow(line: number, reason: string, field?: string): ParsedRow {
  const details: Record<string, unknown> = { line, reason };
  if (field !== undefined) details.field = field;
  return { line, error: new FakeoutError('FAKEOUT_ERR_INGEST_BAD_ROW', `line ${line}: ${reason}`, { details }) };
}

/** A number from a text field; NaN for a missing or blank field (Number('') would be 0). */
export function toNumber(text: string | undefined): number {
  if (text === undefined) return Number.NaN;
  const t = text.trim();
  return t === '' ? Number.NaN : Number(t);
}

/** A problem with one field of a row. */
export interface RowProblem {
  field: string;
  reason: string;
}

function shown(x: unknown): string {
  const s = String(x);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** `value` must be a finite number > 0. */
export function priceProblem(field: string, value: number, raw: unknown): RowProblem | undefined {
  if (!Number.isFinite(value)) return { field, reason: `${field} is not a number: ${JSON.stringify(shown(raw))}` };
  if (value <= 0) return { field, reason: `${field} must be > 0, got ${value}` };
  return undefined;
}

/** `value` must be a finite number >= 0. */
export function amountProblem(field: string, value: number, raw: unknown): RowProblem | undefined {
  if (!Number.isFinite(value)) return { field, reason: `${field} is not a number: ${JSON.stringify(shown(raw))}` };
  if (value < 0) return { field, reason: `${field} must be >= 0, got ${value}` };
  return undefined;
}

/**
 * OHLCV consistency: every price finite and > 0, volume finite and >= 0,
 * high >= max(open, close, low), low <= min(open, close).
 */
export function barProblem(
  o: number,
  h: number,
  l: number,
  c: number,
  v: number,
  raw: { open: unknown; high: unknown; low: unknown; close: unknown; volume: unknown },
): RowProblem | undefined {
  const p =
    priceProblem('open', o, raw.open) ??
    priceProblem('high', h, raw.high) ??
    priceProblem('low', l, raw.low) ??
    priceProblem('close', c, raw.close) ??
    amountProblem('volume', v, raw.volume);
  if (p) return p;
  if (h < Math.max(o, c, l)) return { field: 'high', reason: `high ${h} is below max(open ${o}, close ${c}, low ${l})` };
  if (l > Math.min(o, c)) return { field: 'low', reason: `low ${l} is above min(open ${o}, close ${c})` };
  return undefined;
}

/** One non-blank physical line and its 1-based number; a trailing '\r' (CRLF files) is removed. */
export interface TextLine {
  line: number;
  text: string;
}

/**
 * The non-blank lines of `text`, numbered from 1 as physical lines. Blank lines (a final
 * newline, an empty line in between) are skipped, not reported: they carry no row.
 */
export function* textLines(text: string): Generator<TextLine> {
  let start = 0;
  let line = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    line++;
    let row = text.slice(start, end);
    if (row.endsWith('\r')) row = row.slice(0, -1);
    if (row.trim() !== '') yield { line, text: row };
    start = end + 1;
  }
}
