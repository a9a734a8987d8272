/**
 * One function turns every timestamp a source can send into integer epoch ms UTC.
 *
 * POLICY: every instant inside fakeout is integer epoch ms UTC (see actors/domain/messages.ts);
 * this is where that is enforced for data coming in.
 *
 * Accepted inputs:
 * - numbers, and strings of digits, read as an epoch count whose unit is chosen by magnitude:
 *   < 1e11 seconds (until year 5138), < 1e14 milliseconds, < 1e17 microseconds, < 1e20 nanoseconds.
 *   Consequence: a millisecond count before 1973-03-03 would be read as seconds; market data is later.
 *   Sub-millisecond precision is truncated toward the past (floor), so order is kept.
 * - ISO 8601 with `Z` or an offset ('2019-08-27T09:56:00Z', TradingView's `{{time}}`/`{{timenow}}`).
 * - ISO 8601 or 'YYYY-MM-DD HH:MM[:SS[.fraction]]' without an offset, and a bare 'YYYY-MM-DD':
 *   read as wall-clock time in `opts.zone` (default 'UTC'), DST-correct; ambiguous and skipped
 *   wall times resolve like luxon (see local-day.ts).
 * Anything else throws FAKEOUT_ERR_TIME_INVALID naming the input.
 *
 * The common shapes are parsed with one regex and arithmetic (45k bar timestamps in a few ms);
 * rarer ISO forms (week dates, ordinal dates, basic format) fall back to luxon.
 */
import { DateTime } from 'luxon';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { localDayConverter } from './local-day.ts';
import { resolveZone } from './zone.ts';

/** Options for {@link normalizeTimestamp}. */
export interface NormalizeOptions {
  /** zone for wall-clock strings without an offset: IANA name, 'UTC', or 'UTC±h[:mm]'; default 'UTC' */
  zone?: string;
}

// Epoch ms must stay inside what Date can represent.
const MAX_MS = 8_640_000_000_000_000;

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

function invalid(input: unknown, why: string): FakeoutError {
  const shown = typeof input === 'string' && input.length > 80 ? `${input.slice(0, 80)}…` : input;
  return new FakeoutError('FAKEOUT_ERR_TIME_INVALID', `cannot read timestamp ${JSON.stringify(shown)}: ${why}`, {
    details: { input: shown },
  });
}

function fromEpochNumber(x: number, input: unknown): number {
  if (!Number.isFinite(x)) throw invalid(input, 'not a finite number');
  if (x < 0) throw invalid(input, 'negative epoch values are not supported');
  let ms: number;
  // Seconds are rounded (1566899760.123 * 1000 is 1566899760122.9998 in binary); finer units floor.
  if (x < 1e11) ms = Math.round(x * 1000);
  else if (x < 1e14) ms = Math.floor(x);
  else if (x < 1e17) ms = Math.floor(x / 1000);
  else if (x < 1e20) ms = Math.floor(x / 1e6);
  else throw invalid(input, 'too large for an epoch in s, ms, µs or ns');
  if (ms > MAX_MS) throw invalid(input, 'out of range');
  return ms;
}

function fromDigits(s: string): number {
  // A nanosecond count (19 digits) is past 2^53: divide exactly with BigInt before converting.
  if (s.length > 15) {
    const n = BigInt(s);
    if (n >= 10n ** 20n) throw invalid(s, 'too large for an epoch in s, ms, µs or ns');
    if (n >= 10n ** 17n) return Number(n / 1_000_000n);
    if (n >= 10n ** 14n) return Number(n / 1000n);
  }
  return fromEpochNumber(Number(s), s);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function offsetMinutes(tz: string): number {
  if (tz === 'Z' || tz === 'z') return 0;
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (h > 23 || m > 59) return Number.NaN;
  return sign * (h * 60 + m);
}

function fromIsoFast(s: string, m: RegExpExecArray, zone: string): number {
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const sec = Number(m[6] ?? 0);
  const msFrac = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw invalid(s, 'no such calendar date');
  if (h > 23 || mi > 59 || sec > 59) throw invalid(s, 'no such time of day');
  const msOfDay = ((h * 60 + mi) * 60 + sec) * 1000 + msFrac;
  const tz = m[8];
  if (tz !== undefined) {
    const off = offsetMinutes(tz);
    if (Number.isNaN(off)) throw invalid(s, 'bad UTC offset');
    return Date.UTC(y, mo - 1, d) + msOfDay - off * 60_000;
  }
  return localDayConverter(`${m[1]}-${m[2]}-${m[3]}`, zone)(msOfDay);
}

/**
 * Any supported timestamp -> integer epoch ms UTC.
 * @param input epoch number or digit string (unit by magnitude), or an ISO 8601 / SQL-style string
 * @param opts.zone zone for strings without an offset (default 'UTC')
 * @throws FakeoutError FAKEOUT_ERR_TIME_INVALID naming the input (or the zone, when that is unknown)
 * @example normalizeTimestamp('2019-08-27T09:56:00Z') // 1566899760000
 * @example normalizeTimestamp('2024-03-11 09:30:00', { zone: 'America/New_York' }) // 13:30Z (EDT)
 */
export function normalizeTimestamp(input: string | number, opts: NormalizeOptions = {}): number {
  const zone = opts.zone ?? 'UTC';
  if (typeof input === 'number') return fromEpochNumber(input, input);
  if (typeof input !== 'string') throw invalid(input, 'expected a string or a number');
  const s = input.trim();
  if (s === '') throw invalid(input, 'empty');
  if (/^\d+$/.test(s)) return fromDigits(s);
  if (/^\d+\.\d+$/.test(s)) return fromEpochNumber(Number(s), input);
  const m = ISO_RE.exec(s);
  if (m) return fromIsoFast(input, m, zone);
  // A time without a date ('12:30') would be read by luxon as *today*: refuse, the result must not depend on the clock.
  if (!/^\d{4}/.test(s)) throw invalid(input, 'expected epoch s/ms/µs/ns or an ISO 8601 date-time');
  // Rarer ISO 8601 shapes; luxon applies `zone` only when the string has no offset.
  const dt = DateTime.fromISO(s, { zone: resolveZone(zone) });
  if (!dt.isValid) throw invalid(input, 'expected epoch s/ms/µs/ns or ISO 8601 (with Z, an offset, or a zone)');
  return dt.toMillis();
}
