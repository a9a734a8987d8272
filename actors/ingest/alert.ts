/**
 * The TradingView webhook alert schema (docs/webhook.md has the template to paste into the
 * alert's message box). Validation is hand-written: the schema is small, and every refusal must
 * name the field and say what was expected, because the person reading it is editing a template.
 *
 * Two forms, told apart by which fields are present:
 * - bar:  symbol, time, interval, open, high, low, close, volume (optional, 0), id (optional)
 * - tick: symbol, time, price, size (optional, 1), id (optional)
 * `time` is the bar OPEN time for bars (TradingView's `{{time}}`), the event time for ticks.
 * `timenow` (optional, both forms, same formats as `time`) is TradingView's `{{timenow}}`: when
 * the alert fired. It is checked against our clock (alert-intake.ts) but is not part of the event.
 * Numbers may be JSON numbers or numeric strings ("123.4"); 'NaN', '' and the like are refused.
 * Unknown fields are ignored. `secret` is not checked here: the HTTP layer compares it in
 * constant time before the body reaches this parser (see {@link alertSecret}).
 */
import { normalizeTimestamp } from '../../adapters/time/index.ts';
import { FakeoutError } from '../domain/errors.ts';
import type { BarEvent, MarketEvent, TickEvent, Timeframe } from '../domain/messages.ts';
import { SYMBOL_PATTERN } from './formats/symbol.ts';

/** Options for {@link parseAlert}. */
export interface ParseAlertOptions {
  /** zone for a `time` string without an offset (TradingView's `{{time}}` always has 'Z'); default 'UTC' */
  zone?: string;
}

/**
 * A validated alert: the market event, when the alert names itself its id (for dedupe), and when
 * it sent one TradingView's `{{timenow}}` (the fire time, epoch ms; kept on the envelope, not part
 * of the event).
 */
export interface ParsedAlert {
  event: MarketEvent;
  alertId?: string;
  timenow?: number;
}

/** Longest accepted alert id; it becomes part of the RAW message id. */
export const ALERT_ID_MAX_LENGTH = 128;

/** TradingView's `{{interval}}` values fakeout accepts, and the timeframe each means. */
export const TRADINGVIEW_INTERVALS: Readonly<Record<string, Timeframe>> = Object.freeze({
  '1': '1m',
  '5': '5m',
  '15': '15m',
  '60': '1h',
  '240': '4h',
  D: '1d',
  '1D': '1d',
});

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Printable ASCII only: the id ends up in a NATS header (Nats-Msg-Id), where CR/LF would break framing.
const ALERT_ID = /^[\x20-\x7e]+$/;

function invalid(field: string, message: string): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_WEBHOOK_INVALID', `${field}: ${message}`, { details: { field } });
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  return typeof x === 'object' ? 'an object' : `${typeof x} ${String(x)}`;
}

/** A finite number from a JSON number or a numeric string; throws naming `field` otherwise. */
function numberField(body: Record<string, unknown>, field: string): number {
  const x = body[field];
  let n = Number.NaN;
  if (typeof x === 'number') n = x;
  else if (typeof x === 'string' && NUMERIC.test(x.trim())) n = Number(x.trim());
  if (!Number.isFinite(n)) throw invalid(field, `expected a number, got ${describe(x)}`);
  return n;
}

function positive(body: Record<string, unknown>, field: string): number {
  const n = numberField(body, field);
  if (n <= 0) throw invalid(field, `expected a number > 0, got ${n}`);
  return n;
}

function nonNegative(body: Record<string, unknown>, field: string, fallback: number): number {
  if (body[field] === undefined) return fallback;
  const n = numberField(body, field);
  if (n < 0) throw invalid(field, `expected a number >= 0, got ${n}`);
  return n;
}

function parseSymbol(x: unknown): string {
  if (x === undefined || x === null || x === '') throw invalid('symbol', 'required, e.g. "{{ticker}}"');
  if (typeof x !== 'string') throw invalid('symbol', `expected a string, got ${describe(x)}`);
  if (!SYMBOL_PATTERN.test(x)) throw invalid('symbol', `expected 1-64 characters of A-Z a-z 0-9 . _ : / -, got ${describe(x)}`);
  return x;
}

function parseTime(x: unknown, zone: string | undefined, field: 'time' | 'timenow' = 'time'): number {
  if (x === undefined || x === null || x === '') throw invalid(field, `required, e.g. "{{${field}}}"`);
  if (typeof x !== 'string' && typeof x !== 'number') throw invalid(field, `expected an ISO 8601 string or epoch number, got ${describe(x)}`);
  try {
    return normalizeTimestamp(x, zone === undefined ? {} : { zone });
  } catch (err) {
    throw new FakeoutError('FAKEOUT_ERR_WEBHOOK_INVALID', `${field}: expected ISO 8601 (e.g. 2019-08-27T09:56:00Z) or epoch s/ms, got ${describe(x)}`, {
      cause: err,
      details: { field },
    });
  }
}

/** `timenow` is optional: absent (or null) is fine, present it must be a time like `time`. */
function parseTimenow(x: unknown, zone: string | undefined): number | undefined {
  if (x === undefined || x === null) return undefined;
  if (x === '') throw invalid('timenow', 'expected an ISO 8601 string or epoch number (e.g. "{{timenow}}"), got ""; leave the field out instead');
  return parseTime(x, zone, 'timenow');
}

function parseId(x: unknown): string | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== 'string' || x === '') throw invalid('id', `expected a non-empty string, got ${describe(x)}`);
  if (x.length > ALERT_ID_MAX_LENGTH) throw invalid('id', `at most ${ALERT_ID_MAX_LENGTH} characters, got ${x.length}`);
  if (!ALERT_ID.test(x)) throw invalid('id', 'printable ASCII characters only');
  return x;
}

function parseInterval(x: unknown): Timeframe {
  if (x === undefined || x === null || x === '') throw invalid('interval', 'required for a bar alert, e.g. "{{interval}}"');
  const key = typeof x === 'number' ? String(x) : typeof x === 'string' ? x.trim() : undefined;
  const tf = key === undefined ? undefined : TRADINGVIEW_INTERVALS[key];
  if (tf === undefined || !Object.hasOwn(TRADINGVIEW_INTERVALS, key ?? '')) {
    throw invalid('interval', `expected one of ${Object.keys(TRADINGVIEW_INTERVALS).map((k) => JSON.stringify(k)).join(', ')}, got ${describe(x)}`);
  }
  return tf;
}

const OHLC = ['open', 'high', 'low', 'close'] as const;

/**
 * Validates a TradingView alert body and turns it into a market event.
 * @throws FakeoutError FAKEOUT_ERR_WEBHOOK_INVALID; the message starts with the field name and
 *   `details.field` names it ('body' when the body is not a JSON object)
 * @example parseAlert({ symbol: 'BTCUSDT', time: '2019-08-27T09:56:00Z', price: 10100.5 }, {})
 *   // { event: { kind: 'tick', symbol: 'BTCUSDT', ts: 1566899760000, price: 10100.5, size: 1 } }
 */
export function parseAlert(body: unknown, opts: ParseAlertOptions = {}): ParsedAlert {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', `expected a JSON object, got ${describe(body)}`);
  }
  const b = body as Record<string, unknown>;
  const symbol = parseSymbol(b.symbol);
  const alertId = parseId(b.id);
  if (b.exchange !== undefined && typeof b.exchange !== 'string') throw invalid('exchange', `expected a string, got ${describe(b.exchange)}`);
  const isBar = OHLC.some((f) => b[f] !== undefined);
  const isTick = b.price !== undefined;
  if (isBar && isTick) throw invalid('price', 'give either price (tick alert) or open/high/low/close (bar alert), not both');
  if (!isBar && !isTick) throw invalid('price', 'expected price (tick alert) or open/high/low/close (bar alert)');
  const ts = parseTime(b.time, opts.zone);
  const timenow = parseTimenow(b.timenow, opts.zone);

  let event: MarketEvent;
  if (isTick) {
    const tick: TickEvent = { kind: 'tick', symbol, ts, price: positive(b, 'price'), size: nonNegative(b, 'size', 1) };
    event = tick;
  } else {
    const timeframe = parseInterval(b.interval);
    const [open, high, low, close] = OHLC.map((f) => positive(b, f)) as [number, number, number, number];
    const volume = nonNegative(b, 'volume', 0);
    if (high < Math.max(open, close, low)) throw invalid('high', `high ${high} is below max(open ${open}, close ${close}, low ${low})`);
    if (low > Math.min(open, close)) throw invalid('low', `low ${low} is above min(open ${open}, close ${close})`);
    const bar: BarEvent = { kind: 'bar', symbol, ts, timeframe, open, high, low, close, volume };
    event = bar;
  }
  const parsed: ParsedAlert = { event };
  if (alertId !== undefined) parsed.alertId = alertId;
  if (timenow !== undefined) parsed.timenow = timenow;
  return parsed;
}

/**
 * The `secret` field of a body, if it is a string; for the HTTP layer, which compares it in
 * constant time before calling {@link parseAlert}.
 */
export function alertSecret(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const s = (body as Record<string, unknown>).secret;
  return typeof s === 'string' ? s : undefined;
}
