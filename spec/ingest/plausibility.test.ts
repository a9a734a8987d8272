/**
 * The event-time plausibility window (actors/ingest/plausibility.ts): both sides of each
 * threshold, for the live (webhook) window and the replay window. Expected instants are written
 * out by hand (Date.UTC), never taken from the functions under test.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../actors/domain/config.ts';
import type { BarEvent, TickEvent, Timeframe } from '../../actors/domain/messages.ts';
import {
  liveTimeProblem,
  REPLAY_ANCHOR_ROWS,
  replayAnchor,
  ReplayTimeWindow,
  timeLimitsFromConfig,
  type TimeLimits,
} from '../../actors/ingest/plausibility.ts';

const s = suite('event time plausibility');

const S = 1000;
const DAY = 86_400_000;
// now = 2024-03-01T10:06:30Z
const NOW = Date.UTC(2024, 2, 1, 10, 6, 30);
// 1980-01-01: 10 years after 1970 with two leap days (1972, 1976) = 3652 days.
const FLOOR_1980 = 3652 * DAY;
const LIMITS: TimeLimits = { skewMs: 60 * S, maxAgeMs: 7 * DAY, maxGapMs: 31 * DAY, floorMs: FLOOR_1980 };

const tick = (ts: number): TickEvent => ({ kind: 'tick', symbol: 'BTCUSDT', ts, price: 100, size: 1 });
const bar = (ts: number, timeframe: Timeframe = '1m'): BarEvent =>
  ({ kind: 'bar', symbol: 'BTCUSDT', ts, timeframe, open: 100, high: 101, low: 99, close: 100.5, volume: 3 });

s('the defaults give a 60 s skew, 7 days of age, 31 days of gap and a 1980-01-01 floor', () => {
  assert.equal({ ...timeLimitsFromConfig(loadConfig({})) }, { skewMs: 60_000, maxAgeMs: 604_800_000, maxGapMs: 2_678_400_000, floorMs: 315_532_800_000 });
  assert.is(FLOOR_1980, Date.UTC(1980, 0, 1));
});

s('live: a bar may end at most skew after now (the bar, not its open, must be over)', () => {
  // a 1m bar opening exactly at now ends at now + 60 s: the last one accepted
  assert.is(liveTimeProblem(bar(NOW), NOW, LIMITS), undefined);
  const p = liveTimeProblem(bar(NOW + 1), NOW, LIMITS);
  assert.is(p?.field, 'time');
  assert.match(p!.reason, /FAKEOUT_TIME_SKEW_SECONDS/);
  assert.match(p!.reason, /once the bar has closed/);
  // a 5m bar 10:00–10:05 has closed by 10:06:30; the one 10:05–10:10 has not (and is 3.5 min past the skew)
  assert.is(liveTimeProblem(bar(Date.UTC(2024, 2, 1, 10, 0), '5m'), NOW, LIMITS), undefined);
  assert.is(liveTimeProblem(bar(Date.UTC(2024, 2, 1, 10, 5), '5m'), NOW, LIMITS)?.field, 'time');
  // a 1d bar ends a day after its open: today's daily bar is refused until tomorrow 00:01
  assert.is(liveTimeProblem(bar(Date.UTC(2024, 2, 1), '1d'), NOW, LIMITS)?.field, 'time');
  assert.is(liveTimeProblem(bar(Date.UTC(2024, 1, 29), '1d'), NOW, LIMITS), undefined);
});

s('live: a tick may be at most skew after now', () => {
  assert.is(liveTimeProblem(tick(NOW + 60 * S), NOW, LIMITS), undefined);
  assert.is(liveTimeProblem(tick(NOW + 60 * S + 1), NOW, LIMITS)?.field, 'time');
  assert.is(liveTimeProblem(tick(NOW + 10 * 365 * DAY), NOW, LIMITS)?.field, 'time', 'ten years ahead');
});

s('live: an event may start at most max-age before now', () => {
  assert.is(liveTimeProblem(tick(NOW - 7 * DAY), NOW, LIMITS), undefined);
  const p = liveTimeProblem(tick(NOW - 7 * DAY - 1), NOW, LIMITS);
  assert.is(p?.field, 'time');
  assert.match(p!.reason, /FAKEOUT_WEBHOOK_MAX_AGE_DAYS/);
  assert.is(liveTimeProblem(bar(NOW - 7 * DAY), NOW, LIMITS), undefined);
  assert.is(liveTimeProblem(bar(NOW - 7 * DAY - 1), NOW, LIMITS)?.field, 'time');
});

s('live and replay: nothing before the floor; epoch 0 is refused by default', () => {
  const old = { ...LIMITS, maxAgeMs: 100 * 365 * DAY };
  assert.is(liveTimeProblem(tick(FLOOR_1980), NOW, old), undefined);
  const p = liveTimeProblem(tick(FLOOR_1980 - 1), NOW, old);
  assert.match(p!.reason, /FAKEOUT_TIME_FLOOR/);
  assert.match(liveTimeProblem(tick(0), NOW, LIMITS)!.reason, /^1970-01-01T00:00:00.000Z is before 1980-01-01T00:00:00.000Z/);
  const w = new ReplayTimeWindow(LIMITS, undefined);
  assert.match(w.check(bar(0), NOW)!.reason, /FAKEOUT_TIME_FLOOR/);
  assert.is(w.check(bar(FLOOR_1980), NOW), undefined);
});

s('replay: the anchor is the lower median of the first rows at or after the floor', () => {
  assert.is(replayAnchor([5 * DAY + FLOOR_1980, FLOOR_1980 + DAY, FLOOR_1980 + 3 * DAY], LIMITS), FLOOR_1980 + 3 * DAY);
  assert.is(replayAnchor([1, 2, 3, 4].map((d) => FLOOR_1980 + d * DAY), LIMITS), FLOOR_1980 + 2 * DAY);
  assert.is(replayAnchor([0, 0, 0, FLOOR_1980 + DAY], LIMITS), FLOOR_1980 + DAY, 'epoch zeros do not count');
  assert.is(replayAnchor([], LIMITS), undefined);
  // only the first 101 rows count: 101 rows on day 1, then 500 on day 9 -> day 1
  const times = [...Array(REPLAY_ANCHOR_ROWS).fill(FLOOR_1980 + DAY), ...Array(500).fill(FLOOR_1980 + 9 * DAY)];
  assert.is(replayAnchor(times, LIMITS), FLOOR_1980 + DAY);
});

s('replay: a row may start at most max-gap after the latest accepted row, and a refused row moves nothing', () => {
  const A = Date.UTC(2013, 9, 7, 13, 30);
  const w = new ReplayTimeWindow(LIMITS, A);
  assert.is(w.check(tick(A + 31 * DAY), NOW), undefined, 'exactly the gap');
  assert.is(w.reference, A + 31 * DAY);
  const p = w.check(tick(A + 62 * DAY + 1), NOW);
  assert.is(p?.field, 'time');
  assert.match(p!.reason, /FAKEOUT_REPLAY_MAX_GAP_DAYS/);
  assert.is(w.reference, A + 31 * DAY, 'the refused row did not move the reference');
  assert.is(w.check(tick(A + 62 * DAY), NOW), undefined, 'gap measured from the latest accepted row');
  assert.is(w.check(tick(A - 400 * DAY), NOW), undefined, 'an older row is no forward jump (the bar builder decides whether it is late)');
  assert.is(w.reference, A + 62 * DAY, 'and does not move the reference back');
});

s('replay: a weekend and a holiday week are inside the default gap', () => {
  // Friday 2013-12-20 16:00 -> Thursday 2014-01-02 09:30 (an exchange closed for the holidays)
  const w = new ReplayTimeWindow(LIMITS, Date.UTC(2013, 11, 20, 16));
  assert.is(w.check(tick(Date.UTC(2014, 0, 2, 9, 30)), NOW), undefined);
});

s('replay: nothing from the future of the intake clock, whatever the file says', () => {
  const w = new ReplayTimeWindow(LIMITS, NOW - 60 * S);
  assert.is(w.check(bar(NOW), NOW), undefined, 'a 1m bar ending at now + skew');
  assert.match(w.check(bar(NOW + 1), NOW)!.reason, /FAKEOUT_TIME_SKEW_SECONDS/);
});

s('replay: a wild first row cannot become the reference for the rest of the file', () => {
  const A = Date.UTC(2022, 0, 1);
  const rows = [A + 3650 * DAY, ...Array.from({ length: 20 }, (_, i) => A + i * 60 * S)];
  const w = new ReplayTimeWindow(LIMITS, replayAnchor(rows, LIMITS));
  const refused = rows.map((ts) => w.check(tick(ts), A + 4000 * DAY)).map((p) => p !== undefined);
  assert.equal(refused, [true, ...Array(20).fill(false)]);
});

s.run();
