/**
 * Checks a supervision spec once, at the edge, so the runtime can trust ids and numbers:
 * a malformed tree is a configuration error, not something to discover at the first crash.
 */
import { FakeoutError } from '../actors/domain/errors.ts';
import { isSupervisorSpec } from './child-spec.ts';
import type { SupervisorSpec } from './child-spec.ts';

function invalid(path: string, what: string): never {
  throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `supervision spec ${path}: ${what}`, { details: { path } });
}

function nonNegative(n: unknown): boolean {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

/**
 * Throws FAKEOUT_ERR_CONFIG_INVALID unless every id is a non-empty string without '/', ids are
 * unique among siblings, intensity and backoff numbers are finite and ≥ 0, and jitter is in 0..1.
 */
export function validateSupervisorSpec(spec: SupervisorSpec, parentPath?: string): void {
  const path = parentPath === undefined ? spec.id : `${parentPath}/${spec.id}`;
  const checkId = (id: unknown, where: string): void => {
    if (typeof id !== 'string' || id === '' || id.includes('/')) invalid(where, `bad id ${JSON.stringify(id)} (non-empty, no '/')`);
  };
  checkId(spec.id, path);
  if (!nonNegative(spec.intensity?.maxRestarts) || !nonNegative(spec.intensity?.withinMs)) {
    invalid(path, 'intensity needs maxRestarts and withinMs ≥ 0');
  }
  const b = spec.backoff;
  if (b) {
    if (!nonNegative(b.initialMs) || !nonNegative(b.maxMs)) invalid(path, 'backoff needs initialMs and maxMs ≥ 0');
    if (b.firstMs !== undefined && !nonNegative(b.firstMs)) invalid(path, 'backoff firstMs must be ≥ 0');
    if (b.factor !== undefined && !(nonNegative(b.factor) && b.factor >= 1)) invalid(path, 'backoff factor must be ≥ 1');
    if (b.jitter !== undefined && !(nonNegative(b.jitter) && b.jitter <= 1)) invalid(path, 'backoff jitter must be in 0..1');
  }
  const seen = new Set<string>();
  for (const child of spec.children) {
    checkId(child.id, `${path}/${String(child.id)}`);
    if (seen.has(child.id)) invalid(`${path}/${child.id}`, 'duplicate id among siblings');
    seen.add(child.id);
    if (isSupervisorSpec(child)) validateSupervisorSpec(child, path);
    else {
      if (typeof child.start !== 'function') invalid(`${path}/${child.id}`, 'start must be a function');
      if (child.shutdownMs !== undefined && !nonNegative(child.shutdownMs)) invalid(`${path}/${child.id}`, 'shutdownMs must be ≥ 0');
    }
  }
}
