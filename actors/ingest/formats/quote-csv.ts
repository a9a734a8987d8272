/**
 * Generic quotes in a CSV with a header, columns found by name (case-insensitive):
 * time = timestamp | datetime | open_time | time | date; bid; ask. Like lean-quote-tick, each
 * quote becomes a tick at the mid price (bid + ask) / 2 with size 1, so bar volume counts quote
 * updates; crossed quotes (bid > ask) are kept. Symbol from `opts.symbol`, else from the file name.
 */
import type { TickEvent } from '../../domain/messages.ts';
import { formatMismatch } from './format-errors.ts';
import type { FormatParser } from './replay-file.ts';
import { badRow, priceProblem, toNumber } from './row-checks.ts';
import { namedCsvRows } from './named-csv.ts';
import { openNamedCsv } from './tick-csv.ts';

export const parseQuoteCsv: FormatParser = ({ name, text, opts }) => {
  const { header, timeCol, timeName, symbol } = openNamedCsv('quote-csv', name, text, opts.symbol);
  const bidCol = header.columns.indexOf('bid');
  const askCol = header.columns.indexOf('ask');
  if (bidCol === -1 || askCol === -1) {
    const field = bidCol === -1 ? 'bid' : 'ask';
    throw formatMismatch('quote-csv', name, `no ${field} column`, { field });
  }
  const width = Math.max(timeCol, bidCol, askCol) + 1;
  const zone = opts.zone ?? 'UTC';

  const rows = () =>
    namedCsvRows(text, header, width, timeCol, timeName, zone, (f, line, ts) => {
      const bid = toNumber(f[bidCol]);
      const ask = toNumber(f[askCol]);
      const p = priceProblem('bid', bid, f[bidCol]) ?? priceProblem('ask', ask, f[askCol]);
      if (p) return badRow(line, p.reason, p.field);
      const event: TickEvent = { kind: 'tick', symbol, ts, price: (bid + ask) / 2, size: 1 };
      return { line, event };
    });
  return { symbol, rows };
};
