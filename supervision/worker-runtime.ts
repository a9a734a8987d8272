/**
 * Runs one worker child: starts an incarnation of its actor, watches it for an exit, stops it
 * politely (then by force), and injects faults. The supervisor decides what an exit means.
 *
 * The exit contract with the rest of fakeout:
 * - CRASH: snapshot status 'error', or the snapshot is in a `failed` state (stage machines park
 *   there with `context.error` saying why), or the actor was stopped by someone other than its
 *   supervisor;
 * - NORMAL EXIT: status 'done' without being in `failed`.
 */
import type { AnyActorRef, Subscription } from 'xstate';
import type { WorkerSpec } from './child-spec.ts';
import { DEFAULT_SHUTDOWN_MS } from './child-spec.ts';
import type { ChildExit } from './restart-strategy.ts';
import type { ScheduledTask, SupervisorDeps } from './supervision-event.ts';
import { errorText } from '../actors/domain/errors.ts';

/** Text of a reason that may be a string, an Error, or anything else. */
export const describeReason: (reason: unknown) => string = errorText;

interface SnapshotLike {
  status?: string;
  value?: unknown;
  error?: unknown;
  context?: { error?: unknown };
  matches?: (state: string) => boolean;
}

function inState(snap: SnapshotLike, state: string): boolean {
  if (snap.value === state) return true;
  try {
    return typeof snap.matches === 'function' && snap.value !== undefined && snap.matches(state);
  } catch {
    return false; // non-machine snapshots may carry a `matches` that does not take a state
  }
}

/** How a snapshot ends an incarnation, or undefined while it is still alive. */
export function classifySnapshot(snap: SnapshotLike): ChildExit | undefined {
  if (snap.status === 'error') return { kind: 'crash', reason: describeReason(snap.error) };
  if (inState(snap, 'failed')) {
    const why = snap.context?.error;
    return { kind: 'crash', reason: why === undefined || why === null ? 'entered failed state' : describeReason(why) };
  }
  if (snap.status === 'done') return { kind: 'normal', reason: 'exited normally' };
  if (snap.status === 'stopped') return { kind: 'crash', reason: 'actor was stopped outside its supervisor' };
  return undefined;
}

function hasStopped(snap: SnapshotLike): boolean {
  return snap.status !== 'active' || inState(snap, 'stopped');
}

/** Stop an actor without letting a late error escape as an unhandled exception. */
function stopQuietly(actor: AnyActorRef): void {
  try {
    actor.subscribe({ error: () => undefined });
    actor.stop();
  } catch {
    // a non-root actor cannot be stopped directly; the spec says start() must return a root actor
  }
}

interface Incarnation {
  actor: AnyActorRef;
  /** stop watching without reporting anything (the supervisor is stopping it) */
  detach: () => void;
  /** end it as a crash with this reason (forced fault) */
  crash: (reason: string) => void;
  faultTimer?: ScheduledTask;
}

export class WorkerRuntime {
  private live: Incarnation | undefined;
  private last: AnyActorRef | undefined;

  constructor(
    readonly spec: WorkerSpec,
    private readonly schedule: SupervisorDeps['schedule'],
    private readonly onIncarnation?: (actor: AnyActorRef) => void,
  ) {}

  /** The current incarnation's actor, or undefined while none is alive. */
  get actor(): AnyActorRef | undefined {
    return this.live?.actor;
  }

  /** Snapshot value of the current (or, once exited, the last) incarnation. */
  state(): unknown {
    const actor = this.live?.actor ?? this.last;
    return actor === undefined ? undefined : (actor.getSnapshot() as SnapshotLike | undefined)?.value;
  }

  /**
   * Starts a new incarnation; `onExit` is called at most once, when it crashes or exits by
   * itself (never for a stop made through {@link shutdown}). Rejects if `spec.start` throws.
   * `onExit` may be called before this resolves (an actor that errors as it starts).
   */
  async launch(onExit: (exit: ChildExit) => void): Promise<void> {
    const actor = await this.spec.start();
    this.last = actor;
    try {
      this.onIncarnation?.(actor);
    } catch {
      // an observer that fails (inspector, transition log) must not turn into a crash of the actor
    }
    let settled = false;
    let sub: Subscription | undefined;
    const incarnation: Incarnation = {
      actor,
      detach: () => {
        settled = true;
        sub?.unsubscribe();
        incarnation.faultTimer?.cancel();
        if (this.live === incarnation) this.live = undefined;
      },
      crash: (reason) => settle({ kind: 'crash', reason }),
    };
    const settle = (exit: ChildExit): void => {
      if (settled) return;
      incarnation.detach();
      // A `failed` state may not be final: release the actor so nothing keeps running in it.
      if (exit.kind === 'crash') stopQuietly(actor);
      onExit(exit);
    };
    const check = (snap: SnapshotLike): void => {
      const exit = classifySnapshot(snap);
      if (exit) settle(exit);
    };
    this.live = incarnation;
    sub = actor.subscribe({
      next: (snap) => check(snap as SnapshotLike),
      error: (err) => settle({ kind: 'crash', reason: describeReason(err) }),
      complete: () => check(actor.getSnapshot() as SnapshotLike),
    });
    if (settled) sub.unsubscribe();
    // Subscribing before starting means an error thrown by the start itself reaches us;
    // start() on an actor that is already running is a no-op in XState v5.
    if (!settled && (actor.getSnapshot() as SnapshotLike).status === 'active') actor.start();
    if (!settled) check(actor.getSnapshot() as SnapshotLike);
  }

  /**
   * Normal shutdown: send `STOP`, wait up to `shutdownMs` for the actor to stop (status not
   * 'active', or in a `stopped` state), then stop it by force. Resolves `forced: true` if the
   * timeout was hit; `undefined` if nothing was running.
   */
  async shutdown(): Promise<{ forced: boolean } | undefined> {
    const live = this.live;
    if (!live) return undefined;
    live.detach();
    const { actor } = live;
    if (hasStopped(actor.getSnapshot() as SnapshotLike)) {
      stopQuietly(actor);
      return { forced: false };
    }
    const timeoutMs = this.spec.shutdownMs ?? DEFAULT_SHUTDOWN_MS;
    const forced = await new Promise<boolean>((resolve) => {
      let finished = false;
      let sub: Subscription | undefined;
      const finish = (hitTimeout: boolean): void => {
        if (finished) return;
        finished = true;
        timer.cancel();
        sub?.unsubscribe();
        resolve(hitTimeout);
      };
      const timer = this.schedule(() => finish(true), timeoutMs);
      sub = actor.subscribe({
        next: (snap) => {
          if (hasStopped(snap as SnapshotLike)) finish(false);
        },
        error: () => finish(false),
        complete: () => finish(false),
      });
      try {
        actor.send({ type: 'STOP' });
      } catch {
        // an actor that cannot take the event is stopped by force at the timeout
      }
      if (hasStopped(actor.getSnapshot() as SnapshotLike)) finish(false);
    });
    stopQuietly(actor);
    return { forced };
  }

  /**
   * Sends `{ type: 'FAULT', reason }` to the live actor; if it has not crashed within
   * `timeoutMs` (it ignores FAULT), it is stopped by force and reported as a crash.
   * Returns false when no incarnation is alive to take the fault.
   */
  injectFault(reason: string | undefined, timeoutMs: number): boolean {
    const live = this.live;
    if (!live) return false;
    live.actor.send(reason === undefined ? { type: 'FAULT' } : { type: 'FAULT', reason });
    if (this.live !== live) return true; // crashed on the spot
    live.faultTimer?.cancel();
    live.faultTimer = this.schedule(() => {
      if (this.live === live) live.crash(`fault injected: ${reason ?? 'no reason given'}`);
    }, timeoutMs);
    return true;
  }
}
