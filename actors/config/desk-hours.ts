/**
 * Trading-desk hours (FAKEOUT_DESK_DAYS, FAKEOUT_DESK_HOURS, FAKEOUT_DESK_TZ): inside them a
 * single admin may apply a config change; outside them a second, different person must approve
 * (machines/config.machine.ts). Pure: the instant is passed in. DST-correct through luxon: the
 * window is local wall-clock time in the desk's zone.
 */
import { DateTime } from 'luxon';
import { FakeoutError } from '../domain/errors.ts';

export interface DeskHours {
  /** ISO weekdays the desk is staffed, 1 = Monday … 7 = Sunday */
  days: readonly number[];
  /** local minutes after midnight, start inclusive, end exclusive; end > start */
  fromMinute: number;
  toMinute: number;
  zone: string;
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function fail(field: string, message: string): never {
  throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `${field}: ${message}`, { details: { field } });
}

/** `Mon-Fri`, `Mon,Wed,Fri`, `Sun-Thu` → ISO weekdays; `field` names the variable in errors. */
export function parseDeskDays(text: string, field = 'FAKEOUT_DESK_DAYS'): number[] {
  const day = (s: string): number => {
    const i = DAY_NAMES.indexOf(s.trim().slice(0, 3).toLowerCase());
    if (i < 0 || s.trim().length < 3) fail(field, `unknown day ${JSON.stringify(s.trim())} (Mon … Sun)`);
    return i + 1;
  };
  const out = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [a, b, extra] = part.split('-');
    if (extra !== undefined) fail(field, `bad range ${JSON.stringify(part)}`);
    const from = day(a!);
    const to = b === undefined ? from : day(b);
    // a range may wrap the week: Sun-Thu
    for (let d = from, n = 0; n < 7; d = (d % 7) + 1, n++) {
      out.add(d);
      if (d === to) break;
    }
  }
  if (out.size === 0) fail(field, 'expected at least one day, e.g. Mon-Fri');
  return [...out].sort((x, y) => x - y);
}

/** `08:00-18:00` → local minutes; `field` names the variable in errors. */
export function parseDeskHours(text: string, field = 'FAKEOUT_DESK_HOURS'): { fromMinute: number; toMinute: number } {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) fail(field, `expected HH:MM-HH:MM, got ${JSON.stringify(text)}`);
  const from = Number(m[1]) * 60 + Number(m[2]);
  const to = Number(m[3]) * 60 + Number(m[4]);
  if (Number(m[2]) > 59 || Number(m[4]) > 59 || from > 24 * 60 || to > 24 * 60) fail(field, `not a time of day: ${JSON.stringify(text)}`);
  if (to <= from) fail(field, `the end must be after the start (a desk window does not cross midnight), got ${JSON.stringify(text)}`);
  return { fromMinute: from, toMinute: to };
}

/** The desk of a configuration (FAKEOUT_DESK_DAYS / _HOURS / _TZ, validated by loadConfig). */
export function deskHoursFromConfig(c: { deskDays: string; deskHours: string; deskZone: string }): DeskHours {
  return { days: parseDeskDays(c.deskDays), ...parseDeskHours(c.deskHours), zone: c.deskZone };
}

/** Whether the instant `at` (epoch ms) is inside the desk's hours, in its zone. */
export function inDeskHours(at: number, desk: Readonly<DeskHours>): boolean {
  const local = DateTime.fromMillis(at, { zone: desk.zone });
  if (!local.isValid) fail('FAKEOUT_DESK_TZ', `unknown time zone ${JSON.stringify(desk.zone)}`);
  if (!desk.days.includes(local.weekday)) return false;
  const minute = local.hour * 60 + local.minute;
  return minute >= desk.fromMinute && minute < desk.toMinute;
}
