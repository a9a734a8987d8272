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
 * The zone's UTC offset (minutes) at `instantMs`, from luxon, asked as rarely as the premises
 * allow, because one luxon conversion costs microseconds (it was the costliest part of a memo
 * miss): luxon is asked at UTC midnights only, each midnight once (memoised), and a UTC day whose
 * block of {@link BLOCK_DAYS} days starts and ends on the same offset takes that offset without
 * asking about its own midnights. Otherwise a day that starts and ends on the same offset has it
 * throughout, and on a change day the offset is asked at each of its 24 hour starts. Premises
 * (checked in spec/time/sessions.test.ts against Intl): in these zones an offset changes only on
 * a whole UTC hour, at most once per UTC day, and two changes are more than BLOCK_DAYS days apart
 * (so a block whose two ends agree holds no change).
 */
function zoneOffsetMinutes(zone: string, instantMs: number): number {
  const day = Math.floor(instantMs / DAY_MS);
  let z = ZONES.get(zone);
  if (z === undefined) {
    z = { days: new Map(), midnights: new Map() };
    ZONES.set(zone, z);
  }
  let known = z.days.get(day);
  if (known === undefined) {
    if (z.days.size >= DAYS_KEPT) z.days.clear();
    known = dayOffsets(zone, z, day);
    z.days.set(day, known);
  }
  return typeof known === 'number' ? known : known[Math.floor((instantMs - day * DAY_MS) / HOUR_MS)]!;
}

/** The offset of a whole UTC day, or of each of its hours on a change day. */
function dayOffsets(zone: string, z: ZoneOffsets, day: number): number | number[] {
  const blockStart = Math.floor(day / BLOCK_DAYS) * BLOCK_DAYS;
  const blockOffset = midnightOffset(zone, z, blockStart);
  if (blockOffset === midnightOffset(zone, z, blockStart + BLOCK_DAYS)) return blockOffset;
  const first = midnightOffset(zone, z, day);
  if (first === midnightOffset(zone, z, day + 1)) return first;
  const start = day * DAY_MS;
  return Array.from({ length: 24 }, (_, h) => luxonOffset(zone, start + h * HOUR_MS));
}

/** luxon's offset at the UTC midnight starting `day`, asked once per zone and day. */
function midnightOffset(zone: string, z: ZoneOffsets, day: number): number {
  let offset = z.midnights.get(day);
  if (offset === undefined) {
    if (z.midnights.size >= DAYS_KEPT) z.midnights.clear();
    offset = luxonOffset(zone, day * DAY_MS);
    z.midnights.set(day, offset);
  }
  return offset;
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
    let open = 0;
    for (let i = 0; i < SESSION_SPECS.length; i++) if (isOpen(SESSION_SPECS[i]!, instantMs)) open |= 1 << i;
    r = ANSWERS[open]!;
    MEMO.set(hour, r);
  }
  return r;
}

/** The answer for a set of open sessions (bit i: SESSION_SPECS[i] is open), frozen. */
function answerFor(open: number): TradingSessions {
  const sessions = SESSION_SPECS.filter((_, i) => (open & (1 << i)) !== 0).map((s) => s.name);
  const overlaps: string[] = [];
  for (let i = 0; i < sessions.length; i++) {
    for (let j = i + 1; j < sessions.length; j++) overlaps.push(`${sessions[i]}_${sessions[j]}`);
  }
  return Object.freeze({ sessions: Object.freeze(sessions) as SessionName[], overlaps: Object.freeze(overlaps) as string[] });
}

/** Every possible answer, built once: a memo miss allocates nothing (hours with the same open sessions share one frozen answer). */
const ANSWERS: readonly TradingSessions[] = Array.from({ length: 1 << SESSION_SPECS.length }, (_, open) => answerFor(open));

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
 * does them once per distinct hour, and luxon is asked about once per zone and block of days (zoneOffsetMinutes). The memo holds values of a pure function (frozen), so it
 * changes no output.
 */
const MEMO = new Map<number, TradingSessions>();
/** Days per block of {@link zoneOffsetMinutes}: shorter than the shortest time between two offset changes of a session zone. */
export const BLOCK_DAYS = 16;
/** How many UTC days each zone's maps hold before they start over (as many as the hour memo). */
const DAYS_KEPT = HOURS_KEPT / 24;
interface ZoneOffsets {
  /** UTC day → its offset in minutes, or the offset at each of its hours on a change day */
  days: Map<number, number | number[]>;
  /** UTC day → luxon's offset at its midnight */
  midnights: Map<number, number>;
}
const ZONES = new Map<string, ZoneOffsets>();
