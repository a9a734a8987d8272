/**
 * The supervisor against fakeout's real stage machine (machines/stage.machine.ts), with its
 * placeholder actors: this is the exit contract the pipeline relies on.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor } from 'xstate';
import { stageMachine } from '../../machines/stage.machine.ts';
import { Supervisor } from '../../supervision/index.ts';
import { harness, settle } from './supervision-fixtures.ts';

const s = suite('supervisor and the stage machine');

function stageTree(h: ReturnType<typeof harness>) {
  return new Supervisor(
    {
      kind: 'supervisor',
      id: 'root',
      strategy: 'one_for_one',
      intensity: { maxRestarts: 3, withinMs: 60_000 },
      backoff: { initialMs: 10, maxMs: 10, jitter: 0 },
      children: [
        {
          id: 'feature-engine',
          restart: 'permanent',
          start: () => {
            h.starts.push('feature-engine');
            return createActor(stageMachine, { input: { stage: 'feature-engine' } });
          },
        },
      ],
    },
    h.deps,
  );
}

s('a stage parked in `failed` (final) is a crash with its context.error, and is restarted', async () => {
  const h = harness();
  const root = stageTree(h);
  await root.start(); // the supervisor starts the actor it was handed unstarted
  await settle(); // the placeholder `prepare` promise resolves → running
  const first = root.get('root/feature-engine');
  assert.is(first?.getSnapshot().value, 'running');
  first?.send({ type: 'PAUSE' });
  root.injectFault('root/feature-engine', 'drill'); // paused + FAULT → failed (a final state)
  await h.time.advance(0);
  assert.equal(h.events.filter((e) => e.type === 'crashed').map((e) => e.reason), ['fault injected: drill']);
  await h.time.advance(10);
  assert.equal(h.starts, ['feature-engine', 'feature-engine']);
  assert.is(root.tree().children?.[0]?.restarts, 1);
  await root.stop();
});

s('a running stage whose work loop ignores FAULT is forced after 1 s; STOP drains it to `stopped`', async () => {
  const h = harness();
  const root = stageTree(h);
  await root.start();
  await settle();
  root.injectFault('root/feature-engine', 'ignored'); // running forwards FAULT to the idle placeholder loop
  await h.time.advance(1000);
  assert.equal(h.events.filter((e) => e.type === 'crashed').map((e) => e.reason), ['fault injected: ignored']);
  await h.time.advance(10);
  await settle();
  const second = root.get('root/feature-engine');
  await root.stop();
  assert.is(second?.getSnapshot().value, 'stopped', 'drained through `draining` to the final `stopped`');
  assert.equal(h.events.filter((e) => e.type === 'stopped' && e.path === 'root/feature-engine').map((e) => e.reason), ['shutdown']);
});

s.run();
