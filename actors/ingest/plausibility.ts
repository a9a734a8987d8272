/**
 * The plausibility window for event times: which `time` values intake accepts at all.
 *
 * Why: the bar builder trusts event time. One bar from the far future becomes a symbol's open
 * bucket, and every real event after it is then late for good; epoch 0 (a blank field read as a
 * number) opens a 1970 bar. Such events are refused at intake (webhook 400 naming `time`, replay
 * bad row), so they never reach RAW and never become a bar. Everything here is pure: "now" is
 * passed in by the caller (the intake's injected clock).
 *
 * - live (webhook): the event must have happened. A bar's end (`time` is its open, TradingView's
 *   `{{time}}`) and a tick's time may be at most `skewMs` after now; the start may be at most
 *   `maxAgeMs` before now (a retry queue, a sender catching up after an outage).
 * - replay: files are history, so there is no age limit. The window follows the file itself: a
 *   row may start at most `maxGapMs` after the latest row accepted so far (weekends and holidays
 *   are gaps of days; a year typo is not). The first reference is the median of the file's first
 *   rows, so one wild first row cannot become the reference for the rest. A replayed event may
 *   not be in the future of the intake's clock either (`skewMs`): market data from the future
 *   would block the live symbol's bars.
 * - both: nothing before `floorMs` (default 1980-01-01).
 */
import type { Config } from '../domain/config.ts';
import { TIMEFRAME_MS, type MarketEvent } from '../domain/messages.ts';

/** The limits of the window; see the module comment. All in milliseconds. */
export interface TimeLimits {
  /** an event (a bar: its whole span) may end at most this long after now */
  skewMs: number;
  /** live only: an event may start at most this long before now */
  maxAgeMs: number;
  /** replay only: a row may start at most this long after the latest accepted row of its file */
  maxGapMs: number;
  /** no event may start before this instant (epoch ms) */
  floorMs: number;
}

const SECOND = 1000;
const DAY = 86_400_000;

/** The limits a configuration sets (FAKEOUT_TIME_SKEW_SECONDS, FAKEOUT_WEBHOOK_MAX_AGE_DAYS, FAKEOUT_REPLAY_MAX_GAP_DAYS, FAKEOUT_TIME_FLOOR). */
export function timeLimitsFromConfig(c: Pick<Config, 'timeSkewSeconds' | 'webhookMaxAgeDays' | 'replayMaxGapDays' | 'timeFloor'>): TimeLimits {
  return Object.freeze({
    skewMs: c.timeSkewSeconds * SECOND,
    maxAgeMs: c.webhookMaxAgeDays * DAY,
    maxGapMs: c.replayMaxGapDays * DAY,
    floorMs: Date.parse(`${c.timeFloor}T00:00:00Z`),
  });
}

/**
 * Why an event time was refused; `field` is always the input field that carries it. `bound` says
 * which limit: `floor` (not a real event time), `skew` (after now + the skew), `age` (before
 * now − the max age), `gap` (a replay row too far after its file's reference). `skew` and `age`
 * are the ones measured against now: the webhook's FAKEOUT_WEBHOOK_SKEW_ACTION applies to them.
 */
export interface TimeProblem {
  field: 'time' | 'timenow';
  bound: 'floor' | 'skew' | 'age' | 'gap';
  reason: string;
}

/** When the event is over: a bar's close (open + its timeframe), a tick's own time. */
export function eventEnd(event: MarketEvent): number {
  return event.kind === 'bar' ? event.ts + TIMEFRAME_MS[event.timeframe] : event.ts;
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

function duration(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} d`;
  return ms % SECOND === 0 ? `${ms / SECOND} s` : `${ms} ms`;
}

function what(event: MarketEvent): string {
  return event.kind === 'bar' ? `the ${event.timeframe} bar ${iso(event.ts)}–${iso(eventEnd(event))}` : `the tick at ${iso(event.ts)}`;
}

function problem(bound: TimeProblem['bound'], reason: string): TimeProblem {
  return { field: 'time', bound, reason };
}

/** The checks both windows share: the absolute floor and "not after now + skew". */
function absoluteProblem(event: MarketEvent, now: number, limits: TimeLimits): TimeProblem | undefined {
  if (event.ts < limits.floorMs) {
    return problem('floor', `${iso(event.ts)} is before ${iso(limits.floorMs)} (FAKEOUT_TIME_FLOOR): not a real event time`);
  }
  const end = eventEnd(event);
  if (end > now + limits.skewMs) {
    const ends = event.kind === 'bar' ? 'ends' : 'is';
    return problem('skew', `${what(event)} ${ends} after now (${iso(now)}) + ${duration(limits.skewMs)} of clock skew (FAKEOUT_TIME_SKEW_SECONDS)${event.kind === 'bar' ? ': send bar alerts once the bar has closed' : ''}`);
  }
  return undefined;
}

/**
 * The live (webhook) window: `floorMs <= ts`, `now - maxAgeMs <= ts`, `eventEnd <= now + skewMs`.
 * Each bound is inclusive.
 */
export function liveTimeProblem(event: MarketEvent, now: number, limits: TimeLimits): TimeProblem | undefined {
  const abs = absoluteProblem(event, now, limits);
  if (abs) return abs;
  if (event.ts < now - limits.maxAgeMs) {
    return problem('age', `${iso(event.ts)} is more than ${duration(limits.maxAgeMs)} before now (${iso(now)}) (FAKEOUT_WEBHOOK_MAX_AGE_DAYS); replay old data from a file instead`);
  }
  return undefined;
}

/**
 * The fire time of an alert (TradingView's `{{timenow}}`) against now: it is the sender's clock
 * reading when the alert fired, so it must be within `skewMs` of now either way (bounds
 * inclusive). Further ahead, the sender's clock (or ours) is wrong; further behind, the alert sat
 * in a queue (or our clock is wrong). Either way the alert's time cannot be taken at face value.
 */
export function fireTimeProblem(timenow: number, now: number, limits: Pick<TimeLimits, 'skewMs'>): TimeProblem | undefined {
  const delta = timenow - now;
  if (Math.abs(delta) <= limits.skewMs) return undefined;
  const side = delta > 0 ? 'ahead of' : 'behind';
  return {
    field: 'timenow',
    bound: 'skew',
    reason: `the alert fired at ${iso(timenow)}, ${duration(Math.abs(delta))} ${side} now (${iso(now)}): more than ${duration(limits.skewMs)} of clock skew (FAKEOUT_TIME_SKEW_SECONDS)`,
  };
}

/** How many leading rows of a file set its first reference time. */
export const REPLAY_ANCHOR_ROWS = 101;

/**
 * The first reference time of a file: the median start of its first {@link REPLAY_ANCHOR_ROWS}
 * events at or after the floor (undefined for a file without any). A median, so that a wild
 * value among the first rows does not decide the window for the rest of the file.
 */
export function replayAnchor(times: Iterable<number>, limits: Pick<TimeLimits, 'floorMs'>): number | undefined {
  const first: number[] = [];
  for (const ts of times) {
    if (ts >= limits.floorMs) first.push(ts);
    if (first.length >= REPLAY_ANCHOR_ROWS) break;
  }
  if (first.length === 0) return undefined;
  first.sort((a, b) => a - b);
  return first[(first.length - 1) >> 1]!;
}

/**
 * The replay window of one file. Feed every row in file order (also rows already published
 * before a restart, so the reference is the same as in an uninterrupted run).
 *
 * POLICY: the reference only moves forward, and only on an accepted row, so a refused row
 * never widens the window for the rows after it.
 */
export class ReplayTimeWindow {
  private latest: number | undefined;

  constructor(
    private readonly limits: TimeLimits,
    anchor: number | undefined,
  ) {
    this.latest = anchor;
  }

  /** The reference the next row is measured against (the latest accepted start, or the anchor). */
  get reference(): number | undefined {
    return this.latest;
  }

  /** Checks one row; an accepted row may move the reference forward. */
  check(event: MarketEvent, now: number): TimeProblem | undefined {
    const abs = absoluteProblem(event, now, this.limits);
    if (abs) return abs;
    if (this.latest !== undefined && event.ts > this.latest + this.limits.maxGapMs) {
      return problem('gap', `${iso(event.ts)} is more than ${duration(this.limits.maxGapMs)} after the file's latest accepted time ${iso(this.latest)} (FAKEOUT_REPLAY_MAX_GAP_DAYS)`);
    }
    if (this.latest === undefined || event.ts > this.latest) this.latest = event.ts;
    return undefined;
  }
}
