/**
 * A periodic tick: `waiting` for the `interval` delay (XState `after`, so a test drives it with a
 * SimulatedClock), then `ticking` runs the injected `tick` actor (the gateway role's clock
 * publisher), then waits again. A failed tick ends the machine in `failed`, and the supervising
 * service restarts it: a publisher that cannot publish is a crash, not a silent gap.
 *
 * No I/O and no clock: the delay is given as input, the effect is provided by the wiring.
 */
import { assign, fromPromise, setup } from 'xstate';

export interface TickerInput {
  intervalMs: number;
}

export const tickerMachine = setup({
  types: {
    context: {} as { intervalMs: number; ticks: number; error: unknown },
    input: {} as TickerInput,
  },
  actors: {
    /** provided by the wiring: one tick's effect */
    tick: fromPromise<void>(async () => undefined),
  },
  delays: {
    interval: ({ context }) => context.intervalMs,
  },
}).createMachine({
  id: 'ticker',
  context: ({ input }) => ({ intervalMs: input.intervalMs, ticks: 0, error: null }),
  initial: 'waiting',
  states: {
    waiting: { after: { interval: 'ticking' } },
    ticking: {
      invoke: {
        src: 'tick',
        onDone: { target: 'waiting', actions: assign({ ticks: ({ context }) => context.ticks + 1 }) },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => event.error }) },
      },
    },
    failed: { type: 'final' },
  },
});
