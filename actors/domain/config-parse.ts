/**
 * The small readers loadConfig (config.ts) validates the environment with: each names the
 * variable in its FAKEOUT_ERR_CONFIG_INVALID, so a bad value says which one it is.
 */
import { FakeoutError } from './errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export function fail(field: string, message: string): never {
  throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `${field}: ${message}`, { details: { field } });
}

/** The trimmed value, or undefined when unset or blank. */
export function text(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** A number passing `check`, or `dflt` when unset; `expect` words the error. */
export function num(env: Env, name: string, dflt: number, check: (n: number) => boolean, expect: string): number {
  const raw = text(env, name);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) fail(name, `expected ${expect}, got ${JSON.stringify(raw)}`);
  return n;
}

export const isInt = (lo: number, hi: number) => (n: number) => Number.isInteger(n) && n >= lo && n <= hi;
