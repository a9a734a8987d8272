/**
 * Rows of a CSV whose columns were found by name (tick-csv, quote-csv, ohlcv-csv): the header
 * skipped, short rows and unreadable times reported as bad rows, the rest handed to the format.
 */
import { normalizeTimestamp } from '../../../adapters/time/index.ts';
import { splitRow, type CsvHeader } from './csv-header.ts';
import type { ParsedRow } from './replay-file.ts';
import { badRow, textLines } from './row-checks.ts';

/** Reads the time field of a row, or returns the bad row to yield. */
export function rowTime(line: number, field: string | undefined, timeName: string, zone: string): number | ParsedRow {
  try {
    return normalizeTimestamp(field ?? '', { zone });
  } catch (err) {
    return badRow(line, `${timeName}: ${err instanceof Error ? err.message : String(err)}`, timeName);
  }
}

/**
 * The rows of a CSV whose columns were found by name: the header skipped, short rows and bad
 * times reported; `toRow` turns the remaining fields (time already parsed) into a row.
 */
export function* namedCsvRows(
  text: string,
  header: CsvHeader,
  width: number,
  timeCol: number,
  timeName: string,
  zone: string,
  toRow: (fields: string[], line: number, ts: number) => ParsedRow,
): Generator<ParsedRow> {
  for (const { line, text: row } of textLines(text)) {
    if (line === header.line) continue;
    const f = splitRow(row, header.delimiter);
    if (f.length < width) {
      yield badRow(line, `expected at least ${width} columns, found ${f.length}`);
      continue;
    }
    const ts = rowTime(line, f[timeCol], timeName, zone);
    if (typeof ts !== 'number') {
      yield ts;
      continue;
    }
    yield toRow(f, line, ts);
  }
}
