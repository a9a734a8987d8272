/**
 * Generic trade ticks in a CSV with a header, columns found by name (case-insensitive):
 * time = timestamp | datetime | open_time | time | date; price; size = size | volume | qty | quantity
 * (optional: 1 per row, a tick count, when absent). Timestamps as in ohlcv-csv (zone-less strings
 * in `opts.zone`, default UTC). Symbol from `opts.symbol`, else from the file name.
 */
import type { TickEvent } from '../../domain/messages.ts';
import { TIME_COLUMNS, findColumn, readHeader, type CsvHeader } from './csv-header.ts';
import { symbolFromFileName } from './file-names.ts';
import { formatMismatch } from './format-errors.ts';
import type { FormatName, FormatParser, ParsedRow } from './replay-file.ts';
import { amountProblem, badRow, priceProblem, toNumber } from './row-checks.ts';
import { namedCsvRows } from './named-csv.ts';
import { chooseSymbol } from './symbol.ts';

/** Accepted names for the size column of tick-csv. */
export const SIZE_COLUMNS = Object.freeze(['size', 'volume', 'qty', 'quantity']);

/** Header, time column and symbol, checked the same way for tick-csv and quote-csv. */
export function openNamedCsv(
  format: FormatName,
  name: string,
  text: string,
  given: string | undefined,
): { header: CsvHeader; timeCol: number; timeName: string; symbol: string } {
  const header = readHeader(text);
  if (!header) throw formatMismatch(format, name, 'the file is empty');
  const timeCol = findColumn(header.columns, TIME_COLUMNS);
  if (timeCol === -1) {
    throw formatMismatch(format, name, `no time column (${TIME_COLUMNS.join(' | ')}) in header ${JSON.stringify(header.columns.join(','))}`, { field: 'time' });
  }
  const symbol = chooseSymbol(format, name, given, symbolFromFileName(name));
  return { header, timeCol, timeName: header.columns[timeCol] ?? 'time', symbol };
}

export const parseTickCsv: FormatParser = ({ name, text, opts }) => {
  const { header, timeCol, timeName, symbol } = openNamedCsv('tick-csv', name, text, opts.symbol);
  const priceCol = header.columns.indexOf('price');
  if (priceCol === -1) throw formatMismatch('tick-csv', name, 'no price column', { field: 'price' });
  const sizeCol = findColumn(header.columns, SIZE_COLUMNS);
  const width = Math.max(timeCol, priceCol, sizeCol) + 1;
  const zone = opts.zone ?? 'UTC';

  const rows = () =>
    namedCsvRows(text, header, width, timeCol, timeName, zone, (f, line, ts) => {
      const price = toNumber(f[priceCol]);
      const size = sizeCol === -1 ? 1 : toNumber(f[sizeCol]);
      const p = priceProblem('price', price, f[priceCol]) ?? amountProblem('size', size, f[sizeCol]);
      if (p) return badRow(line, p.reason, p.field);
      const event: TickEvent = { kind: 'tick', symbol, ts, price, size };
      return { line, event };
    });
  return { symbol, rows };
};
