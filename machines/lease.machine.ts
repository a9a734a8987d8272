/**
 * The gateway lease of one process (docs/execution.md, "One active gateway per account"):
 *
 *   acquiring ──held──► active (holding ⇄ renewing) ──renewal failed──► lost ──fenced──► standby
 *       ▲  └──taken──► standby ──after retry──┘                                            │
 *       └──────────────────────────────────────────────────────────────────────────────────┘
 *
 * Only in `active` does the process run its execution stages (the `hold` actor starts them);
 * `lost` first stops them (`fence`) and only then waits as a standby again. STOP (shutdown)
 * and a crash (FAULT, or the held stages giving up) also fence first, then release the key so a
 * standby need not wait for the TTL.
 *
 * The machine does no I/O: the wiring provides `acquire`, `renew`, `hold`, `fence`, `release`
 * and the `hardFence` action; time is XState's (`after`), so a test drives it on a
 * SimulatedClock.
 *
 * POLICY: the held stages never outlive the lease. Renewal runs every TTL/4 and waits at most
 * TTL/4 for its answer; a renewal that fails ends `active` at once, and a fence that has not
 * finished TTL/8 later ends the process (`hardFence`), still before the key can expire
 * (leaseTimings below shows the arithmetic).
 */
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import { errorText } from '../actors/domain/errors.ts';

/** What `acquire` answers: the lease is ours at `revision`, or someone else (`by`) holds it. */
export type AcquireOutcome = { held: true; revision: number; ttlMs: number } | { held: false; by: string | undefined; ttlMs: number };

export interface LeaseContext {
  /** the lease key, for people (`gateway.paper`) */
  name: string;
  /** the bucket's TTL (max_age), as the last acquire attempt read it */
  ttlMs: number;
  /** the key's revision this process wrote last, while it holds the lease */
  revision: number | undefined;
  /** who holds the lease while this process waits */
  heldBy: string | undefined;
  /** how many times this incarnation acquired the lease */
  acquisitions: number;
  /** why the lease was last lost, or why this incarnation failed */
  error: string | undefined;
}

export interface LeaseInput {
  name: string;
  ttlMs: number;
}

export type LeaseEvent = { type: 'STOP' } | { type: 'FAULT'; reason?: string } | { type: 'HELD_FAILED'; error: string };

/**
 * The lease's timings from its TTL T: renew every T/4 with T/4 to answer, a standby retries
 * every T/4, a fence has T/8. The holder's last good renewal was written at s ≥ a − T/4 (a: when
 * its answer came); the next attempt starts at a + T/4 and fails by a + T/2; the fence ends by
 * a + 5T/8 < s + T, when the key expires. A holder that dies outright is replaced at most
 * T + T/4 later (expiry, then the standby's next attempt), plus the stages' start.
 */
export function leaseTimings(ttlMs: number): { renewMs: number; retryMs: number; fenceDeadlineMs: number; worstTakeoverMs: number } {
  const renewMs = Math.floor(ttlMs / 4);
  return { renewMs, retryMs: renewMs, fenceDeadlineMs: Math.floor(ttlMs / 8), worstTakeoverMs: ttlMs + renewMs };
}

export const leaseMachine = setup({
  types: {
    context: {} as LeaseContext,
    events: {} as LeaseEvent,
    input: {} as LeaseInput,
  },
  actors: {
    // Placeholders: the wiring provides the real ones with `leaseMachine.provide({ actors })`.
    acquire: fromPromise<AcquireOutcome, void>(async () => {
      throw new Error('acquire not provided');
    }),
    renew: fromPromise<number, { revision: number; timeoutMs: number }>(async () => {
      throw new Error('renew not provided');
    }),
    hold: fromCallback<LeaseEvent, void>(() => () => undefined),
    fence: fromPromise<void, void>(async () => undefined),
    release: fromPromise<void, { revision: number | undefined }>(async () => undefined),
  },
  actions: {
    // Provided by the wiring: the fence did not finish in time; end the process.
    hardFence: () => undefined,
    recordFault: assign({ error: ({ event }) => (event.type === 'FAULT' ? `fault injected: ${event.reason ?? 'no reason given'}` : undefined) }),
    recordHeldFailure: assign({ error: ({ event }) => (event.type === 'HELD_FAILED' ? `the held stages gave up: ${event.error}` : undefined) }),
  },
  delays: {
    renew: ({ context }) => leaseTimings(context.ttlMs).renewMs,
    retry: ({ context }) => leaseTimings(context.ttlMs).retryMs,
    fenceDeadline: ({ context }) => leaseTimings(context.ttlMs).fenceDeadlineMs,
  },
}).createMachine({
  id: 'lease',
  context: ({ input }) => ({ name: input.name, ttlMs: input.ttlMs, revision: undefined, heldBy: undefined, acquisitions: 0, error: undefined }),
  initial: 'acquiring',
  states: {
    acquiring: {
      invoke: {
        src: 'acquire',
        onDone: [
          {
            guard: ({ event }) => event.output.held,
            target: 'active',
            actions: assign(({ context, event }) => {
              const o = event.output as Extract<AcquireOutcome, { held: true }>;
              return { revision: o.revision, ttlMs: o.ttlMs, heldBy: undefined, acquisitions: context.acquisitions + 1 };
            }),
          },
          {
            target: 'standby',
            actions: assign(({ event }) => {
              const o = event.output as Extract<AcquireOutcome, { held: false }>;
              return { heldBy: o.by, ttlMs: o.ttlMs };
            }),
          },
        ],
        // NATS away, or no bucket: try again later, as a standby
        onError: { target: 'standby', actions: assign({ error: ({ event }) => `acquire failed: ${errorText(event.error)}` }) },
      },
      on: { STOP: { target: 'stopped' }, FAULT: { target: 'failed', actions: 'recordFault' } },
    },
    standby: {
      after: { retry: { target: 'acquiring' } },
      on: { STOP: { target: 'stopped' }, FAULT: { target: 'failed', actions: 'recordFault' } },
    },
    active: {
      invoke: { id: 'hold', src: 'hold' },
      initial: 'holding',
      states: {
        holding: { after: { renew: { target: 'renewing' } } },
        renewing: {
          invoke: {
            src: 'renew',
            input: ({ context }) => ({ revision: context.revision!, timeoutMs: leaseTimings(context.ttlMs).renewMs }),
            onDone: { target: 'holding', actions: assign({ revision: ({ event }) => event.output }) },
            onError: { target: '#lease.lost', actions: assign({ error: ({ event }) => `renewal failed: ${errorText(event.error)}` }) },
          },
        },
      },
      on: {
        STOP: { target: 'draining' },
        FAULT: { target: 'failing', actions: 'recordFault' },
        HELD_FAILED: { target: 'failing', actions: 'recordHeldFailure' },
      },
    },
    lost: {
      // the revision is someone else's now, or unknown: never release with it
      entry: assign({ revision: undefined }),
      invoke: {
        src: 'fence',
        onDone: { target: 'standby' },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => `fence failed: ${errorText(event.error)}` }) },
      },
      after: { fenceDeadline: { actions: 'hardFence' } },
    },
    // shutdown: stop the held stages, give the key back, stop
    draining: {
      initial: 'fencing',
      states: {
        fencing: { invoke: { src: 'fence', onDone: { target: 'releasing' }, onError: { target: 'releasing' } } },
        releasing: {
          invoke: { src: 'release', input: ({ context }) => ({ revision: context.revision }), onDone: { target: '#lease.stopped' }, onError: { target: '#lease.stopped' } },
        },
      },
    },
    // a crash while holding: the same, then fail (the supervisor restarts a fresh incarnation)
    failing: {
      initial: 'fencing',
      states: {
        fencing: {
          invoke: { src: 'fence', onDone: { target: 'releasing' }, onError: { target: 'releasing' } },
          after: { fenceDeadline: { actions: 'hardFence' } },
        },
        releasing: {
          invoke: { src: 'release', input: ({ context }) => ({ revision: context.revision }), onDone: { target: '#lease.failed' }, onError: { target: '#lease.failed' } },
        },
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});
