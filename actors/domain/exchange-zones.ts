/**
 * The time zone a symbol's exchange keeps, for showing a signal in the time its traders read:
 * data, not logic. A symbol not listed falls back to FAKEOUT_EXCHANGE_TZ (default UTC).
 *
 * Choices: US equities and ETFs are New York; spot FX has no exchange and trades round the clock,
 * so it is shown in London time, where most of it is traded; crypto trades round the clock on
 * venues that publish UTC, so it stays UTC.
 */

/** symbol (without any `EXCHANGE:` prefix) → IANA zone */
export const EXCHANGE_ZONES: Readonly<Record<string, string>> = Object.freeze({
  SPY: 'America/New_York',
  QQQ: 'America/New_York',
  IWM: 'America/New_York',
  DIA: 'America/New_York',
  ES: 'America/Chicago',
  NQ: 'America/Chicago',
  EURUSD: 'Europe/London',
  GBPUSD: 'Europe/London',
  USDJPY: 'Europe/London',
  'EUR/USD': 'Europe/London',
  BTCUSDT: 'UTC',
  'BTC/USDT': 'UTC',
  'BTC-PERP': 'UTC',
  ETHUSDT: 'UTC',
  'ETH/USDT': 'UTC',
  'ETH-PERP': 'UTC',
});

/**
 * The exchange zone of `symbol`: the table entry for the symbol as given, else for it without an
 * `EXCHANGE:` prefix (TradingView's `BINANCE:BTCUSDT`), else `fallback`.
 * @example exchangeZoneOf('NASDAQ:QQQ', 'UTC') // 'America/New_York'
 */
export function exchangeZoneOf(symbol: string, fallback: string): string {
  const bare = symbol.includes(':') ? symbol.slice(symbol.lastIndexOf(':') + 1) : symbol;
  return (Object.hasOwn(EXCHANGE_ZONES, symbol) ? EXCHANGE_ZONES[symbol] : Object.hasOwn(EXCHANGE_ZONES, bare) ? EXCHANGE_ZONES[bare] : undefined) ?? fallback;
}
