/**
 * What the supervisor tree tells the world: one event stream and a JSON snapshot of the tree,
 * plus the capabilities it needs injected (time, timers, randomness), so the core stays
 * deterministic and tests drive time with a fake scheduler.
 */
import type { AnyActorRef } from 'xstate';
import type { Strategy } from './child-spec.ts';
import type { FakeoutError } from '../actors/domain/errors.ts';

/**
 * One thing that happened in the tree. `path` is the ids from the root joined by '/'.
 * - `started`: a worker's actor is up, or a supervisor finished starting its children;
 * - `crashed`: a child crashed (`reason` says why); a supervisor child "crashes" when it gives up;
 * - `restarted`: a child is up again after a restart (`restarts` = its total, `delayMs` = backoff waited);
 * - `escalated`: a supervisor exceeded its restart intensity and gave up (its parent decides next);
 * - `stopped`: a child stopped normally (shutdown, strategy stop, or normal exit; `reason` says which).
 */
export interface SupervisionEvent {
  type: 'started' | 'crashed' | 'restarted' | 'escalated' | 'stopped';
  path: string;
  /** deps.clock.now() when it happened */
  at: number;
  reason?: string;
  restarts?: number;
  delayMs?: number;
}

export type NodeStatus = 'starting' | 'running' | 'restarting' | 'stopped' | 'failed';

/** JSON-serialisable view of one node of the tree (what `GET /actors` shows). */
export interface SupervisionNode {
  id: string;
  path: string;
  kind: 'supervisor' | 'worker';
  strategy?: Strategy;
  status: NodeStatus;
  /** a worker's actor snapshot `value` (current incarnation, or the last one once it has exited) */
  state?: unknown;
  /** how many times this node was restarted by its parent since the tree was built */
  restarts: number;
  /** the reason of its last crash */
  lastError?: string;
  children?: SupervisionNode[];
}

/** A cancellable timer, as returned by {@link SupervisorDeps.schedule}. */
export interface ScheduledTask {
  cancel(): void;
}

/** Everything time- or chance-dependent the supervisor uses; see `systemDeps` for the real ones. */
export interface SupervisorDeps {
  clock: { now(): number };
  schedule: (fn: () => void, ms: number) => ScheduledTask;
  /** uniform in [0, 1), for backoff jitter */
  random: () => number;
  listener: (e: SupervisionEvent) => void;
  /**
   * Called once each time the root supervisor gives up, with the reason text and the error
   * (FAKEOUT_ERR_SUPERVISOR_INTENSITY, or FAKEOUT_ERR_STAGE_FAULT for an injected fault);
   * default: nothing. By then every child has been stopped.
   */
  onRootFailure?: (reason: string, error: FakeoutError) => void;
  /** how long `injectFault` waits for the actor to crash by itself before forcing it; default 1000 */
  faultTimeoutMs?: number;
  /**
   * Called with each new incarnation of a worker (its path and its actor), after `start()` made
   * it and before the supervisor starts it: observers (the transition log, the Stately
   * inspector) attach to every actor at one seam instead of at each `createActor`. A throw is
   * ignored: observing must never keep an actor from starting.
   */
  onIncarnation?: (path: string, actor: AnyActorRef) => void;
}
