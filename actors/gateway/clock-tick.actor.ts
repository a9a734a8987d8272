/**
 * The gateway role's wall clock on ORDERS: every FAKEOUT_CLOCK_TICK seconds a `orders.clock` tick
 * `{ at }` (id `clock:<at>`), `at` by the process's injected clock (the time oracle in live intake).
 * The execution gateway expires live pending approvals by it; it never moves the data clock, so
 * replays decide as before (docs/execution.md, "The gateway clock").
 *
 * A supervised service: the interval is the ticker machine's `after` delay; a failed publish ends
 * the machine, which the service reports as a crash for the supervisor to restart.
 */
import { createActor, fromPromise } from 'xstate';
import type { Clock } from '../../adapters/time/clock.ts';
import { tickerMachine } from '../../machines/ticker.machine.ts';
import { startServiceActor } from '../app/service.actor.ts';
import { CLOCK_SUBJECT, clockMsgId, type ClockTick } from '../execution/order-messages.ts';
import type { Bus } from '../stage/ports.ts';
import type { StageActor } from '../stage/stage.actor.ts';

/** The message of one tick at `at`. */
export const clockTick = (at: number): { subject: string; id: string; value: ClockTick } => ({
  subject: CLOCK_SUBJECT, id: clockMsgId(at), value: { kind: 'tick', symbol: 'clock', at },
});

export function startClockTickActor(deps: { bus: Bus; clock: Clock; intervalMs: number }): StageActor {
  let ticker: ReturnType<typeof createActor<typeof tickerMachine>> | undefined;
  let exited: (reason: string) => void = () => undefined;
  const ended = new Promise<string>((resolve) => (exited = resolve));
  return startServiceActor('gateway-clock', {
    async start() {
      const machine = tickerMachine.provide({
        actors: { tick: fromPromise<void>(async () => void (await deps.bus.publishMany([clockTick(deps.clock.now())]))) },
      });
      ticker = createActor(machine, { input: { intervalMs: deps.intervalMs } });
      ticker.subscribe((s) => {
        if (s.matches('failed')) exited(`clock tick failed: ${String((s.context.error as Error)?.message ?? s.context.error)}`);
      });
      ticker.start();
    },
    exited: () => ended,
    async stop() {
      ticker?.stop();
    },
  });
}
