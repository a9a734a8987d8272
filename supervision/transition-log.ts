/**
 * What happened to each actor of the tree, for people watching it (the dashboard's Actors tab):
 * a bounded ring of recent transitions per actor (machine state changes, starts, crashes,
 * restarts, stops), the time its current incarnation came up, and one sequence over all of them
 * so that a live stream can resume after the last transition a client saw.
 *
 * Pure bookkeeping: time comes from the injected `now` and from the events' own `at` (the
 * supervisor's clock), so uptimes are on that one clock. It is fed by the supervisor's listener
 * (`record`) and by each incarnation's snapshots (`watch`, through `SupervisorDeps.onIncarnation`).
 */
import type { AnyActorRef } from 'xstate';
import type { SupervisionEvent, SupervisionNode } from './supervision-event.ts';

/** One thing that happened to one actor. `seq` grows by one per transition, over the whole log. */
export interface ActorTransition {
  seq: number;
  at: number;
  path: string;
  /** `state`: its machine moved to `state` (from `from`); else the supervision event's type */
  kind: 'state' | SupervisionEvent['type'];
  state?: unknown;
  from?: unknown;
  reason?: string;
  restarts?: number;
  delayMs?: number;
}

/** A node of the tree with what the log knows about it. */
export type ActorView = Omit<SupervisionNode, 'children'> & {
  /** when its current incarnation came up (supervisor clock); null while it is not up */
  startedAt: number | null;
  /** now − startedAt while it is running; null otherwise */
  uptimeMs: number | null;
  /** its recent transitions, oldest first (at most `perActor`) */
  transitions: ActorTransition[];
  children?: ActorView[];
};

export interface TransitionLogOptions {
  now: () => number;
  /** transitions kept per actor; default 20 */
  perActor?: number;
  /** transitions kept over all actors, for a stream that resumes; default 500 */
  total?: number;
}

interface ActorRecord {
  startedAt: number | null;
  transitions: ActorTransition[];
  /** the last state seen, compared as JSON (a nested state value is an object) */
  lastState?: string;
}

export class TransitionLog {
  private readonly now: () => number;
  private readonly perActor: number;
  private readonly total: number;
  private readonly actors = new Map<string, ActorRecord>();
  private readonly recent: ActorTransition[] = [];
  private readonly listeners = new Set<(t: ActorTransition) => void>();
  private seq = 0;

  constructor(opts: TransitionLogOptions) {
    this.now = opts.now;
    this.perActor = opts.perActor ?? 20;
    this.total = opts.total ?? 500;
  }

  /** The sequence of the last transition recorded (0 before any). */
  get lastSeq(): number {
    return this.seq;
  }

  /** A supervision event: starts and restarts begin an incarnation, the rest end it. */
  record(e: SupervisionEvent): void {
    const rec = this.recordOf(e.path);
    if (e.type === 'started' || e.type === 'restarted') {
      // 'restarted' follows the 'started' of the same incarnation: keep the earlier time
      if (e.type === 'started' || rec.startedAt === null) rec.startedAt = e.at;
    } else {
      rec.startedAt = null;
      delete rec.lastState; // the next incarnation's first state is a transition of its own
    }
    this.push(rec, {
      at: e.at,
      path: e.path,
      kind: e.type,
      ...(e.reason === undefined ? {} : { reason: e.reason }),
      ...(e.restarts === undefined ? {} : { restarts: e.restarts }),
      ...(e.delayMs === undefined ? {} : { delayMs: e.delayMs }),
    });
  }

  /** A snapshot value of the actor at `path`; recorded only when it differs from the last one. */
  state(path: string, value: unknown, at: number = this.now()): void {
    if (value === undefined) return;
    const rec = this.recordOf(path);
    const text = JSON.stringify(value);
    if (text === rec.lastState) return;
    const from = rec.lastState === undefined ? undefined : (JSON.parse(rec.lastState) as unknown);
    rec.lastState = text;
    this.push(rec, { at, path, kind: 'state', state: value, ...(from === undefined ? {} : { from }) });
  }

  /**
   * Follows one incarnation's snapshots (its state changes) until it ends. The subscription ends
   * with the actor; a snapshot without a `value` (a callback or promise actor) records nothing.
   */
  watch(path: string, actor: AnyActorRef): void {
    const observe = (snap: unknown): void => {
      const value = (snap as { value?: unknown } | undefined)?.value;
      this.state(path, value);
    };
    observe(actor.getSnapshot());
    actor.subscribe({ next: observe, error: () => undefined });
  }

  /** Transitions after `seq`, oldest first (only as far back as the log keeps). */
  since(seq: number): ActorTransition[] {
    return this.recent.filter((t) => t.seq > seq);
  }

  /** Calls `fn` with every transition from now on; returns the unsubscribe. */
  subscribe(fn: (t: ActorTransition) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** `node` and everything under it, with start times, uptimes and recent transitions. */
  view(node: SupervisionNode): ActorView {
    const rec = this.actors.get(node.path);
    const startedAt = rec?.startedAt ?? null;
    const { children, ...rest } = node;
    return {
      ...rest,
      startedAt,
      uptimeMs: startedAt !== null && node.status === 'running' ? Math.max(0, this.now() - startedAt) : null,
      transitions: rec ? [...rec.transitions] : [],
      ...(children === undefined ? {} : { children: children.map((c) => this.view(c)) }),
    };
  }

  private recordOf(path: string): ActorRecord {
    let rec = this.actors.get(path);
    if (!rec) {
      rec = { startedAt: null, transitions: [] };
      this.actors.set(path, rec);
    }
    return rec;
  }

  private push(rec: ActorRecord, t: Omit<ActorTransition, 'seq'>): void {
    const full: ActorTransition = { seq: ++this.seq, ...t };
    rec.transitions.push(full);
    if (rec.transitions.length > this.perActor) rec.transitions.shift();
    this.recent.push(full);
    if (this.recent.length > this.total) this.recent.shift();
    for (const fn of this.listeners) {
      try {
        fn(full);
      } catch {
        // one broken watcher (a closed stream) must not keep the others from hearing it
      }
    }
  }
}
