/**
 * The thresholds of the breaker and the gate, as the machines take them in their `input`.
 * The environment variables (FAKEOUT_BREAKER_*, FAKEOUT_GATED_TRADES, FAKEOUT_REGATE_TRADES) are
 * read and validated by loadConfig; `breakerThresholdsFromConfig` / `gateThresholdsFromConfig`
 * map them here. A machine's input is checked again (`checkBreakerThresholds`), because a
 * machine can be created from other places than the config (tests, a replay, a backtest).
 */
import type { Config } from '../domain/config.ts';
import { FakeoutError } from '../domain/errors.ts';

export interface BreakerThresholds {
  /** trip when Σ realised / Σ modelled slippage over the window is > this */
  slippageRatio: number;
  /** fills in the slippage window */
  slippageWindow: number;
  /** trip at this many losing trades in a row */
  maxLosses: number;
  /** trip when the UTC day's drawdown is > this percentage of its starting equity */
  dailyDrawdownPct: number;
  /** trip when (errors + rejections) / orders over the window is > this */
  errorRate: number;
  /** orders in the error-rate window */
  errorWindow: number;
  /** how long the breaker stays open before it may be reset (half-open), ms */
  cooldownMs: number;
}

export const DEFAULT_BREAKER_THRESHOLDS: Readonly<BreakerThresholds> = Object.freeze({
  slippageRatio: 1.5,
  slippageWindow: 20,
  maxLosses: 5,
  dailyDrawdownPct: 3,
  errorRate: 0.2,
  errorWindow: 20,
  cooldownMs: 900_000,
});

export interface GateThresholds {
  /** approved fills in `gated` before the gate goes live the first time */
  gatedTrades: number;
  /** approved fills in `gated` before going live again after a breaker reset */
  regateTrades: number;
}

export const DEFAULT_GATE_THRESHOLDS: Readonly<GateThresholds> = Object.freeze({ gatedTrades: 10, regateTrades: 3 });

type Check = [test: (n: number) => boolean, expect: string];
const count: Check = [(n) => Number.isInteger(n) && n >= 1 && n <= 1000, 'an integer 1..1000'];

const BREAKER_CHECKS: Readonly<Record<keyof BreakerThresholds, Check>> = {
  slippageRatio: [(n) => n > 0, 'a positive number'],
  slippageWindow: count,
  maxLosses: count,
  dailyDrawdownPct: [(n) => n > 0 && n < 100, 'a number in (0, 100)'],
  errorRate: [(n) => n >= 0 && n < 1, 'a number in [0, 1)'],
  errorWindow: count,
  cooldownMs: [(n) => Number.isInteger(n) && n >= 0 && n <= 604_800_000, 'an integer 0..604800000 (7 days)'],
};

const GATE_CHECKS: Readonly<Record<keyof GateThresholds, Check>> = { gatedTrades: count, regateTrades: count };

function checked<T extends object>(area: string, checks: Readonly<Record<keyof T, Check>>, dflt: T, given: Partial<T> | undefined): T {
  const out = { ...dflt, ...(given ?? {}) };
  for (const key of Object.keys(checks) as (keyof T & string)[]) {
    const value: unknown = out[key];
    const [test, expect] = checks[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || !test(value)) {
      const field = `${area}.${key}`;
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `${field}: expected ${expect}, got ${String(value)}`, { details: { field } });
    }
  }
  return out;
}

/** The defaults overlaid with `given`; throws FAKEOUT_ERR_CONFIG_INVALID naming `breaker.<field>`. */
export function checkBreakerThresholds(given?: Partial<BreakerThresholds>): BreakerThresholds {
  return checked('breaker', BREAKER_CHECKS, { ...DEFAULT_BREAKER_THRESHOLDS }, given);
}

/** The defaults overlaid with `given`; throws FAKEOUT_ERR_CONFIG_INVALID naming `gate.<field>`. */
export function checkGateThresholds(given?: Partial<GateThresholds>): GateThresholds {
  return checked('gate', GATE_CHECKS, { ...DEFAULT_GATE_THRESHOLDS }, given);
}

export function breakerThresholdsFromConfig(c: Config): BreakerThresholds {
  return checkBreakerThresholds({
    slippageRatio: c.breakerSlippageRatio,
    slippageWindow: c.breakerSlippageWindow,
    maxLosses: c.breakerMaxLosses,
    dailyDrawdownPct: c.breakerDailyDrawdownPct,
    errorRate: c.breakerErrorRate,
    errorWindow: c.breakerErrorWindow,
    cooldownMs: c.breakerCooldownSeconds * 1000,
  });
}

export function gateThresholdsFromConfig(c: Config): GateThresholds {
  return checkGateThresholds({ gatedTrades: c.gatedTrades, regateTrades: c.regateTrades });
}
