/**
 * The header of a CSV with named columns: where it is, which delimiter it uses, and where the
 * columns fakeout needs are. Columns are found by NAME, case-insensitively, never by position.
 */
import { textLines } from './row-checks.ts';

/** Names accepted for the time column, in order of preference. */
export const TIME_COLUMNS = Object.freeze(['timestamp', 'datetime', 'open_time', 'time', 'date']);

/** A located header. */
export interface CsvHeader {
  /** 1-based physical line of the header */
  line: number;
  delimiter: string;
  /** column names, trimmed, unquoted, lower-cased */
  columns: string[];
}

/** ',' unless ';' or a tab is more frequent in the header line. */
function pickDelimiter(headerLine: string): string {
  let best = ',';
  let bestCount = headerLine.split(',').length;
  for (const d of [';', '\t']) {
    const n = headerLine.split(d).length;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/** Split one row; surrounding double quotes are removed (fields with embedded delimiters are not supported). */
export function splitRow(row: string, delimiter: string): string[] {
  const fields = row.split(delimiter);
  for (let i = 0; i < fields.length; i++) {
    const f = (fields[i] ?? '').trim();
    fields[i] = f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1) : f;
  }
  return fields;
}

/** The first non-blank line read as a header, or undefined for an empty text. */
export function readHeader(text: string): CsvHeader | undefined {
  for (const { line, text: row } of textLines(text)) {
    const delimiter = pickDelimiter(row);
    const columns = splitRow(row.replace(/^\uFEFF/, ''), delimiter).map((c) => c.toLowerCase());
    return { line, delimiter, columns };
  }
  return undefined;
}

/** Index of the first column whose name is in `names` (by preference order of `names`), or -1. */
export function findColumn(columns: readonly string[], names: readonly string[]): number {
  for (const n of names) {
    const i = columns.indexOf(n);
    if (i !== -1) return i;
  }
  return -1;
}
