/**
 * The real clock, timers and randomness for a supervisor. Kept apart from the core so that
 * supervisor.ts never touches `Date.now`/`setTimeout` and tests can inject fakes.
 */
import type { FakeoutError } from '../actors/domain/errors.ts';
import type { SupervisionEvent, SupervisorDeps } from './supervision-event.ts';

/**
 * Deps backed by Date.now, setTimeout and Math.random.
 * Timers are deliberately NOT unref'd: while every worker is down waiting out a backoff, the
 * pending restart may be the only thing keeping the process alive, and it must not exit then.
 */
export function systemDeps(
  listener: (e: SupervisionEvent) => void,
  options: { onRootFailure?: (reason: string, error: FakeoutError) => void; faultTimeoutMs?: number; onIncarnation?: SupervisorDeps['onIncarnation'] } = {},
): SupervisorDeps {
  return {
    clock: { now: () => Date.now() },
    schedule: (fn, ms) => {
      const timer = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(timer) };
    },
    random: Math.random,
    listener,
    ...(options.onRootFailure ? { onRootFailure: options.onRootFailure } : {}),
    ...(options.faultTimeoutMs !== undefined ? { faultTimeoutMs: options.faultTimeoutMs } : {}),
    ...(options.onIncarnation ? { onIncarnation: options.onIncarnation } : {}),
  };
}
