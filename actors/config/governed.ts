/**
 * The governed parameters (docs/config.md): the strategy and risk settings that change only
 * through a proposal (machines/config.machine.ts) and that every actor reads from the KV bucket
 * `config` at each batch. Pure: no I/O, no clock.
 *
 * POLICY: a proposed value is validated by the same rules as start-up config: it is run through
 * `loadConfig` as the environment variable it stands for, so the two can never disagree.
 */
import type { Config } from '../domain/config.ts';
import { loadConfig } from '../domain/config.ts';
import { FakeoutError, isFakeoutError } from '../domain/errors.ts';

/** Governed parameter → the start-up variable that seeds version 1 and holds its rules. */
export const GOVERNED = Object.freeze({
  wickThreshold: 'FAKEOUT_WICK_THRESHOLD',
  volumeThreshold: 'FAKEOUT_VOLUME_THRESHOLD',
  triggerScore: 'FAKEOUT_TRIGGER_SCORE',
  targetR: 'FAKEOUT_TARGET_R',
  stopBufferAtr: 'FAKEOUT_STOP_BUFFER_ATR',
  riskPerTrade: 'FAKEOUT_RISK_PER_TRADE',
  maxLeverage: 'FAKEOUT_MAX_LEVERAGE',
  gatedTrades: 'FAKEOUT_GATED_TRADES',
  regateTrades: 'FAKEOUT_REGATE_TRADES',
  breakerSlippageRatio: 'FAKEOUT_BREAKER_SLIPPAGE_RATIO',
  breakerSlippageWindow: 'FAKEOUT_BREAKER_SLIPPAGE_WINDOW',
  breakerMaxLosses: 'FAKEOUT_BREAKER_MAX_LOSSES',
  breakerDailyDrawdownPct: 'FAKEOUT_BREAKER_DAILY_DRAWDOWN_PCT',
  breakerErrorRate: 'FAKEOUT_BREAKER_ERROR_RATE',
  breakerErrorWindow: 'FAKEOUT_BREAKER_ERROR_WINDOW',
  breakerCooldownSeconds: 'FAKEOUT_BREAKER_COOLDOWN',
} as const);

export type GovernedName = keyof typeof GOVERNED;
export type GovernedParams = { [K in GovernedName]: number };
export const GOVERNED_NAMES = Object.freeze(Object.keys(GOVERNED) as GovernedName[]);

/** One applied version, as the KV bucket holds it (key `current`). */
export interface GovernedVersion {
  version: number;
  params: GovernedParams;
  appliedAt: number;
  appliedBy: string;
  /** the proposal that made it; null for the version seeded from the environment */
  proposalId: string | null;
}

export function governedFromConfig(c: Readonly<Pick<Config, GovernedName>>): GovernedParams {
  const out = {} as GovernedParams;
  for (const k of GOVERNED_NAMES) out[k] = c[k];
  return out;
}

/** Version 1: what the environment said when the bucket was first created. */
export function seedVersion(c: Readonly<Pick<Config, GovernedName>>, at: number): GovernedVersion {
  return { version: 1, params: governedFromConfig(c), appliedAt: at, appliedBy: 'environment', proposalId: null };
}

function bad(field: string, message: string): never {
  throw new FakeoutError('FAKEOUT_ERR_CONFIG_PROPOSAL_INVALID', `${field}: ${message}`, { details: { field } });
}

/**
 * Reads a proposal's `changes` (`{ triggerScore: 75 }`, values numbers or numeric strings) and
 * validates the result against the start-up rules. Returns the changes as numbers and the full
 * parameters after.
 * @throws FakeoutError FAKEOUT_ERR_CONFIG_PROPOSAL_INVALID naming the parameter
 */
export function validateChanges(base: Readonly<GovernedParams>, changes: unknown): { changes: Partial<GovernedParams>; after: GovernedParams } {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) bad('changes', 'expected an object of parameter: value');
  const entries = Object.entries(changes as Record<string, unknown>);
  if (entries.length === 0) bad('changes', 'nothing to change');
  const out: Partial<GovernedParams> = {};
  for (const [k, v] of entries) {
    if (!(GOVERNED_NAMES as readonly string[]).includes(k)) bad(k, `not a governed parameter (one of ${GOVERNED_NAMES.join(', ')})`);
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (!Number.isFinite(n)) bad(k, `expected a number, got ${JSON.stringify(v)}`);
    out[k as GovernedName] = n;
  }
  const after = { ...base, ...out };
  const same = GOVERNED_NAMES.every((k) => after[k] === base[k]);
  if (same) bad('changes', 'every value equals the current version');
  const env: Record<string, string> = {};
  for (const k of GOVERNED_NAMES) env[GOVERNED[k]] = String(after[k]);
  try {
    loadConfig(env);
  } catch (err) {
    if (!isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID')) throw err;
    const variable = String(err.info['field'] ?? '');
    const name = GOVERNED_NAMES.find((k) => GOVERNED[k] === variable) ?? 'changes';
    bad(name, `${err.message.replace(`${variable}: `, '')} (the rule of ${variable})`);
  }
  return { changes: out, after };
}

/** The parameters that differ between two versions, `{ name: [before, after] }`. */
export function diffParams(before: Readonly<GovernedParams>, after: Readonly<GovernedParams>): Partial<Record<GovernedName, [number, number]>> {
  const out: Partial<Record<GovernedName, [number, number]>> = {};
  for (const k of GOVERNED_NAMES) if (before[k] !== after[k]) out[k] = [before[k], after[k]];
  return out;
}

/** Checks a value read from the KV bucket; anything else is a clear error naming the field. */
export function decodeGovernedVersion(value: unknown): GovernedVersion {
  const v = value as Partial<GovernedVersion> | null;
  const fail = (field: string): never => {
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `config bucket: ${field} is missing or malformed`, { details: { field } });
  };
  if (typeof v !== 'object' || v === null) return fail('value');
  if (!Number.isInteger(v.version) || (v.version as number) < 1) fail('version');
  if (typeof v.params !== 'object' || v.params === null) fail('params');
  for (const k of GOVERNED_NAMES) if (typeof (v.params as Record<string, unknown>)[k] !== 'number') fail(`params.${k}`);
  return v as GovernedVersion;
}
