/**
 * Which of the three main FX/equity trading sessions are open at an instant.
 *
 * Each session is defined in its OWN local time, so daylight saving is handled by luxon and the
 * overlaps move during the weeks when the US and Europe change clocks on different dates:
 *
 * | session    | zone             | open (local)      | days (local)   |
 * |------------|------------------|-------------------|----------------|
 * | `asia`     | Asia/Tokyo       | 09:00 to 18:00    | Monday–Friday  |
 * | `london`   | Europe/London    | 08:00 to 17:00    | Monday–Friday  |
 * | `new_york` | America/New_York | 08:00 to 17:00    | Monday–Friday  |
 *
 * Start inclusive, end exclusive. Japan has no DST, so `asia` is always 00:00–09:00 UTC.
 * Example: in 2024 the US moved to EDT on 10 March and the UK to BST on 31 March, so on
 * 11–29 March New York opens at 12:00 UTC while London still runs 08:00–17:00 UTC, and the
 * London/New York overlap is five hours (12:00–17:00 UTC) instead of the usual four.
 * Holidays are not modelled.
 */
import { DateTime } from 'luxon';

/** A trading session name. */
export type SessionName = 'asia' | 'london' | 'new_york';

/** Open sessions, in the fixed order asia, london, new_york, and every pair open together ('london_new_york'). */
export interface TradingSessions {
  sessions: SessionName[];
  overlaps: string[];
}

interface SessionSpec {
  name: SessionName;
  zone: string;
  /** minutes after local midnight */
  openMin: number;
  closeMin: number;
}

/** The session table above, as data. */
export const SESSION_SPECS: readonly Readonly<SessionSpec>[] = Object.freeze([
  { name: 'asia', zone: 'Asia/Tokyo', openMin: 9 * 60, closeMin: 18 * 60 },
  { name: 'london', zone: 'Europe/London', openMin: 8 * 60, closeMin: 17 * 60 },
  { name: 'new_york', zone: 'America/New_York', openMin: 8 * 60, closeMin: 17 * 60 },
]);

function isOpen(spec: SessionSpec, instantMs: number): boolean {
  // local wall time = UTC + the zone's offset, read with plain arithmetic (as luxon does)
  const local = instantMs + zoneOffsetMinutes(spec.zone, instantMs) * MINUTE_MS;
  const day = Math.floor(local / DAY_MS);
  const weekday = ((((day + 3) % 7) + 7) % 7) + 1; // 1 = Monday … 7 = Sunday; day 0 (1970-01-01) was a Thursday
  if (weekday > 5) return false;
  const minute = Math.floor((local - day * DAY_MS) / MINUTE_MS);
  return minute >= spec.openMin && minute < spec.closeMin;
}

/**
 * The zone's UTC offset (minutes) at `instantMs`, from luxon, asked once per zone and UTC day
 * (at midnights) rather than per hour: when a day starts and ends on the same offset the whole
 * day has it; on a change day the offset is asked at each of its 24 hour starts. Premise (checked
 * in spec/time/sessions.test.ts against Intl, hour by hour): in these zones an offset changes
 * only on a whole UTC hour and at most once per UTC day.
 */
function zoneOffsetMinutes(zone: string, instantMs: number): number {
  const day = Math.floor(instantMs / DAY_MS);
  let perZone = OFFSETS.get(zone);
  if (perZone === undefined) {
    perZone = new Map();
    OFFSETS.set(zone, perZone);
  }
  let known = perZone.get(day);
  if (known === undefined) {
    if (perZone.size >= HOURS_KEPT / 24) perZone.clear();
    const start = day * DAY_MS;
    const first = luxonOffset(zone, start);
    if (first === luxonOffset(zone, start + DAY_MS)) known = first;
    else known = Array.from({ length: 24 }, (_, h) => luxonOffset(zone, start + h * HOUR_MS));
    perZone.set(day, known);
  }
  return typeof known === 'number' ? known : known[Math.floor((instantMs - day * DAY_MS) / HOUR_MS)]!;
}

const luxonOffset = (zone: string, ms: number): number => DateTime.fromMillis(ms, { zone }).offset;

/**
 * The sessions open at `instantMs` (epoch ms UTC) and their pairwise overlaps.
 * @example tradingSessions(Date.parse('2024-03-11T12:30:00Z')) // { sessions: ['london', 'new_york'], overlaps: ['london_new_york'] }
 */
export function tradingSessions(instantMs: number): TradingSessions {
  const hour = Math.floor(instantMs / HOUR_MS);
  let r = MEMO.get(hour);
  if (r === undefined) {
    if (MEMO.size >= HOURS_KEPT) MEMO.clear();
    const sessions = SESSION_SPECS.filter((s) => isOpen(s, instantMs)).map((s) => s.name);
    const overlaps: string[] = [];
    for (let i = 0; i < sessions.length; i++) {
      for (let j = i + 1; j < sessions.length; j++) overlaps.push(`${sessions[i]}_${sessions[j]}`);
    }
    r = Object.freeze({ sessions: Object.freeze(sessions) as SessionName[], overlaps: Object.freeze(overlaps) as string[] });
    MEMO.set(hour, r);
  }
  return r;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** How many UTC hours the memo holds before it starts over (~5.7 years). */
const HOURS_KEPT = 50_000;
/**
 * The answer per UTC hour. Every session opens and closes on a whole local hour and the three
 * zones are whole hours off UTC (Tokyo +9, London +0/+1, New York −5/−4), so the answer cannot
 * change inside a UTC hour (spec/features/regime.test.ts checks the premise against the table).
 * Time-zone conversions were the costliest part of a bar's features and of a paper fill; this
 * does them once per distinct hour, and luxon is asked once per zone and day (zoneOffsetMinutes). The memo holds values of a pure function (frozen), so it
 * changes no output.
 */
const MEMO = new Map<number, TradingSessions>();
/** zone → UTC day → its offset in minutes, or the offset at each of its hours on a change day */
const OFFSETS = new Map<string, Map<number, number | number[]>>();
