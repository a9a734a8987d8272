/**
 * The mandatory cost model. Expected prices are worked by hand in the comments from
 * slippageBps = (spread/2 + k·σ·sqrt(qty/volume)·10⁴) × m + noise and fees per venue;
 * the noise uniform is recomputed here from node:crypto's sha256 of the order id.
 */
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../actors/domain/config.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import {
  type CostModelParams,
  costModelFromConfig,
  DEFAULT_COST_MODEL,
  type FillQuoteInput,
  quoteMarketFill,
  realisedSlippageBps,
  sideFor,
  validateCostModel,
} from '../../actors/execution/index.ts';

const s = suite('cost model');
const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `${a} ≈ ${b}`);

/** Defaults with the noise off, so the deterministic terms can be checked alone. */
const quiet: CostModelParams = { ...DEFAULT_COST_MODEL, noiseBps: 0 };

// BTC-PERP: price 40 000, ATR 80 → σ = 0.002; 0.25 BTC into a 100 BTC bar → participation 0.0025, sqrt 0.05
const btc: FillQuoteInput = { orderId: 'sig-1:entry', side: 'buy', qty: 0.25, venue: 'crypto', basePrice: 40_000, barVolume: 100, sigma: 0.002, lowLiquidity: false };

s('a buy pays half the spread plus square-root impact, above the next open', () => {
  // half spread 2/2 = 1 bps; impact 0.5 × 0.002 × 0.05 × 10⁴ = 0.5 bps; total 1.5 bps
  // price 40 000 × 1.00015 = 40 006; notional 40 006 × 0.25 = 10 001.5; fee 10 bps = 10.0015
  const q = quoteMarketFill(quiet, btc);
  close(q.slippage.halfSpreadBps, 1);
  close(q.slippage.impactBps, 0.5);
  assert.is(q.slippage.liquidityMultiplier, 1);
  assert.is(q.slippage.noiseBps, 0);
  close(q.slippage.totalBps, 1.5);
  close(q.price, 40_006);
  close(q.notional, 10_001.5);
  close(q.fees, 10.0015);
});

s('a sell is moved down by the same amount', () => {
  const q = quoteMarketFill(quiet, { ...btc, side: 'sell' });
  close(q.price, 39_994); // 40 000 × (1 − 0.00015)
});

s('low liquidity multiplies spread and impact', () => {
  // (1 + 0.5) × 2 = 3 bps → 40 000 × 1.0003 = 40 012; fee 10 bps of 10 003 = 10.003
  const q = quoteMarketFill(quiet, { ...btc, lowLiquidity: true });
  assert.is(q.slippage.liquidityMultiplier, 2);
  close(q.slippage.totalBps, 3);
  close(q.price, 40_012);
  close(q.fees, 10.003);
});

s('impact grows with the square root of participation and caps at the whole bar', () => {
  // 4× the quantity: sqrt(0.01) = 0.1 → impact 1 bps (twice 0.5)
  close(quoteMarketFill(quiet, { ...btc, qty: 1 }).slippage.impactBps, 1);
  // more than the bar, or a bar with no volume: participation 1 → 0.5 × 0.002 × 1 × 10⁴ = 10 bps
  close(quoteMarketFill(quiet, { ...btc, qty: 500 }).slippage.impactBps, 10);
  close(quoteMarketFill(quiet, { ...btc, barVolume: 0 }).slippage.impactBps, 10);
});

s('equity fees are per share with a minimum; FX fees are bps of notional with a minimum', () => {
  const spy: FillQuoteInput = { orderId: 'spy', side: 'buy', qty: 100, venue: 'equity', basePrice: 450, barVolume: 1e9, sigma: 0, lowLiquidity: false };
  close(quoteMarketFill(quiet, spy).fees, 1); // 100 × 0.005 = 0.5 → minimum 1
  close(quoteMarketFill(quiet, { ...spy, qty: 1000 }).fees, 5); // 1000 × 0.005
  // EURUSD 100 000 units, σ 0.0001, no volume → impact 0.5 × 0.0001 × 10⁴ = 0.5 bps; half spread 0.5; total 1 bps
  // price 1.1 × 1.0001 = 1.10011; notional 110 011; fee 0.2 bps = 2.200 22 (over the minimum of 2)
  const fx = quoteMarketFill(quiet, { orderId: 'fx', side: 'buy', qty: 100_000, venue: 'fx', basePrice: 1.1, barVolume: 0, sigma: 0.0001, lowLiquidity: false });
  close(fx.price, 1.10011);
  close(fx.fees, 2.20022);
  // 10 000 units: 0.2 bps of 11 001 = 0.22 → minimum 2
  close(quoteMarketFill(quiet, { orderId: 'fx', side: 'buy', qty: 10_000, venue: 'fx', basePrice: 1.1, barVolume: 0, sigma: 0.0001, lowLiquidity: false }).fees, 2);
});

s('noise is seeded by the order id: same id same fill, another id other noise, never negative', () => {
  const u = (id: string): number => Number.parseInt(createHash('sha256').update(id).digest('hex').slice(0, 8), 16) / 2 ** 32;
  const a = quoteMarketFill(DEFAULT_COST_MODEL, btc);
  const again = quoteMarketFill(DEFAULT_COST_MODEL, { ...btc });
  assert.equal(again, a);
  close(a.slippage.noiseBps, 0.5 * u('sig-1:entry'));
  close(a.slippage.totalBps, 1.5 + 0.5 * u('sig-1:entry'));
  const b = quoteMarketFill(DEFAULT_COST_MODEL, { ...btc, orderId: 'sig-2:entry' });
  assert.not.equal(b.slippage.noiseBps, a.slippage.noiseBps);
  close(b.slippage.noiseBps, 0.5 * u('sig-2:entry'));
  for (let i = 0; i < 200; i++) {
    const n = quoteMarketFill(DEFAULT_COST_MODEL, { ...btc, orderId: `o${i}` }).slippage.noiseBps;
    assert.ok(n >= 0 && n < 0.5, `noise ${n}`);
  }
});

s('realised slippage is signed so that adverse is positive', () => {
  close(realisedSlippageBps('buy', 100, 100.05), 5);
  close(realisedSlippageBps('buy', 100, 99.95), -5); // bought cheaper than decided: favourable
  close(realisedSlippageBps('sell', 100, 99.95), 5);
  assert.is(sideFor('long', 'entry'), 'buy');
  assert.is(sideFor('long', 'exit'), 'sell');
  assert.is(sideFor('short', 'entry'), 'sell');
  assert.is(sideFor('short', 'exit'), 'buy');
});

function refusedNaming(params: CostModelParams, field: string): void {
  try {
    validateCostModel(params);
  } catch (err) {
    if (!isFakeoutError(err, 'FAKEOUT_ERR_EXEC_COST_MODEL_INVALID')) throw err;
    assert.is(err.info.field, field);
    assert.ok(err.message.startsWith(`${field}: `), err.message);
    return;
  }
  assert.unreachable(`${field}: accepted`);
}

s('a venue whose costs add up to zero is refused naming its spread variable', () => {
  const d = DEFAULT_COST_MODEL.venues;
  refusedNaming({ ...quiet, venues: { ...d, crypto: { spreadBps: 0, feeBps: 0, feePerUnit: 0, feeMin: 0 } } }, 'FAKEOUT_SPREAD_BPS_CRYPTO');
  refusedNaming({ ...quiet, venues: { ...d, equity: { spreadBps: 0, feeBps: 0, feePerUnit: 0, feeMin: 0 } } }, 'FAKEOUT_SPREAD_BPS_EQUITY');
  // one cost left is enough
  validateCostModel({ ...quiet, venues: { ...d, crypto: { spreadBps: 0, feeBps: 1, feePerUnit: 0, feeMin: 0 } } });
});

s('negative costs, zero impact and a multiplier below 1 are refused naming the parameter', () => {
  const d = DEFAULT_COST_MODEL.venues;
  refusedNaming({ ...quiet, venues: { ...d, crypto: { ...d.crypto, feeBps: -20, spreadBps: 30 } } }, 'FAKEOUT_FEE_BPS_CRYPTO');
  refusedNaming({ ...quiet, venues: { ...d, fx: { ...d.fx, spreadBps: -1 } } }, 'FAKEOUT_SPREAD_BPS_FX');
  refusedNaming({ ...quiet, venues: { ...d, fx: { ...d.fx, feeMin: -2 } } }, 'venues.fx.feeMin');
  refusedNaming({ ...quiet, impactK: 0 }, 'FAKEOUT_IMPACT_K');
  refusedNaming({ ...quiet, impactK: -0.5 }, 'FAKEOUT_IMPACT_K');
  refusedNaming({ ...quiet, lowLiquidityMultiplier: 0.9 }, 'FAKEOUT_LOW_LIQ_MULTIPLIER');
  refusedNaming({ ...quiet, noiseBps: -1 }, 'FAKEOUT_NOISE_BPS');
  refusedNaming({ ...quiet, noiseBps: Number.NaN }, 'FAKEOUT_NOISE_BPS');
});

s('loadConfig refuses a free venue at start, naming the variable; the defaults are the documented model', () => {
  try {
    loadConfig({ FAKEOUT_SPREAD_BPS_CRYPTO: '0', FAKEOUT_FEE_BPS_CRYPTO: '0' });
    assert.unreachable('accepted');
  } catch (err) {
    if (!isFakeoutError(err, 'FAKEOUT_ERR_EXEC_COST_MODEL_INVALID')) throw err;
    assert.is(err.info.field, 'FAKEOUT_SPREAD_BPS_CRYPTO');
  }
  assert.equal(costModelFromConfig(loadConfig({})), DEFAULT_COST_MODEL);
  assert.is(costModelFromConfig(loadConfig({ FAKEOUT_IMPACT_K: '1.5' })).impactK, 1.5);
});

s('bad order inputs are refused naming the field', () => {
  for (const [over, field] of [
    [{ qty: 0 }, 'qty'],
    [{ basePrice: -1 }, 'basePrice'],
    [{ sigma: Number.NaN }, 'sigma'],
  ] as const) {
    try {
      quoteMarketFill(quiet, { ...btc, ...over });
      assert.unreachable(field);
    } catch (err) {
      if (!isFakeoutError(err, 'FAKEOUT_ERR_EXEC_COST_MODEL_INVALID')) throw err;
      assert.is(err.info.field, field);
    }
  }
});

s.run();
