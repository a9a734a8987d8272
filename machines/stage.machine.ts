/**
 * The lifecycle of one pipeline stage (and of any long-running worker: intake, replay, the
 * embedded nats-server): starting → running ⇄ paused → draining → stopped, running ⇄
 * reconnecting, and failed.
 *
 * The machine does no I/O. The wiring provides three actors:
 * - `prepare` (promise): connect, load the checkpoint, open the consumer. Rejecting → failed.
 * - `work` (callback): the consume loop. It reports `BATCH` after each durable batch,
 *   `WORK_DONE` when it has nothing more to do ever (a finished replay), `WORK_ERROR` when it
 *   throws. It receives `FAULT` (forwarded) so an injected fault surfaces at a real point of the
 *   loop, the way a crash would. Leaving `running` stops it; the loop then finishes its current
 *   batch and returns.
 * - `drain` (promise): resolves once the in-flight batch (if any) is durable and acked.
 * - `reconnect` (promise): after `CONNECTION_LOST`, waits for the in-flight batch to end, for NATS
 *   to be reachable again, then prepares afresh from the durable checkpoint (the processor may
 *   hold an uncommitted batch). Resolving → running; rejecting (gave up) → failed.
 *
 * POLICY: a lost NATS connection (a server restart, a cluster node killed, a leader election) is
 * a normal state, `reconnecting`, not a crash: the supervisor sees no failure and restarts
 * nothing. What comes back is rebuilt from the checkpoint, exactly as a new incarnation would be.
 *
 * POLICY: `failed` is a final state whose `context.error` says why; the supervisor treats
 * reaching it as a crash and restarts a fresh incarnation, which resumes from the durable
 * checkpoint. A stage never repairs itself in place.
 */
import { assign, fromCallback, fromPromise, sendTo, setup } from 'xstate';
import { errorText } from '../actors/domain/errors.ts';

export interface StageContext {
  stage: string;
  /** messages applied since this incarnation started */
  processed: number;
  /** messages skipped as already applied (redeliveries at or below the checkpoint) */
  skipped: number;
  /** bad messages reported and acked */
  bad: number;
  /** batches committed by this incarnation */
  batches: number;
  /** times this incarnation went through `reconnecting` */
  reconnects: number;
  /** why it last lost NATS (kept after it came back) */
  lastDisconnect: string | undefined;
  error: string | undefined;
}

export interface StageInput {
  stage: string;
}

export type StageEvent =
  | { type: 'PAUSE' }
  | { type: 'RESUME' }
  | { type: 'STOP' }
  | { type: 'FAULT'; reason?: string }
  | { type: 'BATCH'; processed: number; skipped: number; bad: number }
  | { type: 'WORK_DONE' }
  | { type: 'WORK_ERROR'; error: string }
  /** NATS unreachable or JetStream unavailable for now (the runner's connection watch or a failed batch) */
  | { type: 'CONNECTION_LOST'; reason: string };

export const stageMachine = setup({
  types: {
    context: {} as StageContext,
    events: {} as StageEvent,
    input: {} as StageInput,
  },
  actors: {
    // Placeholders: the wiring provides the real ones with `stageMachine.provide({ actors })`.
    prepare: fromPromisePlaceholder(),
    work: fromCallbackPlaceholder(),
    drain: fromPromisePlaceholder(),
    reconnect: fromPromisePlaceholder(),
  },
  actions: {
    countBatch: assign(({ context, event }) => {
      if (event.type !== 'BATCH') return {};
      return {
        processed: context.processed + event.processed,
        skipped: context.skipped + event.skipped,
        bad: context.bad + event.bad,
        batches: context.batches + 1,
      };
    }),
    recordWorkError: assign({
      error: ({ event }) => (event.type === 'WORK_ERROR' ? event.error : undefined),
    }),
    recordFault: assign({
      error: ({ event }) => (event.type === 'FAULT' ? `fault injected: ${event.reason ?? 'no reason given'}` : undefined),
    }),
    forwardFault: sendTo('work', ({ event }) => event),
    recordDisconnect: assign(({ context, event }) => ({
      reconnects: context.reconnects + 1,
      lastDisconnect: event.type === 'CONNECTION_LOST' ? event.reason : context.lastDisconnect,
    })),
  },
}).createMachine({
  id: 'stage',
  context: ({ input }) => ({ stage: input.stage, processed: 0, skipped: 0, bad: 0, batches: 0, reconnects: 0, lastDisconnect: undefined, error: undefined }),
  initial: 'starting',
  states: {
    starting: {
      invoke: {
        src: 'prepare',
        onDone: { target: 'running' },
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => `prepare failed: ${errorText(event.error)}` }),
        },
      },
      on: {
        STOP: { target: 'stopped' },
        FAULT: { target: 'failed', actions: 'recordFault' },
      },
    },
    running: {
      invoke: { id: 'work', src: 'work' },
      on: {
        BATCH: { actions: 'countBatch' },
        PAUSE: { target: 'paused' },
        STOP: { target: 'draining' },
        // The loop throws at its next step, as a crash at that point would; it answers WORK_ERROR.
        FAULT: { actions: 'forwardFault' },
        WORK_DONE: { target: 'stopped' },
        WORK_ERROR: { target: 'failed', actions: 'recordWorkError' },
        CONNECTION_LOST: { target: 'reconnecting', actions: 'recordDisconnect' },
      },
    },
    // Leaving `running` stops the work loop; a WORK_ERROR of the interrupted batch lands here
    // and is ignored: the reconnect prepares from the checkpoint, so nothing of it is kept.
    reconnecting: {
      invoke: {
        src: 'reconnect',
        onDone: { target: 'running' },
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => `reconnect failed: ${errorText(event.error)}` }),
        },
      },
      on: {
        STOP: { target: 'draining' },
        FAULT: { target: 'failed', actions: 'recordFault' },
      },
    },
    paused: {
      on: {
        RESUME: { target: 'running' },
        STOP: { target: 'draining' },
        FAULT: { target: 'failed', actions: 'recordFault' },
      },
    },
    draining: {
      invoke: {
        src: 'drain',
        onDone: { target: 'stopped' },
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => `drain failed: ${errorText(event.error)}` }),
        },
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});

// Placeholders keep the machine self-contained for tests that provide nothing: preparing
// succeeds at once, the work loop idles, draining is immediate.
function fromPromisePlaceholder() {
  return fromPromise<void, unknown>(async () => undefined);
}
function fromCallbackPlaceholder() {
  return fromCallback<StageEvent, unknown>(() => () => undefined);
}
