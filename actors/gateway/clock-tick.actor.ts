/**
 * The gateway role's wall clock on ORDERS: every FAKEOUT_CLOCK_TICK seconds a `orders.clock` tick
 * `{ at }` (id `clock:<at>`), `at` by the process's injected clock (the time oracle in live intake).
 * The execution gateway expires live pending approvals by it; it never moves the data clock, so
 * replays decide as before (docs/execution.md, "The gateway clock").
 *
 * A supervised ticker service (actors/app/ticker.service.ts): a failed publish is a crash, but
 * NATS going away makes it `reconnecting` until the connection is back.
 */
import type { Clock } from '../../adapters/time/clock.ts';
import { startTickerService } from '../app/ticker.service.ts';
import { CLOCK_SUBJECT, clockMsgId, type ClockTick } from '../execution/order-messages.ts';
import type { Bus } from '../stage/ports.ts';
import type { StageActor } from '../stage/stage.actor.ts';

/** The message of one tick at `at`. */
export const clockTick = (at: number): { subject: string; id: string; value: ClockTick } => ({
  subject: CLOCK_SUBJECT, id: clockMsgId(at), value: { kind: 'tick', symbol: 'clock', at },
});

export function startClockTickActor(deps: { bus: Bus; clock: Clock; intervalMs: number }): StageActor {
  return startTickerService('gateway-clock', {
    intervalMs: deps.intervalMs,
    connection: deps.bus.connection,
    tick: async () => void (await deps.bus.publishMany([clockTick(deps.clock.now())])),
  });
}
