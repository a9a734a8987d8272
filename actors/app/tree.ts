/**
 * The supervision tree of a process role, derived from the role table (roles.ts):
 *
 *   fakeout (rest_for_one)                 — a dead nats-server takes down what depends on it
 *   ├── nats-server   permanent            — only when NATS_URL is unset (embedded)
 *   ├── pipeline (one_for_one, 10 / 60 s)  — the stages of the role (raw-archiver, bar-builder, …)
 *   ├── execution (one_for_one, 10 / 60 s) — the execution side (role gateway)
 *   └── intake (one_for_one, 10 / 60 s)
 *       ├── http      permanent            — every role: /actors, /metrics, /healthz (+ webhook where the role ingests)
 *       └── replay    transient            — ends normally when the files are done
 *
 * A group with no actor in the role is left out. A gateway with a lease (FAKEOUT_GATEWAY_LEASE_TTL)
 * has one worker, `gateway-lease`, in its execution group instead; it runs the role's groups
 * (buildHeldTree) only while it holds the lease. Shutdown runs in reverse: intake first (no new
 * input), then execution, then the stages drain their in-flight batch, then the embedded server.
 */
import type { AnyActorRef } from 'xstate';
import type { ChildSpec, SupervisorSpec } from '../../supervision/index.ts';
import { ACTOR_GROUPS, type ActorGroup } from './roles.ts';

export type Starter = () => AnyActorRef | Promise<AnyActorRef>;

/** One worker of the tree, already resolved from a role-table entry (or the process's own services). */
export interface TreeWorker {
  id: string;
  group: ActorGroup;
  start: Starter;
  restart: 'permanent' | 'transient';
  shutdownMs: number;
}

// POLICY: a lone crash restarts after 5 ms (a stage is back in tens of ms, docs/benchmarks.md (k));
// a second within the window backs off from 100 ms, doubling up to 5 s, so a crash loop takes
// about 20 s of waits before the 11th restart in 60 s gives up.
const GROUP_POLICY = {
  strategy: 'one_for_one',
  intensity: { maxRestarts: 10, withinMs: 60_000 },
  backoff: { firstMs: 5, initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.2 },
} as const;

export function buildTree(workers: readonly TreeWorker[], natsServer?: Starter): SupervisorSpec {
  const children: ChildSpec[] = [];
  if (natsServer) children.push({ id: 'nats-server', start: natsServer, restart: 'permanent', shutdownMs: 10_000 });
  children.push(...buildGroups(workers));
  return {
    kind: 'supervisor',
    id: 'fakeout',
    strategy: 'rest_for_one',
    intensity: { maxRestarts: 5, withinMs: 60_000 },
    children,
  };
}

/** One supervisor per group (ACTOR_GROUPS order) over the workers of that group; empty groups left out. */
export function buildGroups(workers: readonly TreeWorker[]): SupervisorSpec[] {
  return ACTOR_GROUPS.flatMap((group) => {
    const mine = workers.filter((w) => w.group === group);
    if (mine.length === 0) return [];
    return [{ kind: 'supervisor' as const, id: group, ...GROUP_POLICY, children: mine.map((w) => ({ id: w.id, start: w.start, restart: w.restart, shutdownMs: w.shutdownMs })) }];
  });
}

/**
 * The stages a gateway runs only while it holds the lease (actors/gateway/lease.actor.ts): their
 * groups under one supervisor named after the lease worker, which starts and stops it. It gives
 * up like a group does; the lease worker then fences, releases and crashes.
 */
export function buildHeldTree(id: string, workers: readonly TreeWorker[]): SupervisorSpec {
  return { kind: 'supervisor', id, strategy: 'one_for_one', intensity: { maxRestarts: 5, withinMs: 60_000 }, children: buildGroups(workers) };
}
