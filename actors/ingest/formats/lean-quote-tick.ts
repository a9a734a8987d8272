/**
 * QuantConnect Lean FX quote ticks (FXCM/Oanda): a daily zip holding `<yyyymmdd>_<pair>_tick_quote.csv`,
 * headerless, `time,bid,ask`:
 * - time: integer ms since local midnight in Lean's data zone for the market; FXCM's is a fixed
 *   UTC-05:00 with no DST (the default here; pass `dataZone` for other markets, e.g. 'UTC' for Oanda);
 * - bid, ask: prices (USD per EUR for EURUSD).
 *
 * POLICY: a quote becomes a tick at the mid price (bid + ask) / 2 with size 1. Quotes carry no
 * traded volume, so "volume" of bars built from them is the number of quote updates (tick
 * volume), the usual convention for spot FX. Rows with bid > ask (crossed, ~11% of the FXCM
 * sample, usually by 0.00001) are kept: the mid is still a fair price. A non-numeric or
 * non-positive bid or ask is a bad row.
 */
import { localDayConverter } from '../../../adapters/time/index.ts';
import type { TickEvent } from '../../domain/messages.ts';
import { LEAN_QUOTE_NAME, leanFileInfo } from './file-names.ts';
import { formatMismatch } from './format-errors.ts';
import { leanMsOfDay } from './lean-trade-tick.ts';
import type { FormatParser, ParsedRow } from './replay-file.ts';
import { badRow, priceProblem, textLines, toNumber } from './row-checks.ts';
import { chooseSymbol } from './symbol.ts';

export const parseLeanQuoteTick: FormatParser = ({ name, text, opts }) => {
  const info = leanFileInfo(name, LEAN_QUOTE_NAME);
  if (!info) {
    throw formatMismatch('lean-quote-tick', name, 'the entry must be named <yyyymmdd>_<pair>_tick_quote.csv (the date is only in the name)');
  }
  const symbol = chooseSymbol('lean-quote-tick', name, opts.symbol, info.symbol);
  const toUtc = localDayConverter(info.date, opts.dataZone ?? 'UTC-5');

  function* rows(): Generator<ParsedRow> {
    for (const { line, text: row } of textLines(text)) {
      const f = row.split(',');
      if (f.length < 3) {
        yield badRow(line, `expected 3 columns (time,bid,ask), found ${f.length}`);
        continue;
      }
      const ms = leanMsOfDay(f[0]);
      if (Number.isNaN(ms)) {
        yield badRow(line, `time must be integer ms since midnight (0..86399999), got ${JSON.stringify(f[0])}`, 'time');
        continue;
      }
      const bid = toNumber(f[1]);
      const ask = toNumber(f[2]);
      const p = priceProblem('bid', bid, f[1]) ?? priceProblem('ask', ask, f[2]);
      if (p) {
        yield badRow(line, p.reason, p.field);
        continue;
      }
      const event: TickEvent = { kind: 'tick', symbol, ts: toUtc(ms), price: (bid + ask) / 2, size: 1 };
      yield { line, event };
    }
  }
  return { symbol, rows };
};
