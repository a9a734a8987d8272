/**
 * The gateway-lease worker: the lease machine (machines/lease.machine.ts) over the KV lease
 * (adapters/nats/lease-kv.ts) and the execution stages it holds. While the machine is `active`
 * the held stages run under their own supervisor; every other state runs none of them.
 * GET /actors shows the worker's state (`standby`, `acquiring`, `{ active: 'holding' }`, `lost`).
 */
import { createActor, fromCallback, fromPromise } from 'xstate';
import type { LeaseStore, LeaseValue } from '../../adapters/nats/index.ts';
import type { Logger } from '../../adapters/log/index.ts';
import type { Clock } from '../../adapters/time/index.ts';
import { leaseMachine, type AcquireOutcome, type LeaseEvent } from '../../machines/lease.machine.ts';

/** One run of the held stages (a fresh one for each acquisition). */
export interface HeldStages {
  /** starts them; `onGiveUp` hears their supervisor give up */
  start(onGiveUp: (reason: string) => void): Promise<void>;
  /** stops them (each stage finishes and commits its in-flight batch) */
  stop(): Promise<void>;
}

export interface LeaseActorDeps {
  store: LeaseStore;
  /** the lease key, for people (`gateway.paper`) */
  name: string;
  /** stable for this host and data directory (LeaseValue.holder) */
  holder: string;
  /** the configured TTL; the bucket's own TTL wins once read */
  ttlMs: number;
  clock: Clock;
  log: Logger;
  /** a fresh run of the held stages */
  held(): HeldStages;
  /** the fence did not finish in time: end the process now */
  hardFence(reason: string): void;
}

export function startLeaseActor(deps: LeaseActorDeps) {
  const { store, log } = deps;
  let value: LeaseValue | undefined;
  let running: HeldStages | undefined;
  const machine = leaseMachine.provide({
    actors: {
      acquire: fromPromise<AcquireOutcome, void>(async () => {
        const mine: LeaseValue = { holder: deps.holder, pid: process.pid, since: deps.clock.now() };
        const r = await store.acquire(mine);
        if (!r.held) return { held: false, by: r.by === undefined ? undefined : `${r.by.holder} (pid ${r.by.pid})`, ttlMs: r.ttlMs };
        value = mine;
        log.info({ actor: 'gateway-lease', lease: deps.name, revision: r.revision, reclaimed: r.reclaimed, ttlMs: r.ttlMs }, 'gateway lease acquired: this process is the active gateway');
        return { held: true, revision: r.revision, ttlMs: r.ttlMs };
      }),
      renew: fromPromise<number, { revision: number; timeoutMs: number }>(({ input }) => store.renew(value!, input.revision, input.timeoutMs)),
      hold: fromCallback<LeaseEvent, void>(({ sendBack }) => {
        const stages = deps.held();
        running = stages;
        stages.start((reason) => sendBack({ type: 'HELD_FAILED', error: reason })).catch((err: unknown) => sendBack({ type: 'HELD_FAILED', error: String(err) }));
        // Leaving `active` does not stop them here: `fence` does, and the machine waits for it.
        return () => undefined;
      }),
      fence: fromPromise<void, void>(async () => {
        const stages = running;
        if (stages === undefined) return;
        log.warn({ actor: 'gateway-lease', lease: deps.name }, 'gateway lease: stopping the execution stages (fence)');
        await stages.stop();
        if (running === stages) running = undefined;
      }),
      release: fromPromise<void, { revision: number | undefined }>(async ({ input }) => {
        if (input.revision !== undefined) await store.release(input.revision);
      }),
    },
    actions: {
      hardFence: ({ context }) => deps.hardFence(`the execution stages did not stop within the fence deadline after the lease was lost (${context.error ?? 'unknown'})`),
    },
  });
  const actor = createActor(machine, { input: { name: deps.name, ttlMs: deps.ttlMs } });
  let last: unknown;
  // one line per change of top-level state, not per renewal or per attempt of a standby
  actor.subscribe((snap) => {
    const top = typeof snap.value === 'string' ? snap.value : Object.keys(snap.value)[0];
    if (top === last || top === 'acquiring') return;
    if (last !== undefined) log.info({ actor: 'gateway-lease', lease: deps.name, state: top, heldBy: snap.context.heldBy, error: snap.context.error }, `gateway lease: ${top}`);
    last = top;
  });
  return actor;
}
