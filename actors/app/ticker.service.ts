/**
 * A supervised periodic service: every `intervalMs` it runs `tick` (the ticker machine's `after`
 * delay, machines/ticker.machine.ts). A failed tick ends the machine, which the service reports
 * as a crash for the supervisor to restart: a publisher that cannot publish is a crash, not a
 * silent gap. The gateway's wall clock (actors/gateway/clock-tick.actor.ts), the live-intake bar
 * clock (actors/ingest/bar-clock.actor.ts), the audit mirror, the integrity auditor and the drift
 * monitor are all this.
 *
 * With `connection` (the NATS connection under the service's bus), a tick that failed because
 * NATS went away (the connection dropped during it, is down, or JetStream answered "not
 * available") is not a crash: the service shows `reconnecting` (the stage machine's state, as a
 * stage does) until the connection is up, and the next tick tries again. Nothing is skipped by
 * that: every ticker here recomputes what is due from stored state at each tick.
 *
 * The inner ticker ends with the service however the service ends: drained, failed, stopped while
 * its first tick was still running (STOP in `starting` skips the drain), or stopped by force
 * (`actor.stop()`). Before, a service stopped in those last two ways left its ticker running on
 * with nothing supervising it: a drift monitor kept publishing trips after it was stopped.
 */
import { createActor, fromPromise } from 'xstate';
import { tickerMachine } from '../../machines/ticker.machine.ts';
import type { ConnectionWatch } from '../stage/ports.ts';
import type { StageActor } from '../stage/stage.actor.ts';
import { startServiceActor } from './service.actor.ts';

/** Whether a tick failed because NATS went away rather than because of the tick itself. */
export function tickLostConnection(conn: ConnectionWatch, err: unknown, dropsBefore: number): boolean {
  return conn.drops() !== dropsBefore || !conn.isUp() || conn.isTransient(err);
}

/** `immediate`: run one tick at start, before the first interval (a failure there is a crash). */
export function startTickerService(
  name: string,
  deps: { intervalMs: number; tick: () => Promise<void>; immediate?: boolean; connection?: ConnectionWatch | undefined },
): StageActor {
  let ticker: ReturnType<typeof createActor<typeof tickerMachine>> | undefined;
  let exited: (reason: string) => void = () => undefined;
  const ended = new Promise<string>((resolve) => (exited = resolve));
  const conn = deps.connection;
  let onLost: (reason: string) => void = () => undefined;
  let halted = false;
  const halt = (): void => {
    halted = true;
    ticker?.stop();
  };
  const tick = async (): Promise<void> => {
    const dropsBefore = conn?.drops() ?? 0;
    try {
      await deps.tick();
    } catch (err) {
      if (conn === undefined || !tickLostConnection(conn, err, dropsBefore)) throw err;
      onLost(err instanceof Error ? err.message : String(err));
    }
  };
  const actor = startServiceActor(name, {
    async start() {
      if (deps.immediate === true) await deps.tick();
      // stopped while the first tick ran: no ticker to start
      if (halted) return;
      const machine = tickerMachine.provide({ actors: { tick: fromPromise<void>(() => tick()) } });
      ticker = createActor(machine, { input: { intervalMs: deps.intervalMs } });
      ticker.subscribe((s) => {
        if (s.matches('failed')) exited(`${name} tick failed: ${String((s.context.error as Error)?.message ?? s.context.error)}`);
      });
      ticker.start();
    },
    exited: () => ended,
    async stop() {
      halt();
    },
    reconnected: conn === undefined ? undefined : () => conn.whenUp(),
  });
  // the machine's end (final state, or stopped by force) ends the ticker with it
  actor.subscribe({ complete: halt, error: halt });
  if (conn !== undefined) {
    const lost = (reason: string) => {
      if (actor.getSnapshot().status === 'active' && actor.getSnapshot().value === 'running') actor.send({ type: 'CONNECTION_LOST', reason });
    };
    onLost = lost;
    const unwatch = conn.onChange((up) => {
      if (actor.getSnapshot().status !== 'active') return unwatch();
      if (!up) lost('NATS connection lost');
    });
    actor.subscribe({ complete: unwatch, error: unwatch });
  }
  return actor;
}
