/**
 * The supervision tree of each process role, as data. Same code, different roots:
 *
 *   fakeout (rest_for_one)                 — a dead nats-server takes down what depends on it
 *   ├── nats-server   permanent            — only when NATS_URL is unset (embedded)
 *   ├── pipeline (one_for_one, 10 restarts / 60 s)
 *   │   ├── raw-archiver   RAW → raw_events
 *   │   ├── bar-builder    RAW → BARS
 *   │   ├── feature-engine BARS → FEATURES
 *   │   └── scoring-engine FEATURES → SCORES, SIGNALS
 *   └── intake (one_for_one)               — role `all` only
 *       ├── http      permanent            — webhook, /actors, /metrics, /healthz
 *       └── replay    transient            — ends normally when the files are done
 *
 * Shutdown runs in reverse: intake first (no new input), then the stages drain their
 * in-flight batch, then the embedded server.
 */
import type { AnyActorRef } from 'xstate';
import type { ChildSpec, SupervisorSpec } from '../../supervision/index.ts';
import type { ProcessRole } from '../domain/config.ts';

export interface TreeStarters {
  natsServer?: () => AnyActorRef | Promise<AnyActorRef>;
  stages: { id: string; start: () => AnyActorRef | Promise<AnyActorRef> }[];
  http?: () => AnyActorRef | Promise<AnyActorRef>;
  replay?: () => AnyActorRef | Promise<AnyActorRef>;
}

export function buildTree(role: ProcessRole, s: TreeStarters): SupervisorSpec {
  const children: ChildSpec[] = [];
  if (s.natsServer) children.push({ id: 'nats-server', start: s.natsServer, restart: 'permanent', shutdownMs: 10_000 });
  children.push({
    kind: 'supervisor',
    id: 'pipeline',
    strategy: 'one_for_one',
    intensity: { maxRestarts: 10, withinMs: 60_000 },
    backoff: { initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.2 },
    children: s.stages.map((st) => ({ id: st.id, start: st.start, restart: 'permanent' as const, shutdownMs: 15_000 })),
  });
  if (role === 'all') {
    const intake: ChildSpec[] = [];
    if (s.http) intake.push({ id: 'http', start: s.http, restart: 'permanent', shutdownMs: 5_000 });
    if (s.replay) intake.push({ id: 'replay', start: s.replay, restart: 'transient', shutdownMs: 15_000 });
    children.push({ kind: 'supervisor', id: 'intake', strategy: 'one_for_one', intensity: { maxRestarts: 10, withinMs: 60_000 }, children: intake });
  }
  return {
    kind: 'supervisor',
    id: 'fakeout',
    strategy: 'rest_for_one',
    intensity: { maxRestarts: 5, withinMs: 60_000 },
    children,
  };
}
