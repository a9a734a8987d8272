/**
 * What the stage runner's tests share: a silent logger, no metrics, a sleep, the stage machine's
 * state, a wait for a condition that names what it waited for (and, given the actor, the state and
 * error it is in), and a stop that waits for `stopped`.
 */
import * as assert from 'uvu/assert';
import type { StageActor } from '../../actors/stage/stage.actor.ts';
import type { Logger } from '../../actors/stage/ports.ts';

export const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };
export const noMetrics = { observeBatch() {}, setPending() {} };
export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const state = (a: StageActor) => a.getSnapshot().value as string;

/** Polls `check` every `everyMs` until it holds; fails after `ms` naming `what` (and `actor`'s state and error). */
export async function until(what: string, check: () => boolean, ms = 5_000, actor?: StageActor, everyMs = 10): Promise<void> {
  for (const end = performance.now() + ms; !check(); await wait(everyMs)) {
    if (performance.now() > end) {
      const error = actor?.getSnapshot().context.error;
      assert.unreachable(`timed out waiting for ${what}${actor ? ` (the stage is ${state(actor)}${error ? `: ${error}` : ''})` : ''}`);
    }
  }
}

export async function stop(a: StageActor): Promise<void> {
  a.send({ type: 'STOP' });
  await until('stopped', () => state(a) === 'stopped');
}
