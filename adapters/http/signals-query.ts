/**
 * The query strings of `GET /api/signals` and `GET /api/signals/stream`, validated once: a bad
 * one is refused with FAKEOUT_ERR_API_INVALID_QUERY naming the parameter.
 */
import { FakeoutError } from '../../actors/domain/errors.ts';
import { normalizeTimestamp } from '../time/index.ts';

/** `limit` when none is given. */
export const DEFAULT_SIGNALS_LIMIT = 100;
/** The largest `limit` accepted: one page stays a few hundred KB of JSON. */
export const MAX_SIGNALS_LIMIT = 1000;

export interface SignalsQuery {
  symbol?: string;
  /** epoch ms UTC: only signals whose bar opened at or after it */
  since?: number;
  limit: number;
}

export interface SignalsStreamQuery {
  symbol?: string;
}

// The symbol alphabet of ingest (actors/ingest/formats/symbol.ts): anything else matches nothing.
const SYMBOL = /^[A-Za-z0-9._:/-]{1,64}$/;
const DIGITS = /^\d{1,16}$/;

function invalid(field: string, message: string, cause?: unknown): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_API_INVALID_QUERY', `${field}: ${message}`, { details: { field }, ...(cause === undefined ? {} : { cause }) });
}

/** One value per parameter; `?a=1&a=2` is refused rather than guessed at. */
function single(query: Record<string, unknown>, field: string): string | undefined {
  const v = query[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(field, 'give it once');
  return v;
}

function refuseUnknown(query: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(query)) {
    if (!known.includes(k)) throw invalid(k, `unknown parameter; expected ${known.join(', ')}`);
  }
}

function parseSymbol(query: Record<string, unknown>): string | undefined {
  const symbol = single(query, 'symbol');
  if (symbol === undefined) return undefined;
  if (!SYMBOL.test(symbol)) throw invalid('symbol', 'expected 1-64 characters of A-Z a-z 0-9 . _ : / -');
  return symbol;
}

/**
 * `since`: epoch milliseconds (digits only) or an ISO 8601 time; without an offset, ISO is UTC.
 * @example parseSince('2024-01-02T15:00:00Z') // 1704207600000
 */
export function parseSince(raw: string): number {
  const text = raw.trim();
  if (DIGITS.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) throw invalid('since', `expected an ISO 8601 time (2024-01-02T15:00:00Z) or epoch milliseconds, got ${JSON.stringify(raw.slice(0, 40))}`);
  try {
    return normalizeTimestamp(text, { zone: 'UTC' });
  } catch (err) {
    throw invalid('since', `expected an ISO 8601 time (2024-01-02T15:00:00Z) or epoch milliseconds, got ${JSON.stringify(raw.slice(0, 40))}`, err);
  }
}

/** Validates `?symbol=&since=&limit=`. */
export function parseSignalsQuery(query: Record<string, unknown>): SignalsQuery {
  refuseUnknown(query, ['symbol', 'since', 'limit']);
  const symbol = parseSymbol(query);
  const sinceRaw = single(query, 'since');
  const limitRaw = single(query, 'limit');
  let limit = DEFAULT_SIGNALS_LIMIT;
  if (limitRaw !== undefined) {
    limit = DIGITS.test(limitRaw.trim()) ? Number(limitRaw.trim()) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_SIGNALS_LIMIT)) throw invalid('limit', `expected an integer 1..${MAX_SIGNALS_LIMIT}, got ${JSON.stringify(limitRaw.slice(0, 20))}`);
  }
  return {
    ...(symbol === undefined ? {} : { symbol }),
    ...(sinceRaw === undefined ? {} : { since: parseSince(sinceRaw) }),
    limit,
  };
}

/** Validates `?symbol=` of the live stream. */
export function parseSignalsStreamQuery(query: Record<string, unknown>): SignalsStreamQuery {
  refuseUnknown(query, ['symbol']);
  const symbol = parseSymbol(query);
  return symbol === undefined ? {} : { symbol };
}
