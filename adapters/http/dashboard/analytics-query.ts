/**
 * Query strings of the dashboard's read APIs (Analytics, System monitor, Security & risk),
 * validated once at the edge: a bad one is refused with FAKEOUT_ERR_API_INVALID_QUERY naming the
 * parameter in `error.field`, before anything is read.
 */
import type { preHandlerAsyncHookHandler } from 'fastify';
import { IANAZone } from 'luxon';
import type { Action } from '../../../actors/auth/roles.ts';
import { FakeoutError } from '../../../actors/domain/errors.ts';
import { parseSince } from '../signals-query.ts';

/** The contract's role check (docs: dashboard contract): one preHandler per action, provided by the session plugin. */
export type DashboardGuard = (action: Action) => preHandlerAsyncHookHandler;

/** The largest page any dashboard list returns: one page stays well under 100 KB of JSON. */
export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

const SYMBOL = /^[A-Za-z0-9._:/-]{1,64}$/;
const DIGITS = /^\d{1,16}$/;

export function invalidQuery(field: string, message: string, cause?: unknown): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_API_INVALID_QUERY', `${field}: ${message}`, { details: { field }, ...(cause === undefined ? {} : { cause }) });
}

/** Reads one query string; unknown and repeated parameters are refused rather than guessed at. */
export class QueryReader {
  readonly #q: Record<string, unknown>;
  constructor(query: unknown, known: readonly string[]) {
    this.#q = (query ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(this.#q)) if (!known.includes(k)) throw invalidQuery(k, `unknown parameter; expected ${known.join(', ')}`);
  }

  text(field: string): string | undefined {
    const v = this.#q[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw invalidQuery(field, 'give it once');
    return v;
  }

  /** An IANA time zone name (luxon's check, the same tz database Postgres uses); default UTC. */
  zone(field = 'tz'): string {
    const z = this.text(field);
    if (z === undefined || z === '') return 'UTC';
    if (z.length > 64 || !IANAZone.isValidZone(z)) throw invalidQuery(field, `expected an IANA time zone such as Europe/London or America/New_York, got ${JSON.stringify(z.slice(0, 64))}`);
    // the canonical spelling luxon knows (e.g. "utc" → "UTC"), which Postgres also accepts
    return new IANAZone(z).name;
  }

  symbol(field = 'symbol'): string | undefined {
    const s = this.text(field);
    if (s === undefined) return undefined;
    if (!SYMBOL.test(s)) throw invalidQuery(field, 'expected 1-64 characters of A-Z a-z 0-9 . _ : / -');
    return s;
  }

  /** An instant: epoch ms or ISO 8601 (UTC when no offset). */
  instant(field: string): number | undefined {
    const s = this.text(field);
    if (s === undefined) return undefined;
    try {
      return parseSince(s);
    } catch (err) {
      throw invalidQuery(field, `expected an ISO 8601 time (2024-01-02T15:00:00Z) or epoch milliseconds, got ${JSON.stringify(s.slice(0, 40))}`, err);
    }
  }

  int(field: string, min: number, max: number, fallback: number): number {
    const s = this.text(field);
    if (s === undefined) return fallback;
    const n = DIGITS.test(s.trim()) ? Number(s.trim()) : Number.NaN;
    if (!(n >= min && n <= max)) throw invalidQuery(field, `expected an integer ${min}..${max}, got ${JSON.stringify(s.slice(0, 20))}`);
    return n;
  }

  /** A positive number (e.g. a bucket width). */
  number(field: string, min: number, max: number, fallback: number): number {
    const s = this.text(field);
    if (s === undefined) return fallback;
    const n = /^\d+(\.\d+)?$/.test(s.trim()) ? Number(s.trim()) : Number.NaN;
    if (!(n >= min && n <= max)) throw invalidQuery(field, `expected a number ${min}..${max}, got ${JSON.stringify(s.slice(0, 20))}`);
    return n;
  }

  oneOf<T extends string>(field: string, values: readonly T[], fallback: T): T {
    const s = this.text(field);
    if (s === undefined) return fallback;
    if (!(values as readonly string[]).includes(s)) throw invalidQuery(field, `expected one of ${values.join(', ')}, got ${JSON.stringify(s.slice(0, 20))}`);
    return s as T;
  }
}

/** The filter every Analytics figure shares: a symbol and a [from, to) window of bar open times. */
export interface SignalFilter {
  symbol?: string;
  from?: number;
  to?: number;
}

export const FILTER_FIELDS = ['symbol', 'from', 'to'] as const;

export function readFilter(r: QueryReader): SignalFilter {
  const symbol = r.symbol();
  const from = r.instant('from');
  const to = r.instant('to');
  if (from !== undefined && to !== undefined && to <= from) throw invalidQuery('to', 'must be after from');
  return { ...(symbol === undefined ? {} : { symbol }), ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/**
 * A keyset cursor over (time, id) descending, as the opaque text `<ms>:<id>` the last page
 * returned in `next`. Keyset, not OFFSET: page 500 of 100,000 signals costs what page 1 costs.
 */
export function readCursor(r: QueryReader, field = 'before'): { t: number; id: string } | undefined {
  const s = r.text(field);
  if (s === undefined) return undefined;
  const m = /^(\d{1,16}):(.{1,200})$/s.exec(s);
  if (m === null) throw invalidQuery(field, 'expected the `next` value of the previous page');
  return { t: Number(m[1]), id: m[2]! };
}

export const JSON_TYPE = 'application/json; charset=utf-8';
