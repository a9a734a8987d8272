import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { normalizeTimestamp } from '../../adapters/time/index.ts';

const s = suite('normalize-timestamp');

// 2019-08-27T09:56:00Z is TradingView's own `{{time}}` example; Date.UTC(2019, 7, 27, 9, 56) = 1566899760000.
const T = 1_566_899_760_000;

s('reads epoch numbers by magnitude: seconds, ms, µs, ns', () => {
  assert.is(normalizeTimestamp(1_566_899_760), T);
  assert.is(normalizeTimestamp(1_566_899_760_123), T + 123);
  assert.is(normalizeTimestamp(1_566_899_760_123_456), T + 123, 'µs truncate to the ms');
  assert.is(normalizeTimestamp(1_566_899_760_123_456_789), T + 123, 'ns as a (lossy) double still lands on the ms');
  assert.is(normalizeTimestamp(1_566_899_760.5), T + 500, 'fractional seconds');
  assert.is(normalizeTimestamp(1_566_899_760.123), T + 123, 'rounded, not 122 from binary 760122.9998');
});

s('reads digit strings by magnitude, nanoseconds exactly', () => {
  assert.is(normalizeTimestamp('1566899760'), T);
  assert.is(normalizeTimestamp('1566899760123'), T + 123);
  assert.is(normalizeTimestamp('1566899760123999'), T + 123);
  assert.is(normalizeTimestamp('1566899760123999999'), T + 123, 'BigInt division, floor');
  assert.is(normalizeTimestamp(' 1566899760.25 '), T + 250);
});

s('reads ISO 8601 with Z or an offset whatever the zone option', () => {
  assert.is(normalizeTimestamp('2019-08-27T09:56:00Z'), T);
  assert.is(normalizeTimestamp('2019-08-27T09:56:00Z', { zone: 'America/New_York' }), T, 'an explicit Z wins over the zone');
  assert.is(normalizeTimestamp('2019-08-27T05:56:00-04:00'), T);
  assert.is(normalizeTimestamp('2019-08-27T15:26:00+05:30'), T);
  assert.is(normalizeTimestamp('2019-08-27T15:26:00+0530'), T);
  assert.is(normalizeTimestamp('2019-08-27T09:56:00.123456Z'), T + 123, 'sub-ms digits truncate');
});

s('reads zone-less wall time in UTC by default, SQL style included', () => {
  // the FTX file's first bar: 2021-12-31 23:01 UTC = Date.UTC(2021, 11, 31, 23, 1)
  assert.is(normalizeTimestamp('2021-12-31 23:01:00.000000'), Date.UTC(2021, 11, 31, 23, 1));
  assert.is(normalizeTimestamp('2021-12-31T23:01'), Date.UTC(2021, 11, 31, 23, 1));
  assert.is(normalizeTimestamp('2021-12-31'), Date.UTC(2021, 11, 31));
});

s('reads zone-less wall time in America/New_York on both sides of the March 2024 DST change', () => {
  // Fri 2024-03-08 is EST (UTC-5): 09:30 -> 14:30Z. Mon 2024-03-11 is EDT (UTC-4): 09:30 -> 13:30Z.
  const zone = 'America/New_York';
  assert.is(normalizeTimestamp('2024-03-08 09:30:00', { zone }), Date.UTC(2024, 2, 8, 14, 30));
  assert.is(normalizeTimestamp('2024-03-11 09:30:00', { zone }), Date.UTC(2024, 2, 11, 13, 30));
  assert.is(normalizeTimestamp('2024-03-11T09:30:00.250', { zone }), Date.UTC(2024, 2, 11, 13, 30, 0, 250));
});

s('reads zone-less wall time in a fixed offset zone', () => {
  // FXCM's first EURUSD quote: 00:00:17.007 at UTC-5 = 05:00:17.007Z
  assert.is(normalizeTimestamp('2014-05-08 00:00:17.007', { zone: 'UTC-5' }), Date.UTC(2014, 4, 8, 5, 0, 17, 7));
  // in summer too: a fixed offset has no DST (America/New_York would give 04:00Z)
  assert.is(normalizeTimestamp('2014-07-01 00:00', { zone: 'UTC-5' }), Date.UTC(2014, 6, 1, 5));
  assert.is(normalizeTimestamp('2024-01-01T05:30:00', { zone: 'UTC+05:30' }), Date.UTC(2024, 0, 1));
});

s('falls back to luxon for rarer ISO shapes such as week dates', () => {
  // ISO week 35 of 2019 starts Monday 2019-08-26, so day 2 is Tuesday 2019-08-27.
  assert.is(normalizeTimestamp('2019-W35-2T09:56:00Z'), T);
});

s('refuses garbage with FAKEOUT_ERR_TIME_INVALID naming the input', () => {
  const bad: (string | number)[] = ['yesterday', '', '   ', 'NaN', Number.NaN, Number.POSITIVE_INFINITY, -5, '2019-02-30T00:00:00Z', '2019-08-27T25:00:00Z', '2019-08-27T10:61:00Z', '12:30:00', '123456789012345678901'];
  for (const input of bad) {
    try {
      normalizeTimestamp(input);
      assert.unreachable(`accepted ${String(input)}`);
    } catch (err) {
      assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_TIME_INVALID'), `code for ${String(input)}`);
      assert.ok((err as Error).message.includes(JSON.stringify(input)), `message names ${String(input)}: ${(err as Error).message}`);
    }
  }
});

s('refuses an unknown zone naming it', () => {
  try {
    normalizeTimestamp('2024-01-01 00:00', { zone: 'Mars/Olympus' });
    assert.unreachable();
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_TIME_INVALID'));
    assert.match((err as Error).message, 'Mars/Olympus');
  }
});

s.run();
