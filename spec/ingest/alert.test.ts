import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError, type FakeoutError } from '../../actors/domain/errors.ts';
import { alertSecret, parseAlert } from '../../actors/ingest/alert.ts';

const s = suite('tradingview alert');

// What TradingView sends for the bar template in docs/webhook.md once the {{placeholders}} are filled.
const BAR = Object.freeze({
  secret: 's3cret',
  id: 'BTCUSDT-5-1566899760',
  symbol: 'BTCUSDT',
  exchange: 'BINANCE',
  interval: '5',
  time: '2019-08-27T09:56:00Z',
  open: 10100.5,
  high: 10120,
  low: 10090,
  close: 10110,
  volume: 12.5,
});
const TICK = Object.freeze({ secret: 's3cret', symbol: 'EURUSD', time: '2019-08-27T09:56:00Z', price: 1.1102, size: 1 });
// Date.UTC(2019, 7, 27, 9, 56)
const T = 1_566_899_760_000;

function fieldOf(body: unknown): unknown {
  try {
    parseAlert(body, {});
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_WEBHOOK_INVALID'), String(err));
    const field = (err as FakeoutError).info['field'];
    assert.ok((err as Error).message.startsWith(`${String(field)}:`), `message names the field: ${(err as Error).message}`);
    return field;
  }
  return assert.unreachable(`accepted ${JSON.stringify(body)}`);
}

s('turns a bar alert into a bar event with its id', () => {
  assert.equal(parseAlert(BAR, {}), {
    event: { kind: 'bar', symbol: 'BTCUSDT', ts: T, timeframe: '5m', open: 10100.5, high: 10120, low: 10090, close: 10110, volume: 12.5 },
    alertId: 'BTCUSDT-5-1566899760',
  });
});

s('turns a tick alert into a tick event; size defaults to 1 and id is optional', () => {
  assert.equal(parseAlert(TICK, {}), { event: { kind: 'tick', symbol: 'EURUSD', ts: T, price: 1.1102, size: 1 } });
  const { size: _size, ...noSize } = TICK;
  assert.is((parseAlert({ ...noSize, price: 2 }, {}).event as { size: number }).size, 1);
});

s('keeps timenow ({{timenow}}, the fire time) beside the event, not in it, in the formats of time', () => {
  // TradingView's {{timenow}} is ISO 8601 with Z, seconds resolution; 4 s after the bar's open here
  const parsed = parseAlert({ ...BAR, timenow: '2019-08-27T09:56:04Z' }, {});
  assert.is(parsed.timenow, T + 4_000);
  assert.not.ok('timenow' in parsed.event);
  assert.equal(parsed.event, parseAlert(BAR, {}).event);
  assert.is(parseAlert({ ...TICK, timenow: 1_566_899_765 }, {}).timenow, T + 5_000); // epoch seconds
  assert.is(parseAlert({ ...TICK, timenow: '2019-08-27 11:56:06' }, { zone: 'Europe/Berlin' }).timenow, T + 6_000); // CEST, UTC+2
  assert.not.ok('timenow' in parseAlert(TICK, {}));
  assert.not.ok('timenow' in parseAlert({ ...TICK, timenow: null }, {}));
});

s('refuses an unparseable, empty or non-scalar timenow naming timenow', () => {
  assert.is(fieldOf({ ...TICK, timenow: 'yesterday' }), 'timenow');
  assert.is(fieldOf({ ...TICK, timenow: '' }), 'timenow');
  assert.is(fieldOf({ ...TICK, timenow: { at: 1 } }), 'timenow');
});

s('accepts numbers given as numeric strings and ignores unknown fields', () => {
  const r = parseAlert({ ...BAR, open: '10100.5', high: ' 10120 ', volume: '1e1', strategy: 'x', plot_0: 3 }, {});
  assert.equal([r.event.kind === 'bar' && r.event.open, r.event.kind === 'bar' && r.event.high, r.event.kind === 'bar' && r.event.volume], [10100.5, 10120, 10]);
});

s('maps TradingView intervals to timeframes', () => {
  const tf = (interval: unknown) => {
    const e = parseAlert({ ...BAR, interval }, {}).event;
    return e.kind === 'bar' ? e.timeframe : undefined;
  };
  assert.equal(['1', '5', '15', '60', '240', 'D', '1D', 60].map(tf), ['1m', '5m', '15m', '1h', '4h', '1d', '1d', '1h']);
});

s('reads a zone-less time in the zone option', () => {
  // 09:56 EDT = 13:56Z
  assert.is(parseAlert({ ...TICK, time: '2019-08-27 09:56:00' }, { zone: 'America/New_York' }).event.ts, T + 4 * 3_600_000);
  assert.is(parseAlert({ ...TICK, time: 1_566_899_760 }, {}).event.ts, T, 'epoch seconds');
});

s('refuses a body that is not an object', () => {
  for (const body of [null, [], 'text', 42, undefined]) assert.is(fieldOf(body), 'body');
});

s('refuses a missing, empty, non-string, too long or badly spelled symbol', () => {
  const { symbol: _symbol, ...noSymbol } = TICK;
  assert.is(fieldOf(noSymbol), 'symbol');
  for (const symbol of ['', 42, 'BTC USDT', 'ES1!', 'X'.repeat(65)]) assert.is(fieldOf({ ...TICK, symbol }), 'symbol', String(symbol));
  assert.is(parseAlert({ ...TICK, symbol: 'BINANCE:BTCUSDT.P' }, {}).event.symbol, 'BINANCE:BTCUSDT.P');
  assert.is(parseAlert({ ...TICK, symbol: 'X'.repeat(64) }, {}).event.symbol.length, 64);
});

s('refuses wrong number types, NaN and empty strings, naming the field', () => {
  assert.is(fieldOf({ ...TICK, price: 'NaN' }), 'price');
  assert.is(fieldOf({ ...TICK, price: '' }), 'price');
  assert.is(fieldOf({ ...TICK, price: 'abc' }), 'price');
  assert.is(fieldOf({ ...TICK, price: -1 }), 'price');
  assert.is(fieldOf({ ...TICK, size: -1 }), 'size');
  assert.is(fieldOf({ ...BAR, open: { v: 1 } }), 'open');
  assert.is(fieldOf({ ...BAR, close: null }), 'close');
  assert.is(fieldOf({ ...BAR, volume: 'NaN' }), 'volume');
  assert.is(fieldOf({ ...BAR, low: 0 }), 'low');
});

s('refuses inconsistent OHLC naming high or low', () => {
  assert.is(fieldOf({ ...BAR, high: 10105 }), 'high', 'high below close 10110');
  assert.is(fieldOf({ ...BAR, low: 10101 }), 'low', 'low above open 10100.5');
});

s('refuses an unparseable or missing time', () => {
  assert.is(fieldOf({ ...TICK, time: 'yesterday' }), 'time');
  assert.is(fieldOf({ ...TICK, time: '' }), 'time');
  assert.is(fieldOf({ ...TICK, time: true }), 'time');
  const { time: _time, ...noTime } = TICK;
  assert.is(fieldOf(noTime), 'time');
});

s('refuses a missing or unsupported interval on a bar alert', () => {
  const { interval: _interval, ...noInterval } = BAR;
  assert.is(fieldOf(noInterval), 'interval');
  for (const interval of ['3', '30', 'W', '1S']) assert.is(fieldOf({ ...BAR, interval }), 'interval', interval);
});

s('refuses an id over 128 characters, empty, or with control characters', () => {
  assert.is(parseAlert({ ...TICK, id: 'a'.repeat(128) }, {}).alertId?.length, 128);
  assert.is(fieldOf({ ...TICK, id: 'a'.repeat(129) }), 'id');
  assert.is(fieldOf({ ...TICK, id: '' }), 'id');
  assert.is(fieldOf({ ...TICK, id: 'a\r\nb' }), 'id');
  assert.is(fieldOf({ ...TICK, id: 7 }), 'id');
});

s('refuses a body that is both or neither a bar and a tick, and a bar missing a price field', () => {
  assert.is(fieldOf({ ...BAR, price: 1 }), 'price');
  assert.is(fieldOf({ symbol: 'X', time: BAR.time }), 'price');
  const { close: _close, ...noClose } = BAR;
  assert.is(fieldOf(noClose), 'close');
});

s('does not check the secret but exposes it for the HTTP layer', () => {
  assert.ok(parseAlert({ ...TICK, secret: 'wrong' }, {}));
  assert.is(alertSecret(BAR), 's3cret');
  assert.is(alertSecret({ secret: 5 }), undefined);
  assert.is(alertSecret(null), undefined);
  assert.is(alertSecret([]), undefined);
});

s.run();
