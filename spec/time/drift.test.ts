import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeDrift } from '../../adapters/time/drift.ts';
import { CorrectedClock } from '../../adapters/time/clock.ts';

const s = suite('drift-judgment');
const T = { warnMs: 100, tripMs: 1000, noAnswerMs: 900_000 };
const at = (offsetMs: number | null, sinceMs = 1000) => judgeDrift({ offsetMs, lastGoodAt: 10_000_000, now: 10_000_000 + sinceMs }, T);

s('ok at 0 and at exactly the warning threshold (+100 and −100 ms)', () => {
  assert.is(at(0).kind, 'ok');
  assert.is(at(100).kind, 'ok');
  assert.is(at(-100).kind, 'ok');
});

s('warn just beyond the warning threshold, either sign (100.5, −101 ms), up to exactly the trip threshold', () => {
  assert.is(at(100.5).kind, 'warn');
  assert.is(at(-101).kind, 'warn');
  assert.is(at(1000).kind, 'warn');
  assert.is(at(-1000).kind, 'warn');
});

s('trip with reason clock, cause offset, just beyond the trip threshold (1000.5, −1001 ms), with the figures', () => {
  const v = at(1000.5);
  assert.equal(v, { kind: 'trip', reason: 'clock', cause: 'offset', figures: { offsetMs: 1000.5, sinceLastGoodMs: 1000, ...T } });
  assert.is(at(-1001).kind, 'trip');
});

s('no answer for exactly the limit is not yet a trip; one ms more trips with cause no-answer, even at offset 0', () => {
  assert.is(at(0, 900_000).kind, 'ok');
  const v = at(0, 900_001);
  assert.is(v.kind, 'trip');
  assert.ok(v.kind === 'trip' && v.cause === 'no-answer' && v.reason === 'clock' && v.figures.sinceLastGoodMs === 900_001);
});

s('before any answer: ok while within the no-answer limit (from oracle start), trip after it', () => {
  assert.is(at(null, 5000).kind, 'ok');
  assert.is(at(null, 900_001).kind, 'trip');
});

const c = suite('corrected-clock');

c('uncorrected until an offset is accepted: now = system time, offset 0', () => {
  const clock = new CorrectedClock({ now: () => 5_000 });
  assert.equal([clock.now(), clock.systemNow(), clock.offsetMs, clock.corrected, clock.acceptedAt], [5_000, 5_000, 0, false, null]);
});

c('after accept(+250.4) now = system + offset (rounded to whole ms), system reading and offset kept beside it', () => {
  let t = 5_000;
  const clock = new CorrectedClock({ now: () => t });
  clock.accept(250.4, 4_990);
  t = 6_000;
  assert.equal([clock.now(), clock.systemNow(), clock.offsetMs, clock.acceptedAt, clock.corrected], [6_250, 6_000, 250.4, 4_990, true]);
  assert.equal(clock.stamp(), { receivedAt: 6_000, correctedAt: 6_250, offsetMs: 250.4 });
  clock.accept(-40);
  assert.is(clock.now(), 5_960);
});

c('refuses a non-finite offset and keeps the one in use', () => {
  const clock = new CorrectedClock({ now: () => 0 });
  clock.accept(7);
  assert.throws(() => clock.accept(Number.NaN), /offsetMs must be finite/);
  assert.is(clock.offsetMs, 7);
});

s.run();
c.run();
