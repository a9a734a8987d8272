import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DateTime } from 'luxon';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { localMsOfDayToUtc } from '../../adapters/time/index.ts';

const s = suite('local-ms-of-day-to-utc');
const NY = 'America/New_York';
const H = 3_600_000;

s('places the first SPY tick of 2013-10-07 (EDT) at 08:00:00.464Z', () => {
  // 14_400_464 ms = 04:00:00.464 New York, EDT = UTC-4 -> 08:00:00.464Z (shared data README)
  assert.is(new Date(localMsOfDayToUtc('2013-10-07', 14_400_464, NY)).toISOString(), '2013-10-07T08:00:00.464Z');
});

s('follows the 2013-11-03 New York fall-back change inside the day', () => {
  // Clocks went from 02:00 EDT (UTC-4) back to 01:00 EST (UTC-5), i.e. at 06:00Z.
  const at = (date: string, ms: number) => new Date(localMsOfDayToUtc(date, ms, NY)).toISOString();
  assert.is(at('2013-11-02', 12 * H), '2013-11-02T16:00:00.000Z', 'the day before: EDT');
  assert.is(at('2013-11-03', 0), '2013-11-03T04:00:00.000Z', 'midnight still EDT');
  assert.is(at('2013-11-03', 1.5 * H), '2013-11-03T05:30:00.000Z', '01:30 happens twice: the first (EDT) one');
  assert.is(at('2013-11-03', 2 * H), '2013-11-03T07:00:00.000Z', '02:00 exists only in EST');
  assert.is(at('2013-11-03', 12 * H), '2013-11-03T17:00:00.000Z', 'noon EST');
  assert.is(at('2013-11-03', 86_399_999), '2013-11-04T04:59:59.999Z', 'last ms of the day, EST');
  assert.is(at('2013-11-04', 0), '2013-11-04T05:00:00.000Z', 'the day after: EST');
});

s('shifts a wall time skipped by the spring-forward change past the gap', () => {
  // 2013-03-10: 02:00 EST (07:00Z) became 03:00 EDT. 02:30 does not exist; read with EST it is 07:30Z = 03:30 EDT.
  const at = (ms: number) => new Date(localMsOfDayToUtc('2013-03-10', ms, NY)).toISOString();
  assert.is(at(2 * H - 1), '2013-03-10T06:59:59.999Z');
  assert.is(at(2.5 * H), '2013-03-10T07:30:00.000Z');
  assert.is(at(3 * H), '2013-03-10T07:00:00.000Z');
});

s('agrees with luxon on every unambiguous quarter hour of both 2013 change days', () => {
  for (const date of ['2013-03-10', '2013-11-03']) {
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    for (let q = 0; q < 96; q++) {
      const hour = Math.floor(q / 4);
      if (date === '2013-11-03' && hour === 1) continue; // ambiguous: luxon's pick depends on today's offset
      const want = DateTime.fromObject({ year, month, day, hour, minute: (q % 4) * 15 }, { zone: NY }).toMillis();
      assert.is(localMsOfDayToUtc(date, q * 900_000, NY), want, `${date} q${q}`);
    }
  }
});

s('uses a fixed offset zone without DST', () => {
  // FXCM's last EURUSD quote: 23:59:59.235 at UTC-5 = 2014-05-09T04:59:59.235Z
  assert.is(new Date(localMsOfDayToUtc('2014-05-08', 86_399_235, 'UTC-5')).toISOString(), '2014-05-09T04:59:59.235Z');
});

s('refuses a time outside the day, an impossible date and an unknown zone', () => {
  for (const [date, ms, zone] of [['2013-11-03', 86_400_000, NY], ['2013-11-03', -1, NY], ['2013-02-30', 0, NY], ['20131103', 0, NY], ['2013-11-03', 0, 'Nowhere/City']] as const) {
    try {
      localMsOfDayToUtc(date, ms, zone);
      assert.unreachable(`${date} ${ms} ${zone}`);
    } catch (err) {
      assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_TIME_INVALID'), `${date} ${ms} ${zone}`);
    }
  }
});

s.run();
