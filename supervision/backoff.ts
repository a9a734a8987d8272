/**
 * Restart backoff: exponential, capped, with jitter so that siblings that crashed together
 * (a lost NATS connection takes every stage down at once) do not all reconnect in the same tick.
 */
import type { BackoffSpec } from './child-spec.ts';

/** Used when a supervisor spec gives no `backoff`. */
export const DEFAULT_BACKOFF: Readonly<Required<Omit<BackoffSpec, 'firstMs'>>> = Object.freeze({
  initialMs: 100,
  maxMs: 5000,
  factor: 2,
  jitter: 0.2,
});

/**
 * The wait before restart number `n` (1 = first restart within the intensity window):
 * `min(maxMs, initialMs · factor^(n−1))` — or, when the spec has `firstMs`, `firstMs` for n = 1
 * and `min(maxMs, initialMs · factor^(n−2))` after —, then moved by up to ±jitter of itself using
 * `random()` ∈ [0, 1) (0.5 = no change), rounded to whole ms.
 * POLICY: the result never exceeds `maxMs` (jitter applies below the cap, not above it), so
 * `maxMs` is an honest upper bound for operators reading the spec.
 */
export function backoffDelay(n: number, spec: BackoffSpec | undefined, random: () => number): number {
  const initialMs = spec?.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const maxMs = spec?.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const factor = spec?.factor ?? DEFAULT_BACKOFF.factor;
  const jitter = Math.min(1, Math.max(0, spec?.jitter ?? DEFAULT_BACKOFF.jitter));
  const first = spec?.firstMs;
  const base = first !== undefined && n <= 1 ? Math.min(maxMs, first) : Math.min(maxMs, initialMs * factor ** Math.max(0, n - (first === undefined ? 1 : 2)));
  const jittered = base * (1 + jitter * (2 * random() - 1));
  return Math.round(Math.min(maxMs, Math.max(0, jittered)));
}
