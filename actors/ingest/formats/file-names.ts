/**
 * What a file's name says about its content: Lean's `<yyyymmdd>_<symbol>_...` entries,
 * freqtrade's `<BASE>_<QUOTE>-<timeframe>.json`, and a best guess for other bar files.
 */
import { isValidSymbol } from './symbol.ts';

/** Lean trade ticks inside the daily zip: `20131007_spy_Trade_Tick.csv`. */
export const LEAN_TRADE_NAME = /^(\d{4})(\d{2})(\d{2})_([A-Za-z0-9]+)_trade_tick\.csv$/i;
/** Lean FX/CFD quote ticks inside the daily zip: `20140508_eurusd_tick_quote.csv`. */
export const LEAN_QUOTE_NAME = /^(\d{4})(\d{2})(\d{2})_([A-Za-z0-9]+)_tick_quote\.csv$/i;

/** The trading date (local to the data's zone) and the upper-cased symbol of a Lean file. */
export interface LeanFileInfo {
  date: string;
  symbol: string;
}

export function leanFileInfo(name: string, pattern: RegExp): LeanFileInfo | undefined {
  const m = pattern.exec(name);
  if (!m) return undefined;
  return { date: `${m[1]}-${m[2]}-${m[3]}`, symbol: (m[4] ?? '').toUpperCase() };
}

// freqtrade writes the pair with '/' -> '_' (and ':' -> '_' for futures), then '-<timeframe>'.
// Case-sensitive on purpose: pairs are upper case, so a lower-case prefix ('nfi_binance_') is skipped.
const FREQTRADE_NAME =
  /([A-Z0-9]+)_([A-Z0-9]+)(?:_([A-Z0-9]+))?-(\d+[smhdwM])(?:-[a-z]+)?\.(?:json|csv|feather)(?:\.gz)?$/;

/** `BTC_USDT-5m.json` -> { symbol: 'BTC/USDT', timeframe: '5m' }; futures `BTC_USDT_USDT-5m-futures.json` -> 'BTC/USDT:USDT'. */
export function freqtradeFileInfo(name: string): { symbol: string; timeframe: string } | undefined {
  const m = FREQTRADE_NAME.exec(name);
  if (!m) return undefined;
  const symbol = `${m[1]}/${m[2]}${m[3] === undefined ? '' : `:${m[3]}`}`;
  return { symbol, timeframe: m[4] ?? '' };
}

const TIMEFRAME_TOKEN = /^\d+(s|m|h|d|w|min|mins|hour|day)$/i;
/** Words that describe the content, not the instrument, when they end a file name. */
const CONTENT_WORDS = new Set(['trade', 'trades', 'tick', 'ticks', 'quote', 'quotes', 'bar', 'bars', 'ohlc', 'ohlcv', 'candles', 'klines', 'data', 'bid', 'ask', 'minute', 'hourly', 'daily']);

/**
 * A symbol guessed from a bar or tick file name, or undefined.
 * `btc-perp-20211231-20220201_1m.csv` and `nautilus_ftx_btc-perp-20211231-20220201_1m.csv` -> 'BTC-PERP';
 * `EURUSD_1h.csv` -> 'EURUSD'; `gbpusd_quotes.csv` -> 'GBPUSD'. Underscore-separated parts that are
 * a timeframe, a content word (trades, quotes, bars…) or have no letter are dropped from the end;
 * the last part left is the symbol, minus trailing `-<date>` pieces. A guess: pass `symbol` to be sure.
 */
export function symbolFromFileName(name: string): string | undefined {
  const ft = freqtradeFileInfo(name);
  if (ft) return ft.symbol;
  const stem = name.replace(/(\.(csv|txt|json|zip|gz|tsv))+$/i, '');
  const parts = stem.split('_');
  while (parts.length > 0) {
    const last = parts[parts.length - 1] ?? '';
    if (TIMEFRAME_TOKEN.test(last) || CONTENT_WORDS.has(last.toLowerCase()) || !/[A-Za-z]/.test(last)) parts.pop();
    else break;
  }
  const part = parts[parts.length - 1];
  if (part === undefined) return undefined;
  const symbol = part.replace(/(-\d{6,8})+$/, '').replace(/-\d+[smhdw]$/i, '').toUpperCase();
  return isValidSymbol(symbol) && /[A-Z]/.test(symbol) ? symbol : undefined;
}
