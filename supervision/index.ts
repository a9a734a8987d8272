/**
 * Public surface of the supervision tree: specs in, a running tree out, events and a JSON
 * snapshot for observers.
 */
export type { BackoffSpec, ChildSpec, RestartType, Strategy, SupervisorSpec, WorkerSpec } from './child-spec.ts';
export { DEFAULT_SHUTDOWN_MS, isSupervisorSpec } from './child-spec.ts';
export type { NodeStatus, ScheduledTask, SupervisionEvent, SupervisionNode, SupervisorDeps } from './supervision-event.ts';
export { Supervisor } from './supervisor.ts';
export { systemDeps } from './system-deps.ts';
export { DEFAULT_BACKOFF, backoffDelay } from './backoff.ts';
export { RestartIntensity } from './restart-intensity.ts';
export type { ChildExit, RestartCandidate } from './restart-strategy.ts';
export { restartGroup, shouldRestart } from './restart-strategy.ts';
export { classifySnapshot, describeReason } from './worker-runtime.ts';
export { validateSupervisorSpec } from './validate-spec.ts';
export type { ActorTransition, ActorView, TransitionLogOptions } from './transition-log.ts';
export { TransitionLog } from './transition-log.ts';
