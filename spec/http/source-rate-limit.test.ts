/**
 * SourceRateLimit (adapters/http/source-rate-limit.ts): a token bucket per address, driven by a
 * hand-moved clock. With 3 a minute one token comes back every 20 s (60 s / 3), so the numbers
 * below are worked out from that.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SourceRateLimit } from '../../adapters/http/source-rate-limit.ts';

const s = suite('source-rate-limit');

function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

s('a source gets its per-minute number at once, then a 429 with the wait until the next token', () => {
  const clock = manualClock();
  const limit = new SourceRateLimit({ perMinute: 3, clock });
  assert.equal([limit.take('a'), limit.take('a'), limit.take('a')], [{ allowed: true }, { allowed: true }, { allowed: true }]);
  assert.equal(limit.take('a'), { allowed: false, retryAfterSeconds: 20 });
  clock.advance(5_000);
  assert.equal(limit.take('a'), { allowed: false, retryAfterSeconds: 15 });
  clock.advance(15_000);
  assert.equal(limit.take('a'), { allowed: true });
  assert.equal(limit.take('a'), { allowed: false, retryAfterSeconds: 20 });
});

s('sources are counted apart', () => {
  const limit = new SourceRateLimit({ perMinute: 1, clock: manualClock() });
  assert.equal(limit.take('a'), { allowed: true });
  assert.equal(limit.take('b'), { allowed: true });
  assert.equal(limit.take('a'), { allowed: false, retryAfterSeconds: 60 });
});

s('Retry-After is a whole number of seconds, at least 1', () => {
  const clock = manualClock();
  const limit = new SourceRateLimit({ perMinute: 600, clock }); // one token per 100 ms
  for (let i = 0; i < 600; i += 1) assert.ok(limit.take('a').allowed);
  assert.equal(limit.take('a'), { allowed: false, retryAfterSeconds: 1 });
  clock.advance(100);
  assert.equal(limit.take('a'), { allowed: true });
});

s('refused requests take no token (waiting is enough to be let in again)', () => {
  const clock = manualClock();
  const limit = new SourceRateLimit({ perMinute: 2, clock }); // one token per 30 s
  limit.take('a');
  limit.take('a');
  for (let i = 0; i < 10; i += 1) assert.not.ok(limit.take('a').allowed);
  clock.advance(30_000);
  assert.equal(limit.take('a'), { allowed: true });
});

s('a clock stepping back refills nothing', () => {
  const clock = manualClock();
  const limit = new SourceRateLimit({ perMinute: 1, clock });
  limit.take('a');
  clock.advance(-3_600_000);
  assert.not.ok(limit.take('a').allowed);
});

s('memory is bounded: idle sources are forgotten, and at most maxSources are kept', () => {
  const clock = manualClock();
  const limit = new SourceRateLimit({ perMinute: 1, clock, maxSources: 3 });
  for (const src of ['a', 'b', 'c', 'd', 'e']) limit.take(src);
  assert.is(limit.size, 3);
  // The least recently seen (a, b) were dropped: they start again with a full bucket.
  assert.equal(limit.take('a'), { allowed: true });
  assert.equal(limit.take('e'), { allowed: false, retryAfterSeconds: 60 });
  clock.advance(60_000); // every bucket is full again: nothing to remember
  limit.take('z');
  assert.is(limit.size, 1);
});

s('a rate that is not a positive whole number is refused', () => {
  assert.throws(() => new SourceRateLimit({ perMinute: 0, clock: manualClock() }), RangeError);
  assert.throws(() => new SourceRateLimit({ perMinute: 1.5, clock: manualClock() }), RangeError);
});

s.run();
