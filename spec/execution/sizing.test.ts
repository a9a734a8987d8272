/**
 * sizePosition and the instrument table. Expected quantities are worked by hand in the comments:
 * budget = equity × risk, qty = floor(budget / |entry − stop| / step) × step.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { floorToStep, lookupInstrument, requireInstrument, sizePosition, type SizingInput } from '../../actors/execution/index.ts';

const s = suite('sizing');

const base: SizingInput = { symbol: 'SPY', direction: 'long', entry: 450, stop: 449.3, equity: 100_000, riskPerTrade: 0.005 };

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

s.run();
