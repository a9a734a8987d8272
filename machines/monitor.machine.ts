/**
 * A monitor's alert state: `normal` ⇄ `alert`, driven by one measured figure against one
 * threshold (the slippage monitor: realised/modelled ratio vs 1.5; the liquidity monitor: the
 * share of low-liquidity signals vs 0.30). The figure is computed by the monitor's pure logic and
 * sent in `MEASURED`; the machine only decides and remembers, so its persisted snapshot (kept in
 * the monitor stage's checkpoint) restores the state a person saw.
 *
 * POLICY: strict comparison (`value > threshold` alerts; exactly the threshold does not), and a
 * window that is not yet full (`judged: false`) never changes the state: too few observations are
 * not evidence either way. An alert clears only at or below `clearAt` (default the threshold):
 * a figure hovering around the threshold would otherwise alert and clear on every observation
 * (the demo replay's liquidity share did so 46 times), flooding the log and the audit trail.
 *
 * Transitions are reported through the injected `notify` action (the wiring logs, audits and
 * counts them in the same transaction as the snapshot). No I/O, no clock: `at` comes with the event.
 */
import { assign, setup } from 'xstate';

export interface MonitorInput {
  /** what is measured, for messages: `slippage ratio`, `low-liquidity share` */
  name: string;
  threshold: number;
  /** an alert clears at or below this (≤ threshold); default: the threshold itself */
  clearAt?: number;
}

export interface MonitorContext {
  name: string;
  threshold: number;
  clearAt: number;
  /** the last judged value (null before the first full window) */
  value: number | null;
  /** when the current state was entered (epoch ms of the event), null at the start */
  since: number | null;
  /** the figures that went with the last judged value */
  figures: Record<string, number>;
}

export type MonitorEvent = { type: 'MEASURED'; at: number; value: number; judged: boolean; figures?: Record<string, number> };

export type MonitorNotice = { kind: 'alert' | 'cleared'; name: string; at: number; value: number; threshold: number; figures: Record<string, number> };

const above = ({ context, event }: { context: MonitorContext; event: MonitorEvent }) => event.judged && event.value > context.threshold;
const atOrBelow = ({ context, event }: { context: MonitorContext; event: MonitorEvent }) => event.judged && event.value <= context.clearAt;

export const monitorMachine = setup({
  types: {
    context: {} as MonitorContext,
    events: {} as MonitorEvent,
    input: {} as MonitorInput,
  },
  guards: { above, atOrBelow },
  actions: {
    record: assign(({ event }) => (event.judged ? { value: event.value, figures: event.figures ?? {} } : {})),
    enter: assign(({ event }) => ({ since: event.at })),
    /** provided by the wiring; the placeholder keeps the machine usable with nothing provided */
    notify: (_: unknown, _notice: MonitorNotice) => undefined,
  },
}).createMachine({
  id: 'monitor',
  context: ({ input }) => ({ name: input.name, threshold: input.threshold, clearAt: Math.min(input.clearAt ?? input.threshold, input.threshold), value: null, since: null, figures: {} }),
  initial: 'normal',
  states: {
    normal: {
      on: {
        MEASURED: [
          {
            guard: 'above',
            target: 'alert',
            actions: [
              'record',
              'enter',
              {
                type: 'notify',
                params: ({ context, event }) => ({ kind: 'alert', name: context.name, at: event.at, value: event.value, threshold: context.threshold, figures: event.figures ?? {} }),
              },
            ],
          },
          { actions: 'record' },
        ],
      },
    },
    alert: {
      on: {
        MEASURED: [
          {
            guard: 'atOrBelow',
            target: 'normal',
            actions: [
              'record',
              'enter',
              {
                type: 'notify',
                params: ({ context, event }) => ({ kind: 'cleared', name: context.name, at: event.at, value: event.value, threshold: context.threshold, figures: event.figures ?? {} }),
              },
            ],
          },
          { actions: 'record' },
        ],
      },
    },
  },
});
