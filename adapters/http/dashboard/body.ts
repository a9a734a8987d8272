/**
 * Request-body and query checks shared by the dashboard's routes: unknown fields and wrong types
 * are a 400 naming the field (FAKEOUT_ERR_DASHBOARD_INVALID), before any service is called.
 */
import { FakeoutError } from '../../../actors/domain/errors.ts';

export function invalid(field: string, message: string): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_DASHBOARD_INVALID', `${field}: ${message}`, { details: { field } });
}

/** The body as an object whose keys are all in `allowed`; `{}` for an empty body. */
export function objectBody(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('body', 'expected a JSON object');
  for (const key of Object.keys(body)) if (!allowed.includes(key)) throw invalid(key, `unknown field (expected ${allowed.join(', ')})`);
  return body as Record<string, unknown>;
}

/** An optional whole number in [min, max] from a query string value; `dflt` when absent. */
export function intParam(query: Record<string, unknown>, field: string, dflt: number, min: number, max: number): number {
  const raw = query[field];
  if (raw === undefined) return dflt;
  const n = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= min && n <= max)) throw invalid(field, `expected a whole number ${min}..${max}`);
  return n;
}

/** Refuses query parameters not in `allowed`. */
export function onlyParams(query: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(query)) if (!allowed.includes(key)) throw invalid(key, `unknown parameter (expected ${allowed.join(', ') || 'none'})`);
}
