/**
 * A supervised periodic service: every `intervalMs` it runs `tick` (the ticker machine's `after`
 * delay, machines/ticker.machine.ts). A failed tick ends the machine, which the service reports
 * as a crash for the supervisor to restart: a publisher that cannot publish is a crash, not a
 * silent gap. The gateway's wall clock (actors/gateway/clock-tick.actor.ts) and the live-intake
 * bar clock (actors/ingest/bar-clock.actor.ts) are both this.
 */
import { createActor, fromPromise } from 'xstate';
import { tickerMachine } from '../../machines/ticker.machine.ts';
import type { StageActor } from '../stage/stage.actor.ts';
import { startServiceActor } from './service.actor.ts';

/** `immediate`: run one tick at start, before the first interval (a failure there is a crash). */
export function startTickerService(name: string, deps: { intervalMs: number; tick: () => Promise<void>; immediate?: boolean }): StageActor {
  let ticker: ReturnType<typeof createActor<typeof tickerMachine>> | undefined;
  let exited: (reason: string) => void = () => undefined;
  const ended = new Promise<string>((resolve) => (exited = resolve));
  return startServiceActor(name, {
    async start() {
      if (deps.immediate === true) await deps.tick();
      const machine = tickerMachine.provide({ actors: { tick: fromPromise<void>(() => deps.tick()) } });
      ticker = createActor(machine, { input: { intervalMs: deps.intervalMs } });
      ticker.subscribe((s) => {
        if (s.matches('failed')) exited(`${name} tick failed: ${String((s.context.error as Error)?.message ?? s.context.error)}`);
      });
      ticker.start();
    },
    exited: () => ended,
    async stop() {
      ticker?.stop();
    },
  });
}
