/**
 * The circuit breaker: closed (trading allowed) → open (tripped) → halfOpen (cooled down,
 * waiting for a person) → closed (after a verified approver's RESET). docs/risk.md has the
 * diagram and the formulas; the trip conditions are pure (actors/risk/breaker-conditions.ts).
 *
 * The machine does no I/O and reads no clock: every event carries `at` (epoch ms from the
 * wiring's injected clock) and the cooldown is an XState `after` delay, so it runs on the
 * actor's clock (a `SimulatedClock` in tests, the data's clock in a replay).
 *
 * Everything the audit log must record (a trip, the cooldown elapsing, a reset, a refused
 * reset, a rejected observation) goes through the `notify` action, which the wiring provides
 * with `.provide({ actions: { notify: (_, notice) => … } })`; it should buffer the notices and
 * write them in the same transaction as `getPersistedSnapshot()`.
 *
 * POLICY: trading resumes only through halfOpen, only on a RESET whose human approval the wiring
 * has already verified (TOTP), from an admin or approver. Nothing else closes the breaker.
 *
 * Persistence: the context is plain JSON. XState does not persist a pending `after` timer, so
 * after `createActor(breakerMachine, { snapshot })` the wiring sends `RESTORED { at: now }`:
 * in `open` it re-arms the cooldown for what is left of it (from the trip's `at`).
 */
import { assign, setup } from 'xstate';
import {
  checkBreakerThresholds,
  emptyWindows,
  monitorTrip,
  observationProblem,
  observe,
  windowsAfterReset,
  type BreakerThresholds,
  type BreakerWindows,
  type EquityObservation,
  type FillObservation,
  type Observation,
  type OrderResultObservation,
  type TradeClosedObservation,
  type Trip,
} from '../actors/risk/index.ts';

/** Roles whose verified approval may close the breaker. */
export const RESET_ROLES: readonly string[] = Object.freeze(['admin', 'approver']);
/** Trips kept in `context.history`. */
export const TRIP_HISTORY = 10;

/** One trip: when, and every condition that tripped at that moment (usually one). */
export interface TripRecord {
  at: number;
  trips: Trip[];
}

export type ResetRefusal = 'notOpen' | 'cooldown' | 'malformed' | 'unverified' | 'role';

export interface BreakerContext {
  thresholds: BreakerThresholds;
  windows: BreakerWindows;
  /** the trip that holds the breaker open or half-open; null when closed */
  trip: TripRecord | null;
  /** the last TRIP_HISTORY trips, newest last */
  history: TripRecord[];
  /** the delay the open state's cooldown timer was armed with, ms */
  cooldownRemainingMs: number;
  /** the latest valid `at` seen; stands in for a monitor TRIP whose own `at` is malformed */
  lastAt: number;
  lastReset: { user: string; role: string; at: number } | null;
  lastRefusal: { user: string; role: string; at: number; refusal: ResetRefusal } | null;
}

export interface BreakerInput {
  thresholds?: Partial<BreakerThresholds>;
}

export type MonitorTripEvent = { type: 'TRIP'; at: number; reason: string; figures: Record<string, number> };
/** A person's request to resume trading. `verified`: the wiring checked their TOTP code. */
export type ResetEvent = { type: 'RESET'; at: number; user: string; role: string; verified: boolean };

export type BreakerEvent =
  | FillObservation
  | TradeClosedObservation
  | OrderResultObservation
  | EquityObservation
  | MonitorTripEvent
  | ResetEvent
  | { type: 'RESTORED'; at: number }
  /** the configuration's thresholds, sent by the wiring before RESTORED when the snapshot holds others */
  | { type: 'THRESHOLDS'; at: number; thresholds: Partial<BreakerThresholds> };

/** What the wiring writes to the audit log. */
export type BreakerNotice =
  | { kind: 'tripped'; at: number; trips: Trip[] }
  | { kind: 'cooldownElapsed'; at: number }
  | { kind: 'reset'; at: number; user: string; role: string }
  | { kind: 'resetRefused'; at: number; user: string; role: string; refusal: ResetRefusal }
  | { kind: 'observationRejected'; at: number; problem: string }
  | { kind: 'thresholdsChanged'; at: number; before: BreakerThresholds; after: BreakerThresholds };

export type BreakerStateValue = 'closed' | 'open' | 'halfOpen';

/** True only when closed. Works on a live snapshot and on a persisted one. */
export function tradingAllowed(snapshot: { value: unknown }): boolean {
  return snapshot.value === 'closed';
}

const isInstant = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isObservation = (e: BreakerEvent): e is Observation =>
  e.type === 'FILL' || e.type === 'TRADE_CLOSED' || e.type === 'ORDER_RESULT' || e.type === 'EQUITY';

/** Why a RESET cannot close a half-open breaker, or undefined when it can. */
export function resetRefusal(e: ResetEvent): ResetRefusal | undefined {
  if (!isInstant(e.at) || typeof e.user !== 'string' || e.user.trim() === '' || typeof e.role !== 'string') return 'malformed';
  if (e.verified !== true) return 'unverified';
  return RESET_ROLES.includes(e.role) ? undefined : 'role';
}

function withTrip(context: BreakerContext, record: TripRecord): Partial<BreakerContext> {
  const history = [...context.history, record];
  return {
    trip: record,
    history: history.slice(Math.max(0, history.length - TRIP_HISTORY)),
    cooldownRemainingMs: context.thresholds.cooldownMs,
  };
}

function refusalOf(event: BreakerEvent, refusal: ResetRefusal | undefined) {
  const e = event as ResetEvent;
  const str = (x: unknown) => (typeof x === 'string' ? x : String(x));
  return { user: str(e.user), role: str(e.role), at: isInstant(e.at) ? e.at : 0, refusal: refusal ?? 'malformed' };
}

export const breakerMachine = setup({
  types: {
    context: {} as BreakerContext,
    events: {} as BreakerEvent,
    input: {} as BreakerInput,
  },
  delays: {
    cooldown: ({ context }) => context.cooldownRemainingMs,
  },
  guards: {
    observationInvalid: ({ event }) => isObservation(event) && observationProblem(event) !== undefined,
    observationTrips: ({ context, event }) => isObservation(event) && observe(context.windows, event, context.thresholds).trips.length > 0,
    resetApproved: ({ event }) => event.type === 'RESET' && resetRefusal(event) === undefined,
  },
  actions: {
    // Placeholder: the wiring provides the real one (audit log + snapshot in one transaction).
    notify: (_, _notice: BreakerNotice) => undefined,
    fold: assign(({ context, event }) => {
      if (!isObservation(event)) return {};
      return { windows: observe(context.windows, event, context.thresholds).windows, lastAt: Math.max(context.lastAt, event.at) };
    }),
    foldAndTrip: assign(({ context, event }) => {
      if (!isObservation(event)) return {};
      const { windows, trips } = observe(context.windows, event, context.thresholds);
      return { windows, lastAt: Math.max(context.lastAt, event.at), ...withTrip(context, { at: event.at, trips }) };
    }),
    recordMonitorTrip: assign(({ context, event }) => {
      if (event.type !== 'TRIP') return {};
      const at = isInstant(event.at) ? event.at : context.lastAt;
      let trip = monitorTrip(event.reason, event.figures);
      if (!isInstant(event.at)) trip = { ...trip, reason: `${trip.reason} (malformed TRIP.at ${String(event.at)}; time of the last valid event used)`, figures: {} };
      return { lastAt: Math.max(context.lastAt, at), ...withTrip(context, { at, trips: [trip] }) };
    }),
    applyThresholds: assign(({ event }) => (event.type === 'THRESHOLDS' ? { thresholds: checkBreakerThresholds(event.thresholds) } : {})),
    rearmCooldown: assign(({ context, event }) => {
      if (event.type !== 'RESTORED' || context.trip === null) return {};
      const due = context.trip.at + context.thresholds.cooldownMs;
      // An unreadable restart time re-arms the whole cooldown: waiting longer is the safe side.
      return { cooldownRemainingMs: isInstant(event.at) ? Math.max(0, due - event.at) : context.thresholds.cooldownMs };
    }),
    applyReset: assign(({ context, event }) => {
      if (event.type !== 'RESET') return {};
      return {
        trip: null,
        windows: windowsAfterReset(context.windows),
        lastReset: { user: event.user, role: event.role, at: event.at },
        lastAt: Math.max(context.lastAt, event.at),
      };
    }),
    recordRefusal: assign({
      lastRefusal: ({ event }, refusal: ResetRefusal | undefined) => refusalOf(event, refusal ?? (event.type === 'RESET' ? resetRefusal(event) : undefined)),
    }),
  },
}).createMachine({
  id: 'breaker',
  context: ({ input }) => ({
    thresholds: checkBreakerThresholds(input?.thresholds),
    windows: emptyWindows(),
    trip: null,
    history: [],
    cooldownRemainingMs: 0,
    lastAt: 0,
    lastReset: null,
    lastRefusal: null,
  }),
  initial: 'closed',
  // Facts keep flowing into the windows whatever the state (so the figures stay current);
  // only `closed` judges them, below.
  on: {
    FILL: [{ guard: 'observationInvalid', actions: { type: 'notify', params: rejected } }, { actions: 'fold' }],
    TRADE_CLOSED: [{ guard: 'observationInvalid', actions: { type: 'notify', params: rejected } }, { actions: 'fold' }],
    ORDER_RESULT: [{ guard: 'observationInvalid', actions: { type: 'notify', params: rejected } }, { actions: 'fold' }],
    EQUITY: [{ guard: 'observationInvalid', actions: { type: 'notify', params: rejected } }, { actions: 'fold' }],
    // A monitor's trip opens the breaker from any state; in open it restarts the cooldown.
    TRIP: { target: '#breaker.open', reenter: true, actions: ['recordMonitorTrip', { type: 'notify', params: tripped }] },
    // POLICY: changed FAKEOUT_BREAKER_* values apply at the next start, audited with before and
    // after; the state stays (an open breaker stays open; its cooldown is re-armed by RESTORED,
    // which the wiring sends next, from the new cooldown).
    THRESHOLDS: {
      actions: [
        {
          type: 'notify',
          params: ({ context, event }) => ({
            kind: 'thresholdsChanged', at: isInstant(event.at) ? event.at : context.lastAt, before: context.thresholds,
            after: checkBreakerThresholds(event.type === 'THRESHOLDS' ? event.thresholds : context.thresholds),
          }),
        },
        'applyThresholds',
      ],
    },
  },
  states: {
    closed: {
      on: {
        FILL: judged(),
        TRADE_CLOSED: judged(),
        ORDER_RESULT: judged(),
        EQUITY: judged(),
        RESET: { actions: [{ type: 'recordRefusal', params: 'notOpen' }, { type: 'notify', params: refusedNotice }] },
      },
    },
    open: {
      after: {
        cooldown: {
          target: 'halfOpen',
          actions: {
            type: 'notify',
            params: ({ context }) => ({ kind: 'cooldownElapsed', at: (context.trip?.at ?? 0) + context.thresholds.cooldownMs }),
          },
        },
      },
      on: {
        RESET: { actions: [{ type: 'recordRefusal', params: 'cooldown' }, { type: 'notify', params: refusedNotice }] },
        RESTORED: { target: 'open', reenter: true, actions: 'rearmCooldown' },
      },
    },
    halfOpen: {
      on: {
        RESET: [
          {
            guard: 'resetApproved',
            target: 'closed',
            actions: [
              'applyReset',
              { type: 'notify', params: ({ event }) => ({ kind: 'reset', at: event.at, user: event.user, role: event.role }) },
            ],
          },
          { actions: [{ type: 'recordRefusal', params: undefined }, { type: 'notify', params: refusedNotice }] },
        ],
      },
    },
  },
});

function rejected({ event }: { event: BreakerEvent }): BreakerNotice {
  const problem = isObservation(event) ? (observationProblem(event) ?? 'invalid') : 'invalid';
  return { kind: 'observationRejected', at: isInstant(event.at) ? event.at : 0, problem };
}

function tripped({ context }: { context: BreakerContext }): BreakerNotice {
  return { kind: 'tripped', at: context.trip?.at ?? 0, trips: context.trip?.trips ?? [] };
}

function refusedNotice({ context }: { context: BreakerContext }): BreakerNotice {
  const r = context.lastRefusal!;
  return { kind: 'resetRefused', at: r.at, user: r.user, role: r.role, refusal: r.refusal };
}

/** The observation handlers of `closed`: reject bad input, trip, or just fold. */
function judged() {
  return [
    { guard: 'observationInvalid', actions: { type: 'notify', params: rejected } },
    { guard: 'observationTrips', target: '#breaker.open', actions: ['foldAndTrip', { type: 'notify', params: tripped }] },
    { actions: 'fold' },
  ] as const;
}
