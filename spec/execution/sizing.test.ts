/**
 * sizePosition and the instrument table. Expected quantities are worked by hand in the comments:
 * budget = equity × risk, qty = floor(min(budget / (|entry − stop| + cost), equity × leverage / entry) / step) × step.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { DEFAULT_COST_MODEL, floorToStep, lookupInstrument, requireInstrument, roundTripCostPerUnit, sizePosition, type SizingInput } from '../../actors/execution/index.ts';

const s = suite('sizing');

// maxLeverage 10: high enough that the cap does not bind in the tests of the risk formula
const base: SizingInput = { symbol: 'SPY', direction: 'long', entry: 450, stop: 449.3, equity: 100_000, riskPerTrade: 0.005, maxLeverage: 10 };

s('risks equity × fraction over the entry-to-stop distance, rounded down to whole shares', () => {
  // budget 100 000 × 0.005 = 500; distance 0.70; 500 / 0.7 = 714.28… → 714 shares, risking 714 × 0.7 = 499.8
  const r = sizePosition(base);
  assert.ok(r.ok);
  assert.is(r.qty, 714);
  assert.is(r.riskBudget, 500);
  assert.ok(Math.abs(r.riskPerUnit - 0.7) < 1e-9);
  assert.ok(Math.abs(r.riskAmount - 499.8) < 1e-6);
  assert.ok(r.riskAmount <= r.riskBudget);
});

s('a short crypto position is rounded down to the 0.0001 step', () => {
  // 500 / |47 000 − 47 650| = 500 / 650 = 0.76923… → 0.7692
  const r = sizePosition({ ...base, symbol: 'BTC-PERP', direction: 'short', entry: 47_000, stop: 47_650 });
  assert.ok(r.ok);
  assert.is(r.qty, 0.7692);
});

s('FX is sized in steps of 1000 units, and float dust does not cost a step', () => {
  // 500 / 0.0025 = 200 000; in floats 1.1 − 1.0975 = 0.00250000000000017, so 199.9999999999865 steps: still 200 000, not 199 000
  const r = sizePosition({ ...base, symbol: 'EURUSD', entry: 1.1, stop: 1.0975 });
  assert.ok(r.ok);
  assert.is(r.qty, 200_000);
  // 500 / 0.0026 = 192 307.69 → 192 000
  const r2 = sizePosition({ ...base, symbol: 'EURUSD', entry: 1.1, stop: 1.0974 });
  assert.ok(r2.ok);
  assert.is(r2.qty, 192_000);
  assert.is(floorToStep(0.3, 0.0001), 0.3); // 0.3 / 0.0001 = 2999.9999999999995 in floats
});

s('a quantity already on its step stays there, however large (the paper broker checks exactly that)', () => {
  // the five BTC quantities the bench's sizing made and the broker refused: each has four decimals,
  // so each is a whole number of 0.0001 steps (19,365,774 of them for the first)
  for (const x of [1936.5774, 2026.1127, 2054.8781, 2202.6141, 2465.9253]) assert.is(floorToStep(x, 0.0001), x);
  // every step count from 10^7 to 10^7 + 20,000 (1000.0000 … 1002.0000), built from its digits
  for (let n = 10_000_000; n <= 10_020_000; n++) {
    const x = Number(`${Math.floor(n / 10_000)}.${String(n % 10_000).padStart(4, '0')}`);
    if (floorToStep(x, 0.0001) !== x) assert.unreachable(`${x} floored to ${floorToStep(x, 0.0001)}`);
  }
  // and still down, not to nearest: 1936.57739 is 0.9 of a step short of 1936.5774
  assert.is(floorToStep(1936.57739, 0.0001), 1936.5773);
  assert.is(floorToStep(2465.92539999, 0.0001), 2465.9253);
});

s('refuses below the per-symbol minimum and accepts exactly at it', () => {
  // equity 1000: budget 5. SPY distance 5 → 1 share (= min 1); distance 6 → 0.83 → 0 shares
  const at = sizePosition({ ...base, equity: 1000, entry: 100, stop: 95 });
  assert.ok(at.ok);
  assert.is(at.qty, 1);
  const below = sizePosition({ ...base, equity: 1000, entry: 100, stop: 94 });
  assert.equal(below.ok ? 'sized' : below.reason, 'below_minimum');
  // EURUSD budget 5: distance 0.005 → 1000 units (= min); 0.0051 → 980.39 → 0
  const fxAt = sizePosition({ ...base, symbol: 'EURUSD', equity: 1000, entry: 1.1, stop: 1.095 });
  assert.ok(fxAt.ok);
  assert.is(fxAt.qty, 1000);
  const fxBelow = sizePosition({ ...base, symbol: 'EURUSD', equity: 1000, entry: 1.1, stop: 1.0949 });
  assert.equal(fxBelow.ok ? 'sized' : fxBelow.reason, 'below_minimum');
});

s('degenerate prices are refused with a reason, not a throw', () => {
  const reason = (over: Partial<SizingInput>): string => {
    const r = sizePosition({ ...base, ...over });
    return r.ok ? 'sized' : r.reason;
  };
  assert.is(reason({ stop: 450 }), 'degenerate_prices'); // zero distance
  assert.is(reason({ stop: 451 }), 'degenerate_prices'); // long with the stop above the entry
  assert.is(reason({ direction: 'short', stop: 449 }), 'degenerate_prices'); // short with the stop below
  assert.is(reason({ entry: Number.NaN }), 'degenerate_prices');
  assert.is(reason({ stop: -1 }), 'degenerate_prices');
  assert.is(reason({ equity: 0 }), 'no_risk_budget');
  assert.is(reason({ riskPerTrade: -0.01 }), 'no_risk_budget');
});

s('an unknown symbol is refused; the lookup says unknown and requireInstrument names it', () => {
  const r = sizePosition({ ...base, symbol: 'AAPL' });
  assert.equal(r.ok ? 'sized' : r.reason, 'unknown_symbol');
  assert.is(lookupInstrument('AAPL'), undefined);
  assert.is(lookupInstrument('toString'), undefined); // not fooled by Object.prototype
  assert.equal(lookupInstrument('BTC/USDT'), { symbol: 'BTC/USDT', venue: 'crypto', qtyStep: 0.0001, minQty: 0.0001 });
  try {
    requireInstrument('AAPL');
    assert.unreachable('accepted');
  } catch (err) {
    if (!isFakeoutError(err, 'FAKEOUT_ERR_EXEC_UNKNOWN_SYMBOL')) throw err;
    assert.is(err.info.field, 'symbol');
    assert.match(err.message, /AAPL/);
  }
});

s('counts the round-trip costs as risk: a 6 bps crypto stop with 11 bps a side is sized on 28 bps', () => {
  // BTC-PERP short 38 569, stop 38 593.08 (distance 24.08). Crypto defaults: spread 2 bps (half: 1), fee 10 bps:
  // cost per unit = 2 × 38 569 × 11 / 10⁴ = 84.8518; risk per unit 24.08 + 84.8518 = 108.9318; 500 / 108.9318 = 4.5900… → 4.5900
  const cost = roundTripCostPerUnit(DEFAULT_COST_MODEL, 'crypto', 38_569);
  assert.ok(Math.abs(cost - 84.8518) < 1e-9, `cost ${cost}`);
  const r = sizePosition({ ...base, symbol: 'BTC-PERP', direction: 'short', entry: 38_569, stop: 38_593.08, costPerUnit: cost });
  assert.ok(r.ok);
  assert.is(r.qty, 4.59);
  assert.is(r.leverageCapped, false);
  // without the costs it would be 500 / 24.08 = 20.7641: 801 000 of notional whose fees alone are 1 602, 3.2 × the risk
  const naive = sizePosition({ ...base, symbol: 'BTC-PERP', direction: 'short', entry: 38_569, stop: 38_593.08 });
  assert.ok(naive.ok);
  assert.is(naive.qty, 20.7641);
});

s('equity cost per share counts both legs: 2 × (0.5 bps of 100 + 0.005) = 0.02', () => {
  const cost = roundTripCostPerUnit(DEFAULT_COST_MODEL, 'equity', 100);
  assert.ok(Math.abs(cost - 0.02) < 1e-12, `cost ${cost}`);
  // 500 / (1 + 0.02) = 490.19… → 490 shares
  const r = sizePosition({ ...base, entry: 100, stop: 99, costPerUnit: cost });
  assert.ok(r.ok);
  assert.is(r.qty, 490);
});

s('the leverage cap binds on tight stops: at most equity × maxLeverage of notional, and it says so', () => {
  // SPY 450, stop 449.3: the budget gives 714 shares = 321 300 of notional; cap 2 × 100 000 / 450 = 444.4 → 444
  const r = sizePosition({ ...base, maxLeverage: 2 });
  assert.ok(r.ok);
  assert.is(r.qty, 444);
  assert.is(r.leverageCapped, true);
  assert.ok(r.riskAmount < r.riskBudget);
  // at 4 the budget binds again: 714 × 450 = 321 300 < 400 000
  const free = sizePosition({ ...base, maxLeverage: 4 });
  assert.ok(free.ok && free.qty === 714 && !free.leverageCapped);
  // a cap below one share is refused, naming the cap
  const tiny = sizePosition({ ...base, equity: 100, maxLeverage: 1 });
  assert.ok(!tiny.ok);
  assert.is(tiny.reason, 'below_minimum');
  assert.match(tiny.detail, /leverage cap/);
});

s.run();
