/**
 * The breaker's trip conditions (actors/risk/breaker-conditions.ts): each on both sides of its
 * threshold, with the figures worked out by hand in the comments.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../actors/domain/config.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import {
  DEFAULT_BREAKER_THRESHOLDS,
  breakerThresholdsFromConfig,
  checkBreakerThresholds,
  emptyWindows,
  gateThresholdsFromConfig,
  monitorTrip,
  observationProblem,
  observe,
  windowsAfterReset,
  type BreakerThresholds,
  type BreakerWindows,
  type Observation,
  type OrderOutcome,
  type Trip,
} from '../../actors/risk/index.ts';

const s = suite('breaker conditions');

const T: BreakerThresholds = { ...DEFAULT_BREAKER_THRESHOLDS };
const DAY = 86_400_000;
const JAN2 = Date.UTC(2024, 0, 2);
const HOUR = 3_600_000;

/** Folds observations in order; returns the final windows and the trips of each step. */
function run(obs: Observation[], t: BreakerThresholds = T, start: BreakerWindows = emptyWindows()) {
  let w = start;
  const steps: Trip[][] = [];
  for (const o of obs) {
    assert.is(observationProblem(o), undefined, JSON.stringify(o));
    const r = observe(w, o, t);
    w = r.windows;
    steps.push(r.trips);
  }
  return { windows: w, steps, last: steps[steps.length - 1] ?? [] };
}

const fills = (realised: number[], modelled = 10): Observation[] =>
  realised.map((r, i) => ({ type: 'FILL', id: `f${i}`, at: JAN2 + i, realisedBps: r, modelledBps: modelled }));
const trades = (pnls: number[], equity = 10_000): Observation[] =>
  pnls.map((pnl, i) => ({ type: 'TRADE_CLOSED', id: `t${i}`, at: JAN2 + i, pnl, equity }));
const orders = (results: OrderOutcome[]): Observation[] =>
  results.map((result, i) => ({ type: 'ORDER_RESULT', id: `o${i}`, at: JAN2 + i, result }));
const equity = (at: number, e: number): Observation => ({ type: 'EQUITY', at, equity: e });
const repeat = <X>(x: X, n: number): X[] => Array.from({ length: n }, () => x);

s('slippage ratio 1.51 over 20 fills trips, with the sums that tripped it', () => {
  // 18 × 15 + 2 × 16 = 302 realised bps against 20 × 10 = 200 modelled: 302 / 200 = 1.51 > 1.5
  const { last } = run(fills([...repeat(15, 18), 16, 16]));
  assert.equal(last, [
    {
      condition: 'slippage',
      reason: 'realised/modelled slippage 1.5100 > 1.5 over the last 20 fills',
      figures: { ratio: 1.51, realisedBps: 302, modelledBps: 200, fills: 20, threshold: 1.5 },
    },
  ]);
});

s('slippage ratio 1.49 does not trip, and exactly 1.5 does not either (the rule is > 1.5)', () => {
  // 18 × 15 + 2 × 14 = 298 → 298 / 200 = 1.49
  const under = run(fills([...repeat(15, 18), 14, 14]));
  assert.equal(under.steps.flat(), []);
  // 20 × 15 = 300 → 300 / 200 = 1.5 exactly
  const at = run(fills(repeat(15, 20)));
  assert.equal(at.steps.flat(), []);
});

s('slippage is judged only on a full window, and the oldest fill leaves it', () => {
  // 19 fills at 10× the model: not judged yet; the 20th makes the window full and trips.
  const r = run(fills(repeat(100, 20)));
  assert.equal(r.steps.slice(0, 19).flat(), []);
  assert.is(r.last[0]?.figures.ratio, 10);
  // window 2: (40 + 10) / 20 = 2.5 trips; then (10 + 10) / 20 = 1: the 40 has left the window
  const t2 = { ...T, slippageWindow: 2 };
  const rolled = run(fills([40, 10, 10]), t2);
  assert.equal(rolled.steps[1]?.[0]?.figures.ratio, 2.5);
  assert.equal(rolled.steps[2], []);
  assert.equal(rolled.windows.fills, [
    { realisedBps: 10, modelledBps: 10 },
    { realisedBps: 10, modelledBps: 10 },
  ]);
});

s('price improvement (negative realised bps) lowers the ratio', () => {
  // window 2: (−5 + 25) / 20 = 1 → no trip, though one fill alone was 2.5×
  assert.equal(run(fills([-5, 25]), { ...T, slippageWindow: 2 }).steps.flat(), []);
});

s('K−1 losing trades in a row do not trip, the K-th does', () => {
  const four = run(trades([-10, -20, -30, -40]));
  assert.equal(four.steps.flat(), []);
  assert.is(four.windows.lossStreak, 4);
  const five = run(trades([-10, -20, -30, -40, -50]));
  // −10 − 20 − 30 − 40 − 50 = −150
  assert.equal(five.last, [
    { condition: 'losses', reason: '5 losing trades in a row (limit 5)', figures: { consecutiveLosses: 5, streakPnl: -150, limit: 5 } },
  ]);
});

s('a winning or breakeven trade ends the losing streak', () => {
  assert.equal(run(trades([-1, -1, -1, -1, 0, -1, -1, -1, -1])).steps.flat(), []);
  assert.equal(run(trades([-1, -1, -1, -1, 5, -1, -1, -1, -1])).steps.flat(), []);
});

s('daily drawdown just over the limit trips, just under and exactly at it does not', () => {
  const open = equity(JAN2 + HOUR, 10_000);
  // (10000 − 9701) × 100 / 10000 = 2.99 %
  assert.equal(run([open, equity(JAN2 + 2 * HOUR, 9_701)]).steps.flat(), []);
  // (10000 − 9700) × 100 / 10000 = 3 % exactly: not > 3
  assert.equal(run([open, equity(JAN2 + 2 * HOUR, 9_700)]).steps.flat(), []);
  // (10000 − 9699) × 100 / 10000 = 3.01 %
  const over = run([open, equity(JAN2 + 2 * HOUR, 9_699)]);
  assert.equal(over.last, [
    {
      condition: 'drawdown',
      reason: "daily drawdown 3.01 % > 3 % of the UTC day's starting equity 10000",
      figures: { drawdownPct: 3.01, dayStartEquity: 10_000, equity: 9_699, limitPct: 3, day: JAN2 },
    },
  ]);
});

s('a closed trade reports equity too, so a loss can trip losses and drawdown at once', () => {
  // 5 losses, equity 10000 → 9600: (10000 − 9600) × 100 / 10000 = 4 % > 3
  const r = run([equity(JAN2, 10_000), ...trades([-80, -80, -80, -80, -80], 9_600)]);
  assert.equal(r.last.map((t) => t.condition), ['losses', 'drawdown']);
  assert.is(r.last[1]?.figures.drawdownPct, 4);
});

s("a new UTC day starts from the last equity before midnight, not from the previous day's start", () => {
  const r = run([
    equity(JAN2 + HOUR, 10_000),
    equity(JAN2 + 23 * HOUR, 9_800), // 2 % down on Jan 2
    equity(JAN2 + DAY + HOUR / 2, 9_600), // Jan 3 starts at 9800: 200 × 100 / 9800 = 2.04 %, not 4 %
  ]);
  assert.equal(r.steps.flat(), []);
  assert.equal(r.windows.equity, { day: JAN2 + DAY, dayStartEquity: 9_800, lastEquity: 9_600 });
  // 9800 − 9500 = 300 → 300 × 100 / 9800 = 3.0612… % > 3
  const next = observe(r.windows, equity(JAN2 + DAY + HOUR, 9_500), T);
  assert.is(next.trips[0]?.figures.dayStartEquity, 9_800);
  assert.ok(Math.abs(next.trips[0]!.figures.drawdownPct! - 30000 / 9800) < 1e-12);
  // a late report from Jan 2 changes nothing on Jan 3
  const late = observe(r.windows, equity(JAN2 + 2 * HOUR, 1), T);
  assert.equal(late, { windows: r.windows, trips: [] });
});

s('order error rate just over the limit trips, just under does not', () => {
  const t = { ...T, errorRate: 0.22 };
  // 4 / 20 = 0.2 < 0.22
  assert.equal(run(orders([...repeat<OrderOutcome>('ok', 16), 'error', 'error', 'rejected', 'error']), t).steps.flat(), []);
  // 3 errors + 2 rejected = 5 / 20 = 0.25 > 0.22
  const over = run(orders([...repeat<OrderOutcome>('ok', 15), 'error', 'rejected', 'error', 'rejected', 'error']), t);
  assert.equal(over.last, [
    {
      condition: 'orderErrors',
      reason: 'order error/rejection rate 0.2500 > 0.22 over the last 20 orders',
      figures: { rate: 0.25, errors: 3, rejected: 2, orders: 20, threshold: 0.22 },
    },
  ]);
});

s('an error rate exactly at the default 0.2 does not trip; the rate waits for a full window', () => {
  assert.equal(run(orders([...repeat<OrderOutcome>('ok', 16), ...repeat<OrderOutcome>('error', 4)])).steps.flat(), []);
  assert.equal(run(orders(repeat<OrderOutcome>('error', 19))).steps.flat(), []);
  assert.is(run(orders(repeat<OrderOutcome>('error', 20))).last[0]?.figures.rate, 1);
});

s('a repeated id is folded in once', () => {
  const once = run(trades([-1, -1, -1, -1]));
  const again = observe(once.windows, trades([-1, -1, -1, -1])[3]!, T);
  assert.equal(again, { windows: once.windows, trips: [] });
  assert.is(again.windows.lossStreak, 4);
});

s('a reset empties the fill, loss and order windows but keeps the UTC day and the seen ids', () => {
  const r = run([equity(JAN2, 10_000), ...fills([1, 2]), ...trades([-1], 9_900), ...orders(['error'])]);
  const after = windowsAfterReset(r.windows);
  assert.equal(after, { fills: [], lossStreak: 0, streakPnl: 0, orders: [], equity: r.windows.equity, recentIds: ['f0', 'f1', 't0', 'o0'] });
  // the day still starts at 10000, so falling to 9600 (4 %) the same day trips again
  assert.is(observe(after, equity(JAN2 + HOUR, 9_600), T).trips[0]?.condition, 'drawdown');
});

s('the windows are plain JSON: a JSON round trip judges the same', () => {
  const r = run(fills(repeat(15, 19)));
  const copy = JSON.parse(JSON.stringify(r.windows)) as BreakerWindows;
  assert.equal(copy, r.windows);
  const next = fills([...repeat(15, 19), 16])[19]!;
  // 19 × 15 + 16 = 301 / 200 = 1.505 > 1.5
  assert.equal(observe(copy, next, T), observe(r.windows, next, T));
  assert.is(observe(copy, next, T).trips[0]?.figures.realisedBps, 301);
});

s('a bad observation is named by its field', () => {
  const cases: [Observation, string][] = [
    [{ type: 'FILL', id: 'f', at: JAN2, realisedBps: 1, modelledBps: 0 }, 'FILL.modelledBps: expected a positive number, got 0'],
    [{ type: 'FILL', id: 'f', at: JAN2, realisedBps: Number.NaN, modelledBps: 1 }, 'FILL.realisedBps: expected a finite number, got NaN'],
    [{ type: 'FILL', id: '', at: JAN2, realisedBps: 1, modelledBps: 1 }, 'FILL.id: expected a non-empty string, got ""'],
    [{ type: 'EQUITY', at: -1, equity: 1 }, 'EQUITY.at: expected epoch milliseconds (a non-negative integer), got -1'],
    [{ type: 'EQUITY', at: JAN2, equity: 0 }, 'EQUITY.equity: expected a positive number, got 0'],
    [{ type: 'TRADE_CLOSED', id: 't', at: JAN2, pnl: Infinity, equity: 1 }, 'TRADE_CLOSED.pnl: expected a finite number, got Infinity'],
    [{ type: 'ORDER_RESULT', id: 'o', at: JAN2, result: 'maybe' as OrderOutcome }, 'ORDER_RESULT.result: expected ok, error or rejected, got "maybe"'],
  ];
  for (const [o, message] of cases) assert.is(observationProblem(o), message);
});

s("a monitor's trip carries its reason and figures; a malformed one still trips, saying why", () => {
  assert.equal(monitorTrip('clock drift 900 ms', { driftMs: 900 }), {
    condition: 'monitor',
    reason: 'clock drift 900 ms',
    figures: { driftMs: 900 },
  });
  assert.equal(monitorTrip('stale data', { ageMs: Number.NaN }), {
    condition: 'monitor',
    reason: 'malformed monitor trip (TRIP.figures.ageMs: expected a finite number, got NaN)',
    figures: {},
  });
  assert.is(monitorTrip('', {}).reason, 'malformed monitor trip (TRIP.reason: expected a non-empty string, got "")');
});

s('the machine thresholds from an empty environment are the documented defaults', () => {
  assert.equal(DEFAULT_BREAKER_THRESHOLDS, {
    slippageRatio: 1.5,
    slippageWindow: 20,
    maxLosses: 5,
    dailyDrawdownPct: 3,
    errorRate: 0.2,
    errorWindow: 20,
    cooldownMs: 900_000,
  });
  assert.equal(breakerThresholdsFromConfig(loadConfig({})), DEFAULT_BREAKER_THRESHOLDS);
  assert.equal(gateThresholdsFromConfig(loadConfig({})), { gatedTrades: 10, regateTrades: 3 });
  assert.is(breakerThresholdsFromConfig(loadConfig({ FAKEOUT_BREAKER_COOLDOWN: '60' })).cooldownMs, 60_000);
});

s('a bad machine threshold is refused naming the field', () => {
  for (const [given, field] of [
    [{ slippageWindow: 0 }, 'breaker.slippageWindow'],
    [{ errorRate: 1 }, 'breaker.errorRate'],
    [{ cooldownMs: -1 }, 'breaker.cooldownMs'],
    [{ slippageRatio: Number.NaN }, 'breaker.slippageRatio'],
  ] as [Partial<BreakerThresholds>, string][]) {
    try {
      checkBreakerThresholds(given);
      assert.unreachable(`${field} accepted`);
    } catch (err) {
      if (!isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID')) throw err;
      assert.is(err.info.field, field);
      assert.ok(err.message.startsWith(`${field}: `), err.message);
    }
  }
});

s.run();
