/**
 * An OTP-style supervisor for XState actors: starts its children in order, restarts them by
 * strategy with backoff, gives up past its restart intensity (its parent then decides), and
 * stops them in reverse order. Nested supervisors are children like workers.
 *
 * Concurrency: every decision and every start/stop runs on one promise chain per supervisor,
 * so two crashes never interleave their stops and starts. Backoff waits happen OUTSIDE the
 * chain (a timer enqueues the start), so under one_for_one a child waiting out its backoff
 * does not delay a sibling's restart. Each child slot carries an `epoch`, bumped whenever the
 * supervisor takes the slot in hand; an exit report from an older epoch is stale and ignored.
 */
import type { AnyActorRef } from 'xstate';
import { FakeoutError } from '../actors/domain/errors.ts';
import { backoffDelay } from './backoff.ts';
import { isSupervisorSpec } from './child-spec.ts';
import type { RestartType, SupervisorSpec } from './child-spec.ts';
import { RestartIntensity } from './restart-intensity.ts';
import { restartGroup, shouldRestart } from './restart-strategy.ts';
import type { ChildExit } from './restart-strategy.ts';
import { SerialQueue, TimerSet } from './serial-queue.ts';
import type { NodeStatus, SupervisionEvent, SupervisionNode, SupervisorDeps } from './supervision-event.ts';
import { validateSupervisorSpec } from './validate-spec.ts';
import { WorkerRuntime, describeReason } from './worker-runtime.ts';

interface Slot {
  readonly id: string;
  readonly path: string;
  readonly restart: RestartType;
  readonly runtime: WorkerRuntime | Supervisor;
  status: NodeStatus;
  /** restarts of this child since the tree was built (for tree()) */
  restarts: number;
  lastError?: string;
  epoch: number;
  /** the pending start group it belongs to; 0 = none */
  token: number;
  /** ended for good in this supervisor incarnation (not restarting, no decision pending) */
  done: boolean;
  lastExit?: ChildExit;
  /** when it was restarted, to count "restart n" for backoff */
  restartTimes: number[];
  /** has had an incarnation in this supervisor incarnation (so starting it again is a restart) */
  startedOnce: boolean;
}

const DEFAULT_FAULT_TIMEOUT_MS = 1000;

function incarnationHook(deps: SupervisorDeps, path: string): ((actor: AnyActorRef) => void) | undefined {
  const hook = deps.onIncarnation;
  return hook === undefined ? undefined : (actor) => hook(path, actor);
}

export class Supervisor {
  readonly id: string;
  /** ids from the root joined by '/' */
  readonly path: string;
  private status: NodeStatus = 'stopped';
  private closing = false;
  private readonly slots: Slot[];
  private readonly intensity: RestartIntensity;
  private readonly timers: TimerSet;
  private readonly queue = new SerialQueue();
  private tokenSeq = 0;
  private onExit: ((exit: ChildExit) => void) | undefined;

  /** Throws FAKEOUT_ERR_CONFIG_INVALID for a malformed spec (duplicate ids, '/' in an id, …). */
  constructor(
    readonly spec: SupervisorSpec,
    private readonly deps: SupervisorDeps,
    parentPath?: string,
  ) {
    if (parentPath === undefined) validateSupervisorSpec(spec);
    this.id = spec.id;
    this.path = parentPath === undefined ? spec.id : `${parentPath}/${spec.id}`;
    this.timers = new TimerSet(deps.schedule);
    this.intensity = new RestartIntensity(spec.intensity.maxRestarts, spec.intensity.withinMs);
    this.slots = spec.children.map((child) => ({
      id: child.id,
      path: `${this.path}/${child.id}`,
      restart: child.restart ?? 'permanent',
      runtime: isSupervisorSpec(child) ? new Supervisor(child, deps, this.path) : new WorkerRuntime(child, deps.schedule, incarnationHook(deps, `${this.path}/${child.id}`)),
      status: 'stopped' as NodeStatus,
      restarts: 0,
      epoch: 0,
      token: 0,
      done: false,
      restartTimes: [],
      startedOnce: false,
    }));
  }

  /**
   * Starts the children in order (nested supervisors start theirs). Resolves once each has been
   * started or has failed to start; a failed start is a crash of that child, handled by the
   * strategy like any other. No-op while already starting or running.
   */
  start(): Promise<void> {
    return this.launch(undefined);
  }

  /** @internal how a parent starts this supervisor as its child; `onExit` hears it give up. */
  async launch(onExit: ((exit: ChildExit) => void) | undefined): Promise<void> {
    if (this.status === 'starting' || this.status === 'running') return;
    this.onExit = onExit;
    this.closing = false;
    this.status = 'starting';
    this.intensity.reset();
    const token = ++this.tokenSeq;
    for (const slot of this.slots) {
      slot.status = 'starting';
      slot.token = token;
      slot.done = false;
      slot.restartTimes = [];
      slot.startedOnce = false;
    }
    await this.queue.run(async () => {
      await this.startGroup(token, undefined);
      if (this.closing) return;
      this.status = 'running';
      this.emit({ type: 'started', path: this.path });
    });
  }

  /** Stops the children in reverse order (each within its shutdown timeout), then itself. */
  async stop(): Promise<void> {
    if (this.status === 'stopped' || this.status === 'failed') return;
    this.closing = true;
    this.timers.cancelAll();
    await this.queue.run(async () => {
      if (this.status === 'stopped' || this.status === 'failed') return;
      await this.stopAll('shutdown');
      this.status = 'stopped';
      this.emit({ type: 'stopped', path: this.path, reason: 'shutdown' });
    });
  }

  /**
   * Makes the worker at `path` (e.g. `root/pipeline/feature-engine`) crash: it is sent
   * `{ type: 'FAULT', reason }` and, if it has not crashed after `deps.faultTimeoutMs` (1 s),
   * stopped by force and reported as crashed. A supervisor path makes that supervisor give up
   * as if its intensity were exceeded. Returns false if the target is not running right now.
   * Throws FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD for an unknown path.
   */
  injectFault(path: string, reason?: string): boolean {
    const target = this.resolve(path);
    if (target instanceof WorkerRuntime) {
      return target.injectFault(reason, this.deps.faultTimeoutMs ?? DEFAULT_FAULT_TIMEOUT_MS);
    }
    return target.fault(reason);
  }

  /** The live actor of the worker at `path` (current incarnation); undefined while it is down. */
  get(path: string): AnyActorRef | undefined {
    const target = this.resolve(path);
    if (target instanceof Supervisor) {
      throw new FakeoutError('FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD', `${path} is a supervisor, not a worker`, { details: { path } });
    }
    return target.actor;
  }

  /** JSON-serialisable snapshot of this supervisor and everything under it. */
  tree(): SupervisionNode {
    return this.node(this.status, 0, undefined);
  }

  /** @internal give up on purpose (fault injection); false if not running. */
  fault(reason: string | undefined): boolean {
    if (this.closing || (this.status !== 'running' && this.status !== 'starting')) return false;
    const error = new FakeoutError('FAKEOUT_ERR_STAGE_FAULT', `fault injected: ${reason ?? 'no reason given'}`, {
      details: { path: this.path },
    });
    void this.queue.run(() => this.giveUp(error));
    return true;
  }

  private node(status: NodeStatus, restarts: number, lastError: string | undefined): SupervisionNode {
    return {
      id: this.id,
      path: this.path,
      kind: 'supervisor',
      strategy: this.spec.strategy,
      status,
      restarts,
      ...(lastError === undefined ? {} : { lastError }),
      children: this.slots.map((slot) => {
        if (slot.runtime instanceof Supervisor) return slot.runtime.node(slot.status, slot.restarts, slot.lastError);
        const state = slot.runtime.state();
        return {
          id: slot.id,
          path: slot.path,
          kind: 'worker' as const,
          status: slot.status,
          ...(state === undefined ? {} : { state }),
          restarts: slot.restarts,
          ...(slot.lastError === undefined ? {} : { lastError: slot.lastError }),
        };
      }),
    };
  }

  /**
   * The runtime at full supervision path `path`. WHY this.path and not this.id: a supervisor built
   * under another tree (the gateway's held stages, actors/app/gateway-lease.ts) names its children
   * by their full path, as its tree() reports them; at the root the two are the same.
   */
  private resolve(path: string): WorkerRuntime | Supervisor {
    const rest = path === this.path ? [] : path.startsWith(`${this.path}/`) ? path.slice(this.path.length + 1).split('/') : undefined;
    let target: WorkerRuntime | Supervisor | undefined = rest === undefined ? undefined : this;
    for (const id of rest ?? []) {
      target = target instanceof Supervisor ? target.slots.find((s) => s.id === id)?.runtime : undefined;
    }
    if (target) return target;
    throw new FakeoutError('FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD', `no actor at supervision path ${path}`, { details: { path } });
  }

  /** Starts, in spec order, the children waiting in start group `token`. */
  private async startGroup(token: number, restart: { delayMs: number } | undefined): Promise<void> {
    for (const slot of this.slots) {
      if (this.closing) return;
      if (slot.token !== token) continue;
      slot.token = 0;
      // A child held back by a sibling's failed start was never up: its first start is no restart.
      const isRestart = restart !== undefined && slot.startedOnce;
      slot.startedOnce = true;
      if (isRestart) slot.restarts += 1;
      if (await this.launchSlot(slot)) {
        if (isRestart) this.emit({ type: 'restarted', path: slot.path, restarts: slot.restarts, delayMs: restart.delayMs });
        continue;
      }
      // It went down as it started. Unless only it is affected (one_for_one) or nothing will
      // restart it, stop here: its restart will take the rest of this group with it.
      const exit = slot.lastExit;
      if (this.spec.strategy !== 'one_for_one' && exit && shouldRestart(slot.restart, exit)) return;
    }
  }

  /** One start attempt; true if the child is up. A throw or an exit during start is a crash/exit. */
  private async launchSlot(slot: Slot): Promise<boolean> {
    const epoch = ++slot.epoch;
    slot.status = 'starting';
    delete slot.lastExit;
    try {
      await slot.runtime.launch((exit) => this.onChildExit(slot, epoch, exit));
    } catch (err) {
      this.onChildExit(slot, epoch, { kind: 'crash', reason: `start failed: ${describeReason(err)}` });
      return false;
    }
    if (slot.epoch !== epoch || slot.status !== 'starting') return false;
    slot.status = 'running';
    if (slot.runtime instanceof WorkerRuntime) this.emit({ type: 'started', path: slot.path });
    return true;
  }

  /** A child reports its exit (from its own callback, any time): record it, decide on the chain. */
  private onChildExit(slot: Slot, epoch: number, exit: ChildExit): void {
    if (slot.epoch !== epoch) return;
    slot.lastExit = exit;
    if (exit.kind === 'crash') {
      slot.status = 'failed';
      slot.lastError = exit.reason;
      this.emit({ type: 'crashed', path: slot.path, reason: exit.reason });
    } else {
      slot.status = 'stopped';
      this.emit({ type: 'stopped', path: slot.path, reason: exit.reason ?? 'exited normally' });
    }
    void this.queue.run(() => this.handleExit(slot, epoch, exit));
  }

  private async handleExit(slot: Slot, epoch: number, exit: ChildExit): Promise<void> {
    if (this.closing || slot.epoch !== epoch) return;
    if (!shouldRestart(slot.restart, exit)) {
      slot.done = true;
      return;
    }
    const now = this.deps.clock.now();
    const { maxRestarts, withinMs } = this.spec.intensity;
    if (!this.intensity.record(now)) {
      const message = `${this.path} gave up: more than ${maxRestarts} restarts within ${withinMs} ms (last: ${slot.path}, ${exit.reason ?? 'normal exit'})`;
      await this.giveUp(
        new FakeoutError('FAKEOUT_ERR_SUPERVISOR_INTENSITY', message, { details: { path: this.path, child: slot.path, maxRestarts, withinMs } }),
      );
      return;
    }
    const index = this.slots.indexOf(slot);
    const group = restartGroup(this.spec.strategy, this.slots, index);
    // POLICY: siblings go down latest-started first, as in a shutdown, before anything restarts.
    const goingDown = [...group.restart, ...group.stopOnly].filter((i) => i !== index).sort((a, b) => b - a);
    for (const i of goingDown) {
      const sibling = this.slots[i]!;
      sibling.epoch += 1;
      await this.stopSlot(sibling, `stopped by ${this.spec.strategy} after ${slot.id} ${exit.kind === 'crash' ? 'crashed' : 'exited'}`);
    }
    for (const i of group.stopOnly) {
      const temporary = this.slots[i]!;
      temporary.status = 'stopped';
      temporary.done = true;
      temporary.token = 0;
    }
    slot.restartTimes = slot.restartTimes.filter((t) => now - t < withinMs).concat(now);
    const delayMs = backoffDelay(slot.restartTimes.length, this.spec.backoff, this.deps.random);
    const token = ++this.tokenSeq;
    for (const i of group.restart) {
      const member = this.slots[i]!;
      member.epoch += 1;
      member.token = token;
      member.status = 'restarting';
    }
    this.timers.later(delayMs, () => void this.queue.run(() => this.startGroup(token, { delayMs })));
  }

  /** Past intensity (or faulted): stop everything, fail, and tell the parent (or the root hook). */
  private async giveUp(error: FakeoutError): Promise<void> {
    // Already stopping (or stopped) for another reason: that shutdown wins, nothing to escalate.
    if (this.closing || this.status === 'stopped' || this.status === 'failed') return;
    this.closing = true;
    this.timers.cancelAll();
    await this.stopAll('supervisor gave up');
    this.status = 'failed';
    this.emit({ type: 'escalated', path: this.path, reason: error.message });
    if (this.onExit) this.onExit({ kind: 'crash', reason: error.message });
    else this.deps.onRootFailure?.(error.message, error);
  }

  private async stopAll(reason: string): Promise<void> {
    for (const slot of [...this.slots].reverse()) {
      slot.epoch += 1;
      slot.token = 0;
      await this.stopSlot(slot, reason);
      if (slot.status !== 'failed') slot.status = 'stopped';
    }
  }

  private async stopSlot(slot: Slot, reason: string): Promise<void> {
    if (slot.runtime instanceof Supervisor) {
      await slot.runtime.stop();
      return;
    }
    const result = await slot.runtime.shutdown();
    if (!result) return;
    slot.status = 'stopped';
    this.emit({ type: 'stopped', path: slot.path, reason: result.forced ? `${reason}; shutdown timed out, stopped by force` : reason });
  }

  private emit(event: Omit<SupervisionEvent, 'at'>): void {
    try {
      this.deps.listener({ ...event, at: this.deps.clock.now() });
    } catch {
      // A broken listener (logging, metrics) must never take the supervision tree down with it.
    }
  }
}
