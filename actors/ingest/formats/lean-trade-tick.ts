/**
 * QuantConnect Lean equity trade ticks: a daily zip holding `<yyyymmdd>_<symbol>_Trade_Tick.csv`,
 * headerless, `time,price,size,exchange,sale_condition,suspicious`:
 * - time: integer ms since local midnight, America/New_York (Lean's equity data zone; `dataZone` overrides);
 * - price: integer deci-cents (1674100 -> 167.41 USD);
 * - size: shares.
 * The date and symbol come from the entry name. Rows Lean marks suspicious (last column 1) are
 * refused as bad rows: Lean itself drops them, and a fake print must not make a fake breakout.
 */
import { localDayConverter } from '../../../adapters/time/index.ts';
import type { TickEvent } from '../../domain/messages.ts';
import { LEAN_TRADE_NAME, leanFileInfo } from './file-names.ts';
import { formatMismatch } from './format-errors.ts';
import type { FormatParser, ParsedRow } from './replay-file.ts';
import { amountProblem, badRow, priceProblem, textLines, toNumber } from './row-checks.ts';
import { chooseSymbol } from './symbol.ts';

/** Lean equity prices are integers in 1/10000 USD. */
export const LEAN_EQUITY_PRICE_SCALE = 10_000;

const DAY_MS = 86_400_000;

/** Parses Lean ms-of-day; returns NaN unless it is an integer inside the day. */
export function leanMsOfDay(text: string | undefined): number {
  const ms = toNumber(text);
  return Number.isInteger(ms) && ms >= 0 && ms < DAY_MS ? ms : Number.NaN;
}

export const parseLeanTradeTick: FormatParser = ({ name, text, opts }) => {
  const info = leanFileInfo(name, LEAN_TRADE_NAME);
  if (!info) {
    throw formatMismatch('lean-trade-tick', name, 'the entry must be named <yyyymmdd>_<symbol>_Trade_Tick.csv (the date is only in the name)');
  }
  const symbol = chooseSymbol('lean-trade-tick', name, opts.symbol, info.symbol);
  const toUtc = localDayConverter(info.date, opts.dataZone ?? 'America/New_York');

  function* rows(): Generator<ParsedRow> {
    for (const { line, text: row } of textLines(text)) {
      const f = row.split(',');
      if (f.length < 3) {
        yield badRow(line, `expected at least 3 columns (time,price,size), found ${f.length}`);
        continue;
      }
      const ms = leanMsOfDay(f[0]);
      if (Number.isNaN(ms)) {
        yield badRow(line, `time must be integer ms since midnight (0..86399999), got ${JSON.stringify(f[0])}`, 'time');
        continue;
      }
      const price = toNumber(f[1]) / LEAN_EQUITY_PRICE_SCALE;
      const size = toNumber(f[2]);
      const p = priceProblem('price', price, f[1]) ?? amountProblem('size', size, f[2]);
      if (p) {
        yield badRow(line, p.reason, p.field);
        continue;
      }
      if (f[5] !== undefined && f[5].trim() === '1') {
        yield badRow(line, 'the vendor flagged this trade suspicious', 'suspicious');
        continue;
      }
      const event: TickEvent = { kind: 'tick', symbol, ts: toUtc(ms), price, size };
      yield { line, event };
    }
  }
  return { symbol, rows };
};
