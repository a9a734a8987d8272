/**
 * Local wall-clock time of one calendar day -> epoch ms UTC, without luxon per row.
 *
 * Replay files such as Lean's tick data store "milliseconds since local midnight" for one date,
 * a quarter of a million rows per file. Building a luxon DateTime per row costs ~10 µs, so the
 * converter asks luxon for the zone's offsets only once per (zone, date) and then does arithmetic.
 *
 * DST: a day can contain one offset change (e.g. America/New_York 2013-11-03 02:00 EDT -> 01:00
 * EST). The converter finds that instant once (binary search over luxon's `zone.offset`) and
 * resolves each wall-clock time against the offsets before and after it, with the rules of
 * Temporal's 'compatible' disambiguation (also java.time's and Python's fold=0):
 * - a wall time that occurs twice (fall back: 01:30 on 2013-11-03 in New York) resolves to the
 *   EARLIER instant, the first time the clock shows it (01:30 EDT = 05:30Z);
 * - a wall time that never occurs (spring forward: 02:30 on 2013-03-10) is read with the offset
 *   in force before the change, which lands it after the gap (02:30 EST = 07:30Z = 03:30 EDT).
 * Everywhere else the result equals luxon's `DateTime.fromObject(..., { zone })`. We do not defer
 * to luxon for the ambiguous hour because luxon picks it using the offset in force *today*, so
 * its answer changes with the season the code runs in.
 * Exchange sessions do not trade at those hours, so neither case touches real equity ticks.
 */
import type { Zone } from 'luxon';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { resolveZone } from './zone.ts';

const DAY_MS = 86_400_000;
const MIN_MS = 60_000;

/** Converts ms since local midnight of one date to epoch ms UTC. */
export type LocalDayConverter = (msOfDay: number) => number;

const converters = new Map<string, LocalDayConverter>();

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** UTC ms of the local midnight read as if it were UTC; throws on a malformed date. */
function parseDate(date: string): number {
  const m = DATE_RE.exec(date);
  const y = Number(m?.[1]);
  const mo = Number(m?.[2]);
  const d = Number(m?.[3]);
  if (!m || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
    throw new FakeoutError('FAKEOUT_ERR_TIME_INVALID', `invalid date ${JSON.stringify(date)}: expected a real calendar date YYYY-MM-DD`, {
      details: { input: date },
    });
  }
  return Date.UTC(y, mo - 1, d);
}

/** The zone's offsets (minutes) around one day: before and after `change` (equal when none). */
interface DayOffsets {
  before: number;
  after: number;
  /** first UTC ms with the `after` offset; +Infinity when the offset does not change */
  change: number;
}

function dayOffsets(zone: Zone, dayAsUtc: number): DayOffsets {
  // Local midnight..midnight lies within [day - 14 h, day + 38 h] in UTC for any real offset.
  let lo = dayAsUtc - DAY_MS;
  let hi = dayAsUtc + 2 * DAY_MS;
  const before = zone.offset(lo);
  const after = zone.offset(hi);
  if (zone.isUniversal || before === after) return { before, after: before, change: Number.POSITIVE_INFINITY };
  // POLICY: assumes at most one offset change inside the 3-day window, true of every IANA zone.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zone.offset(mid) === before) lo = mid;
    else hi = mid;
  }
  return { before, after, change: hi };
}

/**
 * A converter for one local date in one zone; cheap to call per row.
 * @param date 'YYYY-MM-DD', the local calendar date
 * @param zone IANA name or fixed 'UTC±h[:mm]'
 * @throws FakeoutError FAKEOUT_ERR_TIME_INVALID for a bad date or zone
 */
export function localDayConverter(date: string, zone: string): LocalDayConverter {
  const key = `${zone}|${date}`;
  const hit = converters.get(key);
  if (hit !== undefined) return hit;
  const z = resolveZone(zone);
  const dayAsUtc = parseDate(date);
  const offsets = dayOffsets(z, dayAsUtc);
  const convert: LocalDayConverter = (msOfDay) => {
    if (!Number.isFinite(msOfDay) || msOfDay < 0 || msOfDay >= DAY_MS) {
      throw new FakeoutError('FAKEOUT_ERR_TIME_INVALID', `ms of day ${String(msOfDay)} is outside 0..86399999`, {
        details: { input: msOfDay },
      });
    }
    const localTs = dayAsUtc + Math.floor(msOfDay);
    const early = localTs - offsets.before * MIN_MS;
    if (offsets.before === offsets.after) return early;
    const late = localTs - offsets.after * MIN_MS;
    const earlyValid = early < offsets.change;
    const lateValid = late >= offsets.change;
    if (earlyValid && lateValid) return Math.min(early, late); // fall back: first occurrence
    if (lateValid) return late;
    return early; // valid before the change, or a skipped wall time read with the old offset
  };
  if (converters.size > 4096) converters.clear();
  converters.set(key, convert);
  return convert;
}

/**
 * Local wall-clock ms since midnight of `date` in `zone` -> epoch ms UTC. Same result as luxon,
 * including across a DST change inside the day (see the module comment for ambiguous and skipped
 * times); the zone offsets are looked up once per date and cached.
 * @example localMsOfDayToUtc('2013-10-07', 14_400_464, 'America/New_York') // 2013-10-07T08:00:00.464Z
 */
export function localMsOfDayToUtc(date: string, msOfDay: number, zone: string): number {
  return localDayConverter(date, zone)(msOfDay);
}
