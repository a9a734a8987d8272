/**
 * What a supervisor is built from: an ordered list of child specs, OTP-style.
 * Pure data plus a `start` function per worker; no runtime state lives here.
 */
import type { AnyActorRef } from 'xstate';

/**
 * When a child is restarted (OTP semantics):
 * - `permanent`: always, after a crash and after a normal exit;
 * - `transient`: only after a crash;
 * - `temporary`: never (not even when a sibling's crash makes the strategy stop it).
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/**
 * Which children a crash takes down:
 * - `one_for_one`: only the crashed child is restarted;
 * - `one_for_all`: every other child is stopped (reverse order), then all restart in order;
 * - `rest_for_one`: the children started after the crashed one are stopped (reverse order),
 *   then the crashed one and those after it restart in order.
 */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/** A leaf: one XState actor. */
export interface WorkerSpec {
  kind?: 'worker';
  /** unique among its siblings; no '/' (it becomes one segment of the supervision path) */
  id: string;
  /**
   * Returns a fresh actor for each incarnation, started or not. Prefer NOT started: the
   * supervisor subscribes first and then starts it, so an error thrown while starting is seen
   * as a crash; an actor that errors before anyone subscribed is reported by XState as an
   * unhandled error instead.
   * Throwing (or rejecting) counts as a crash of this child.
   * POLICY: must return a root actor (no parent), or the supervisor cannot stop it.
   */
  start: () => AnyActorRef | Promise<AnyActorRef>;
  restart: RestartType;
  /** how long a `STOP` may take before the actor is stopped by force; default 5000 */
  shutdownMs?: number;
}

/**
 * Restart backoff: restart n waits min(maxMs, initialMs·factor^(n−1)) ± jitter; with `firstMs`,
 * restart 1 waits firstMs and restart n ≥ 2 waits min(maxMs, initialMs·factor^(n−2)).
 */
export interface BackoffSpec {
  initialMs: number;
  /**
   * the first restart within the intensity window waits this instead (a lone crash comes back at
   * once; a crash loop still backs off from initialMs); default: no special first restart
   */
  firstMs?: number;
  maxMs: number;
  /** default 2 */
  factor?: number;
  /** fraction 0..1 of the delay by which it is randomised either way; default 0.2 */
  jitter?: number;
}

/** An inner node: supervises its own children. */
export interface SupervisorSpec {
  kind: 'supervisor';
  id: string;
  strategy: Strategy;
  /** more than `maxRestarts` restarts within `withinMs` and the supervisor gives up (fails) */
  intensity: { maxRestarts: number; withinMs: number };
  /** default { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.2 } */
  backoff?: BackoffSpec;
  children: ChildSpec[];
  /** as a child of its parent; default `permanent` */
  restart?: RestartType;
}

export type ChildSpec = WorkerSpec | SupervisorSpec;

/** Narrowing helper: `kind` is optional on workers, so test for the supervisor side. */
export function isSupervisorSpec(spec: ChildSpec): spec is SupervisorSpec {
  return spec.kind === 'supervisor';
}

/** Default shutdown timeout of a worker, in ms. */
export const DEFAULT_SHUTDOWN_MS = 5000;
