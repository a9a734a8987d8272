/**
 * A backtest's parameters: a JSON file of `name: value` (`--params FILE`) where a name is a
 * governed parameter (`triggerScore`, `riskPerTrade`, … actors/config/governed.ts) or any
 * `FAKEOUT_*` variable of the README's table (`FAKEOUT_SPREAD_BPS_CRYPTO`, `FAKEOUT_LOOKBACK`, …),
 * turned into environment overrides and checked by the very rules a start applies (`loadConfig`).
 *
 * POLICY: costs cannot be switched off. A file whose cost model adds up to zero for a venue is
 * refused by the cost model's own check (`validateCostModel`), before anything runs.
 */
import { GOVERNED, type GovernedName } from '../config/governed.ts';
import { CONFIG_DOCS, loadConfig, type Config } from '../domain/config.ts';
import { FakeoutError, isFakeoutError } from '../domain/errors.ts';

const bad = (field: string, message: string): never => {
  throw new FakeoutError('FAKEOUT_ERR_BACKTEST_PARAMS', `${field}: ${message}`, { details: { field } });
};

const VARIABLES = new Set(CONFIG_DOCS.map((d) => d.name));
/** What a backtest's parameters may not set: where it runs, not what it simulates. */
const NOT_PARAMETERS = new Set(['DATABASE_URL', 'FAKEOUT_DATA_DIR', 'FAKEOUT_ROLE', 'FAKEOUT_REPLAY', 'NATS_URL', 'PORT', 'HOST']);

/** The environment variable a parameter name stands for (governed name or the variable itself). */
export function variableOf(name: string): string {
  if (Object.hasOwn(GOVERNED, name)) return GOVERNED[name as GovernedName];
  if (VARIABLES.has(name) && !NOT_PARAMETERS.has(name)) return name;
  return bad(name, `not a backtest parameter: a governed parameter (${Object.keys(GOVERNED).join(', ')}) or a FAKEOUT_ variable of the README's table`);
}

/** `{ name: value }` → environment overrides; refuses unknown names and non-scalar values. */
export function paramsToEnv(params: unknown): Record<string, string> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return bad('params', 'expected a JSON object of name: value');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
    const variable = variableOf(k);
    if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') bad(k, `expected a number or a string, got ${JSON.stringify(v)}`);
    if (typeof v === 'number' && !Number.isFinite(v)) bad(k, `expected a finite number, got ${String(v)}`);
    env[variable] = String(v);
  }
  return env;
}

/**
 * The run's config: the process environment, then the overrides. A broken rule is reported
 * against the parameter as the file named it (`FAKEOUT_ERR_BACKTEST_PARAMS`, field = that name).
 */
export function backtestConfig(env: Readonly<Record<string, string | undefined>>, overrides: Readonly<Record<string, string>>, names: Readonly<Record<string, string>> = {}): Readonly<Config> {
  try {
    return loadConfig({ ...env, ...overrides, FAKEOUT_REPLAY: 'none' });
  } catch (err) {
    if (isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID') || isFakeoutError(err, 'FAKEOUT_ERR_EXEC_COST_MODEL_INVALID')) {
      const field = String(err.info['field'] ?? 'params');
      const name = Object.entries(names).find(([, v]) => v === field)?.[0] ?? field;
      const text = err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message;
      const costs = err.code === 'FAKEOUT_ERR_EXEC_COST_MODEL_INVALID' && !text.includes('cannot be switched off') ? ' (costs cannot be switched off in a backtest)' : '';
      return bad(name, `${text}${costs}`);
    }
    throw err;
  }
}

/** Names given → the variables they stand for (for error messages). */
export function namesOf(params: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.keys(params).map((k) => [k, variableOf(k)]));
}
