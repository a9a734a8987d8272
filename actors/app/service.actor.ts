/**
 * A long-running service (the HTTP server, the embedded nats-server) run as a supervised
 * actor with the same lifecycle machine as a stage: `prepare` starts it, the work loop waits
 * for it to die on its own (a crash), `drain` stops it. A fresh incarnation gets fresh hooks.
 */
import { createActor, fromCallback, fromPromise } from 'xstate';
import { stageMachine, type StageEvent } from '../../machines/stage.machine.ts';
import type { StageActor } from '../stage/stage.actor.ts';

export interface ServiceHooks {
  start(): Promise<void>;
  /** resolves with a reason if the service ends without being asked to */
  exited(): Promise<string>;
  stop(): Promise<void>;
  /**
   * For a service that goes `reconnecting` when NATS goes away (the ticker services): resolves
   * once it may run again. Absent: a `reconnecting` service is back at once.
   */
  reconnected?: (() => Promise<void>) | undefined;
}

export function startServiceActor(name: string, hooks: ServiceHooks): StageActor {
  let stopping = false;
  const work = fromCallback<StageEvent>(({ sendBack, receive }) => {
    void hooks.exited().then((reason) => {
      if (!stopping) sendBack({ type: 'WORK_ERROR', error: reason });
    });
    receive((e) => {
      if (e.type !== 'FAULT') return;
      // A fault kills the service the way a crash would, then reports it.
      stopping = true;
      void hooks.stop().finally(() => sendBack({ type: 'WORK_ERROR', error: `fault injected into ${name}: ${e.reason ?? 'injected'}` }));
    });
    return () => undefined;
  });
  const drain = fromPromise<void>(async () => {
    stopping = true;
    await hooks.stop();
  });
  const reconnect = fromPromise<void>(async () => await hooks.reconnected?.());
  const machine = stageMachine.provide({ actors: { prepare: fromPromise<void>(() => hooks.start()), work, drain, reconnect } });
  return createActor(machine, { input: { stage: name } }).start();
}
