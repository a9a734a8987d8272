/**
 * Generic quotes in a CSV with a header, columns found by name (case-insensitive):
 * time = timestamp | datetime | open_time | time | date; bid; ask. Like lean-quote-tick, each
 * quote becomes a tick at the mid price (bid + ask) / 2 with size 1, so bar volume counts quote
 * updates; crossed quotes (bid > ask) are kept. Symbol from `opts.symbol`, else from the file name.
 */
import type { TickEvent } from '../../domain/messages.ts';
import { formatMismatch } from './format-errors.ts';
import type { FormatParser, ParsedRow } from './replay-file.ts';
import { badRow, priceProblem, textLines, toNumber } from './row-checks.ts';
import { openNamedCsv, rowTime } from './tick-csv.ts';
import { splitRow } from './csv-header.ts';

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

  function* rows(): Generator<ParsedRow> {
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
      const bid = toNumber(f[bidCol]);
      const ask = toNumber(f[askCol]);
      const p = priceProblem('bid', bid, f[bidCol]) ?? priceProblem('ask', ask, f[askCol]);
      if (p) {
        yield badRow(line, p.reason, p.field);
        continue;
      }
      const event: TickEvent = { kind: 'tick', symbol, ts, price: (bid + ask) / 2, size: 1 };
      yield { line, event };
    }
  }
  return { symbol, rows };
};
