/**
 * The live bar clock's pure parts (actors/ingest/bar-clock.actor.ts) and the clock envelope on
 * RAW (actors/ingest/envelope.ts): when it ticks, and that only the clock may carry a clock event.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { liveClockDue, liveClockHorizonMs } from '../../actors/ingest/bar-clock.actor.ts';
import { clockEnvelope, decodeRawEnvelope, rawSubject } from '../../actors/ingest/envelope.ts';

const s = suite('live bar clock');
const M = 60_000;

s('ticks while the newest live event is within the horizon, and never without one', () => {
  assert.is(liveClockDue(1_000_000, undefined, 10 * M), false, 'no live data ever: no tick (a replay, the idle demo)');
  assert.is(liveClockDue(1_000_000, 1_000_000 - 10 * M, 10 * M), true, 'exactly at the horizon');
  assert.is(liveClockDue(1_000_000, 1_000_000 - 10 * M - 1, 10 * M), false, '1 ms beyond it');
});

s('the horizon is the longest timeframe + the grace + one interval', () => {
  // 1h = 3,600,000 ms; + 2,000 + 5,000
  assert.is(liveClockHorizonMs(['1m', '1h', '5m'], 2_000, 5_000), 3_607_000);
  assert.is(liveClockHorizonMs(['1m'], 0, 1_000), 61_000);
});

s('a clock envelope goes on raw.clock.clock with id clock:<at> and decodes', () => {
  const e = clockEnvelope(1_700_000_000_123);
  assert.is(rawSubject(e), 'raw.clock.clock');
  assert.is(e.id, 'clock:1700000000123');
  assert.equal(decodeRawEnvelope(JSON.parse(JSON.stringify(e))), e);
});

s('a clock event from another source, or a market event from the clock, is refused naming event.kind', () => {
  const refused = (v: unknown) => {
    try {
      decodeRawEnvelope(v);
    } catch (err) {
      assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_INGEST_BAD_ROW'));
      return err.info.field;
    }
    return 'accepted';
  };
  const clock = clockEnvelope(1_000);
  assert.is(refused({ ...clock, source: 'tradingview' }), 'event.kind');
  assert.is(refused({ ...clock, event: { kind: 'tick', symbol: 'X', ts: 1_000, price: 1, size: 1 } }), 'event.kind');
  assert.is(refused({ ...clock, event: { kind: 'clock', symbol: 'clock', ts: 'soon' } }), 'event.ts');
});

s.run();
