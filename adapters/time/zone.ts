/**
 * Time-zone resolution shared by the normaliser and the local-day converter. Zones are parsed
 * once and cached: resolving a zone name goes through `Intl`, which is far too slow per row.
 */
import { DateTime, Info, type Zone } from 'luxon';
import { FakeoutError } from '../../actors/domain/errors.ts';

const zones = new Map<string, Zone>();

/**
 * A luxon zone for an IANA name ('America/New_York', 'Asia/Tokyo'), 'UTC', or a fixed offset
 * written 'UTC-5', 'UTC+05:30', 'UTC-05:00' (luxon's syntax, no DST).
 * @throws FakeoutError FAKEOUT_ERR_TIME_INVALID naming the zone when luxon does not know it.
 */
export function resolveZone(name: string): Zone {
  const hit = zones.get(name);
  if (hit !== undefined) return hit;
  const zone = Info.normalizeZone(name);
  // normalizeZone returns an invalid IANAZone (not an exception) for unknown names.
  if (typeof name !== 'string' || name.trim() === '' || !zone.isValid) {
    throw new FakeoutError('FAKEOUT_ERR_TIME_INVALID', `unknown time zone ${JSON.stringify(name)}: use an IANA name like 'America/New_York', 'UTC', or a fixed offset like 'UTC-5' / 'UTC+05:30'`, {
      details: { zone: name },
    });
  }
  if (zones.size > 256) zones.clear();
  zones.set(name, zone);
  return zone;
}

/**
 * An instant as wall-clock time in `zone`, with its UTC offset then (digits, not abbreviations,
 * which depend on the ICU data): `2013-10-07 09:45 -04:00`; in UTC itself `2022-01-01 01:13 UTC`.
 * @throws FakeoutError FAKEOUT_ERR_TIME_INVALID for an unknown zone
 */
export function formatInZone(ms: number, zone: string): string {
  const local = DateTime.fromMillis(ms, { zone: resolveZone(zone) });
  return local.toFormat(zone.toUpperCase() === 'UTC' ? "yyyy-MM-dd HH:mm 'UTC'" : 'yyyy-MM-dd HH:mm ZZ');
}
