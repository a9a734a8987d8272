/**
 * Two small pieces of a supervisor's plumbing: a queue that runs async operations one at a
 * time (so a decision and the stops/starts it causes never interleave with another's), and a
 * set of pending timers that can all be cancelled when the supervisor stops or gives up.
 */
import type { ScheduledTask, SupervisorDeps } from './supervision-event.ts';

/** Runs queued operations strictly one after another, in the order they were queued. */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  /** Queues `op`; the returned promise settles with it. A failing op does not block the queue. */
  run(op: () => Promise<void>): Promise<void> {
    const next = this.tail.then(op);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** Timers scheduled through the injected scheduler, cancellable together. */
export class TimerSet {
  private readonly tasks = new Set<ScheduledTask>();

  constructor(private readonly schedule: SupervisorDeps['schedule']) {}

  later(ms: number, fn: () => void): void {
    // The holder tolerates a scheduler that runs `fn` before returning its handle.
    const holder: { task?: ScheduledTask } = {};
    holder.task = this.schedule(() => {
      if (holder.task) this.tasks.delete(holder.task);
      fn();
    }, ms);
    this.tasks.add(holder.task);
  }

  cancelAll(): void {
    for (const task of this.tasks) task.cancel();
    this.tasks.clear();
  }
}
