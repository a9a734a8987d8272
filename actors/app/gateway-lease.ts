/**
 * Wiring of the gateway lease for a process of role gateway (docs/execution.md, "One active
 * gateway per account"): the `gateway-lease` worker takes the execution group's place in the
 * root tree, and the role's own groups (execution, monitors) run under it, in a supervisor of
 * their own, only while this process holds the lease. A process that does not hold it is a
 * standby: it serves HTTP (GET /actors shows `standby`) and runs no stage.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { LeaseStore } from '../../adapters/nats/index.ts';
import type { Logger } from '../../adapters/log/index.ts';
import type { Clock } from '../../adapters/time/index.ts';
import { Supervisor, type SupervisionNode, type SupervisorDeps } from '../../supervision/index.ts';
import type { Config } from '../domain/config.ts';
import { startLeaseActor, type HeldStages } from '../gateway/lease.actor.ts';
import { buildHeldTree, type TreeWorker } from './tree.ts';

export const LEASE_WORKER_ID = 'gateway-lease';
/** the root tree's execution group, where the lease worker sits */
const LEASE_PARENT = 'fakeout/execution';

/** Whether a process of this config runs its stages only under the gateway lease. */
export function usesGatewayLease(config: Readonly<Config>): boolean {
  return config.role === 'gateway' && config.gatewayLeaseTtlSeconds > 0;
}

export interface LeasedExecution {
  /** the lease worker, for the root tree's execution group */
  worker: TreeWorker;
  /** the root tree with the held groups as the lease worker's children while they run */
  decorate(root: SupervisionNode): SupervisionNode;
  /**
   * `Supervisor.injectFault` for a path under the lease worker (a held stage, as decorate shows
   * it): false while no held stages run; undefined for any other path (the root supervisor's).
   */
  injectFault(path: string, reason: string): boolean | undefined;
}

export interface LeasedExecutionOptions {
  config: Readonly<Config>;
  dataDir: string;
  clock: Clock;
  log: Logger;
  /** the KV lease, over the `gateway` user's connection (the only user that may write it): adapters/nats leaseStore */
  store: LeaseStore;
  /** the root supervisor's deps (events, clock, timers), shared by the held supervisor */
  supervisorDeps: SupervisorDeps;
  /** the role's workers, built afresh for each acquisition (a fresh paper broker reads the book the other holder left) */
  heldWorkers(): TreeWorker[];
}

export function leasedExecution(opts: LeasedExecutionOptions): LeasedExecution {
  const { config, log } = opts;
  const name = `gateway.${config.gatewayAccount}`;
  // POLICY: one holder id per host and data directory; the data directory lock makes it one process.
  const holder = `${hostname()}:${resolve(opts.dataDir)}`;
  let current: Supervisor | undefined;
  const held = (): HeldStages => {
    const sup = new Supervisor(buildHeldTree(LEASE_WORKER_ID, opts.heldWorkers()), opts.supervisorDeps, LEASE_PARENT);
    return {
      start: async (onGiveUp) => {
        current = sup;
        await sup.launch((exit) => onGiveUp(exit.reason ?? 'gave up'));
      },
      stop: async () => {
        await sup.stop();
        if (current === sup) current = undefined;
      },
    };
  };
  const worker: TreeWorker = {
    id: LEASE_WORKER_ID,
    group: 'execution',
    restart: 'permanent',
    // the held stages each get STAGE_SHUTDOWN_MS to commit their in-flight batch
    shutdownMs: 60_000,
    start: () =>
      startLeaseActor({
        store: opts.store, name, holder, ttlMs: config.gatewayLeaseTtlSeconds * 1000, clock: opts.clock, log, held,
        hardFence: (reason) => {
          log.fatal({ actor: LEASE_WORKER_ID, lease: name, reason }, 'gateway lease lost and the stages did not stop in time: exiting (hard fence)');
          process.exit(1);
        },
      }),
  };
  const leasePath = `${LEASE_PARENT}/${LEASE_WORKER_ID}`;
  const decorate = (root: SupervisionNode): SupervisionNode => {
    const sup = current;
    if (sup === undefined) return root;
    const visit = (n: SupervisionNode): SupervisionNode => {
      if (n.kind === 'worker' && n.path === leasePath) return { ...n, children: sup.tree().children ?? [] };
      return n.children ? { ...n, children: n.children.map(visit) } : n;
    };
    return visit(root);
  };
  // WHY here: the held stages run under their own supervisor, which the root one cannot reach
  // (to it the lease worker is one worker); its paths are the ones decorate shows.
  const injectFault = (path: string, reason: string): boolean | undefined => {
    if (!path.startsWith(`${leasePath}/`)) return undefined;
    return current === undefined ? false : current.injectFault(path, reason);
  };
  return { worker, decorate, injectFault };
}

/**
 * What the Actors tab's fault injection reaches (adapters/http/dashboard/actors-fault.ts): the
 * root tree with the held stages, and each path to the supervisor that runs it. Getters, because
 * the composition root creates the supervisor and the lease after the HTTP options.
 */
export function faultSeam(root: () => Pick<Supervisor, 'tree' | 'injectFault'>, lease: () => LeasedExecution | undefined) {
  return {
    tree: (): SupervisionNode => lease()?.decorate(root().tree()) ?? root().tree(),
    inject: (path: string, reason: string): boolean => lease()?.injectFault(path, reason) ?? root().injectFault(path, reason),
  };
}
