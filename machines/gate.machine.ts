/**
 * The execution gate: `gated` (every order waits for a human approval) → `live` (orders flow
 * automatically) after `gatedTrades` approved fills; `paused` (nothing flows) the moment the
 * breaker opens, from either; back to `gated` (never straight to `live`) when the breaker closes.
 * docs/risk.md has the diagram.
 *
 * The wiring asks the snapshot, not the machine, what to do with an order intent:
 * `mayAutoSend` (live), `needsApproval` (gated), `isPaused` (paused). The machine does not hold
 * orders: while paused the gateway keeps intents in its outbox and decides on BREAKER_CLOSED
 * whether each is sent through the gate (now `gated`, so it needs an approval) or expired.
 *
 * Persistence: the context is plain JSON and the machine has no timers, so
 * `createActor(gateMachine, { snapshot })` restores it completely.
 */
import { assign, setup } from 'xstate';
import { checkGateThresholds, type GateThresholds } from '../actors/risk/index.ts';

export interface GateContext {
  thresholds: GateThresholds;
  /** approved fills counted in the current gated period */
  approvedFills: number;
  /** approved fills the current gated period needs before `live` */
  required: number;
  /** client order ids counted in the current gated period: a redelivered fill counts once */
  countedOrders: string[];
  /** whether the gate has ever been live (decides the count after a breaker reset) */
  everLive: boolean;
  /** `at` of the last state change (0: never changed since creation) */
  since: number;
}

export interface GateInput {
  thresholds?: Partial<GateThresholds>;
}

export type GateEvent =
  /** an order a person approved has filled; `orderId` is its client order id */
  | { type: 'APPROVED_FILL'; at: number; orderId: string; approvedBy: string }
  | { type: 'BREAKER_OPENED'; at: number }
  | { type: 'BREAKER_CLOSED'; at: number }
  /** the configuration's thresholds, sent by the wiring when a restored snapshot holds others */
  | { type: 'THRESHOLDS'; at: number; thresholds: Partial<GateThresholds> };

export type GateStateValue = 'gated' | 'live' | 'paused';

/** What the wiring writes to the audit log. */
export type GateNotice =
  | { kind: 'live' | 'paused' | 'gated'; at: number; approvedFills: number; required: number }
  | { kind: 'fillRejected'; at: number; problem: string }
  | { kind: 'thresholdsChanged'; at: number; before: GateThresholds; after: GateThresholds; approvedFills: number; required: number };

/** Orders may go to the broker without a person: only when live. */
export function mayAutoSend(snapshot: { value: unknown }): boolean {
  return snapshot.value === 'live';
}
/** Each order needs a verified human approval first. */
export function needsApproval(snapshot: { value: unknown }): boolean {
  return snapshot.value === 'gated';
}
/** Nothing may be sent; intents are held by the wiring. */
export function isPaused(snapshot: { value: unknown }): boolean {
  return snapshot.value === 'paused';
}

const isInstant = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isText = (x: unknown): x is string => typeof x === 'string' && x.trim() !== '';

/** What is wrong with an APPROVED_FILL, naming the field, or undefined. */
export function approvedFillProblem(e: Extract<GateEvent, { type: 'APPROVED_FILL' }>): string | undefined {
  if (!isInstant(e.at)) return `APPROVED_FILL.at: expected epoch milliseconds, got ${String(e.at)}`;
  if (!isText(e.orderId)) return `APPROVED_FILL.orderId: expected a non-empty string, got ${JSON.stringify(e.orderId) ?? String(e.orderId)}`;
  if (!isText(e.approvedBy)) return `APPROVED_FILL.approvedBy: expected a non-empty string, got ${JSON.stringify(e.approvedBy) ?? String(e.approvedBy)}`;
  return undefined;
}

const atOf = (e: GateEvent) => (isInstant(e.at) ? e.at : 0);

function thresholdsNotice(context: GateContext, event: GateEvent): GateNotice {
  const after = checkGateThresholds(event.type === 'THRESHOLDS' ? event.thresholds : context.thresholds);
  return {
    kind: 'thresholdsChanged', at: atOf(event), before: context.thresholds, after, approvedFills: context.approvedFills,
    required: context.everLive ? after.regateTrades : after.gatedTrades,
  };
}

function changed(kind: 'live' | 'paused' | 'gated') {
  return ({ context, event }: { context: GateContext; event: GateEvent }): GateNotice => ({
    kind,
    at: atOf(event),
    approvedFills: context.approvedFills,
    required: context.required,
  });
}

export const gateMachine = setup({
  types: {
    context: {} as GateContext,
    events: {} as GateEvent,
    input: {} as GateInput,
  },
  guards: {
    fillInvalid: ({ event }) => event.type === 'APPROVED_FILL' && approvedFillProblem(event) !== undefined,
    fillAlreadyCounted: ({ context, event }) => event.type === 'APPROVED_FILL' && context.countedOrders.includes(event.orderId),
    fillCompletesGating: ({ context }) => context.approvedFills + 1 >= context.required,
    gatingComplete: ({ context }) => context.approvedFills >= context.required,
  },
  actions: {
    // Placeholder: the wiring provides the real one (audit log + snapshot in one transaction).
    notify: (_, _notice: GateNotice) => undefined,
    countFill: assign(({ context, event }) => {
      if (event.type !== 'APPROVED_FILL') return {};
      return { approvedFills: context.approvedFills + 1, countedOrders: [...context.countedOrders, event.orderId] };
    }),
    // The count already made stays; only what the period needs follows the new thresholds.
    applyThresholds: assign(({ context, event }) => {
      if (event.type !== 'THRESHOLDS') return {};
      const thresholds = checkGateThresholds(event.thresholds);
      return { thresholds, required: context.everLive ? thresholds.regateTrades : thresholds.gatedTrades };
    }),
    markLive: assign({ everLive: true, since: ({ event }) => atOf(event) }),
    markPaused: assign({ since: ({ event }) => atOf(event) }),
    // POLICY: the first `live` needs `gatedTrades` approved fills in one unbroken gated period;
    // once the gate has been live, a breaker reset re-gates for `regateTrades`. Either way the
    // count starts again from zero: a trip says the last fills proved nothing.
    regate: assign(({ context, event }) => ({
      approvedFills: 0,
      countedOrders: [],
      required: context.everLive ? context.thresholds.regateTrades : context.thresholds.gatedTrades,
      since: atOf(event),
    })),
  },
}).createMachine({
  id: 'gate',
  context: ({ input }) => {
    const thresholds = checkGateThresholds(input?.thresholds);
    return { thresholds, approvedFills: 0, required: thresholds.gatedTrades, countedOrders: [], everLive: false, since: 0 };
  },
  initial: 'gated',
  on: {
    // From any state: the breaker opening stops everything at once.
    BREAKER_OPENED: { target: '.paused', actions: ['markPaused', { type: 'notify', params: changed('paused') }] },
    // POLICY: a changed FAKEOUT_GATED_TRADES / FAKEOUT_REGATE_TRADES applies at the next start,
    // audited with before and after; lowered to at most the fills already counted, `gated` goes
    // `live` (below). It never leaves `paused`: only the breaker closing does.
    THRESHOLDS: {
      actions: [
        { type: 'notify', params: ({ context, event }) => thresholdsNotice(context, event) },
        'applyThresholds',
      ],
    },
  },
  states: {
    gated: {
      always: { guard: 'gatingComplete', target: 'live', actions: ['markLive', { type: 'notify', params: changed('live') }] },
      on: {
        APPROVED_FILL: [
          {
            guard: 'fillInvalid',
            actions: {
              type: 'notify',
              params: ({ event }) => ({
                kind: 'fillRejected',
                at: atOf(event),
                problem: event.type === 'APPROVED_FILL' ? (approvedFillProblem(event) ?? '') : '',
              }),
            },
          },
          { guard: 'fillAlreadyCounted' },
          { guard: 'fillCompletesGating', target: 'live', actions: ['countFill', 'markLive', { type: 'notify', params: changed('live') }] },
          { actions: 'countFill' },
        ],
      },
    },
    live: {},
    paused: {
      on: {
        // Already paused: a repeated open changes nothing (and its time does not move `since`).
        BREAKER_OPENED: {},
        BREAKER_CLOSED: { target: 'gated', actions: ['regate', { type: 'notify', params: changed('gated') }] },
      },
    },
  },
});
