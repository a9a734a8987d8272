/**
 * Test doubles for the supervisor suites: tiny XState machines with the same exit contract as
 * fakeout's stage machines, and a fake clock/scheduler so backoff and timeouts run in zero time.
 */
import { assign, createActor, setup } from 'xstate';
import type { AnyActorRef } from 'xstate';
import type { RestartType, SupervisionEvent, SupervisorDeps, WorkerSpec } from '../../supervision/index.ts';

type TestEvent = { type: 'FAULT'; reason?: string } | { type: 'STOP' } | { type: 'FINISH' } | { type: 'BOOM' };

/** running → failed on FAULT (not final, like a parked stage), → stopped (final) on STOP, → finished (final) on FINISH; BOOM throws. */
export const cooperativeMachine = setup({
  types: { context: {} as { error: string | undefined }, events: {} as TestEvent },
  actions: {
    boom: () => {
      throw new Error('boom in action');
    },
  },
}).createMachine({
  id: 'cooperative',
  context: { error: undefined },
  initial: 'running',
  states: {
    running: {
      on: {
        FAULT: { target: 'failed', actions: assign({ error: ({ event }) => `fault injected: ${'reason' in event ? event.reason : ''}` }) },
        STOP: { target: 'stopped' },
        FINISH: { target: 'finished' },
        BOOM: { actions: 'boom' },
      },
    },
    failed: {},
    stopped: { type: 'final' },
    finished: { type: 'final' },
  },
});

/** Ignores STOP and FAULT: only a forced stop ends it. */
export const stubbornMachine = setup({ types: { events: {} as TestEvent } }).createMachine({
  id: 'stubborn',
  initial: 'running',
  states: { running: {} },
});

/** A fake clock and scheduler; `advance` runs due timers in time order and settles promises between them. */
export class FakeTime {
  now = 0;
  private seq = 0;
  private tasks: { at: number; seq: number; fn: () => void }[] = [];

  schedule = (fn: () => void, ms: number): { cancel(): void } => {
    const task = { at: this.now + ms, seq: this.seq++, fn };
    this.tasks.push(task);
    return { cancel: () => (this.tasks = this.tasks.filter((t) => t !== task)) };
  };

  pending(): number[] {
    return this.tasks.map((t) => t.at - this.now).sort((a, b) => a - b);
  }

  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    await settle();
    for (;;) {
      const due = this.tasks.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
      await settle();
    }
    this.now = target;
    await settle();
  }
}

/** Lets every queued promise continuation run (the supervisor's chain is promise-based). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Harness {
  time: FakeTime;
  events: SupervisionEvent[];
  deps: SupervisorDeps;
  /** every actor each worker id was started with, in order */
  actors: Map<string, AnyActorRef[]>;
  /** worker ids in the order their start() was called */
  starts: string[];
  rootFailures: { reason: string; err: unknown }[];
  /** events of one type as `path` strings, e.g. seen('stopped') */
  seen(type: SupervisionEvent['type']): string[];
  worker(id: string, restart?: RestartType, options?: { stubborn?: boolean; shutdownMs?: number; failStarts?: number }): WorkerSpec;
  latest(id: string): AnyActorRef;
}

/** Jitter 0 by default (random() = 0.5 leaves the delay unchanged) so delays are exact. */
export function harness(random: () => number = () => 0.5): Harness {
  const time = new FakeTime();
  const events: SupervisionEvent[] = [];
  const actors = new Map<string, AnyActorRef[]>();
  const starts: string[] = [];
  const rootFailures: { reason: string; err: unknown }[] = [];
  const deps: SupervisorDeps = {
    clock: { now: () => time.now },
    schedule: time.schedule,
    random,
    listener: (e) => events.push(e),
    onRootFailure: (reason, err) => rootFailures.push({ reason, err }),
  };
  return {
    time,
    events,
    deps,
    actors,
    starts,
    rootFailures,
    seen: (type) => events.filter((e) => e.type === type).map((e) => e.path),
    worker(id, restart = 'permanent', options = {}) {
      let failures = options.failStarts ?? 0;
      return {
        id,
        restart,
        ...(options.shutdownMs === undefined ? {} : { shutdownMs: options.shutdownMs }),
        start: () => {
          starts.push(id);
          if (failures > 0) {
            failures -= 1;
            throw new Error(`cannot start ${id}`);
          }
          const actor = createActor(options.stubborn ? stubbornMachine : cooperativeMachine);
          actors.set(id, [...(actors.get(id) ?? []), actor]);
          return actor.start();
        },
      };
    },
    latest(id) {
      const list = actors.get(id);
      const actor = list?.[list.length - 1];
      if (!actor) throw new Error(`no actor started for ${id}`);
      return actor;
    },
  };
}
