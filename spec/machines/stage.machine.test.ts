import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, fromCallback, fromPromise, waitFor } from 'xstate';
import { stageMachine, type StageEvent } from '../../machines/stage.machine.ts';

const s = suite('stage machine');

s('starts, runs, pauses, resumes, drains and stops', async () => {
  const actor = createActor(stageMachine, { input: { stage: 't' } }).start();
  await waitFor(actor, (x) => x.matches('running'));
  actor.send({ type: 'PAUSE' });
  assert.ok(actor.getSnapshot().matches('paused'));
  actor.send({ type: 'RESUME' });
  assert.ok(actor.getSnapshot().matches('running'));
  actor.send({ type: 'STOP' });
  const end = await waitFor(actor, (x) => x.status === 'done');
  assert.ok(end.matches('stopped'));
});

s('fails with the reason when prepare rejects', async () => {
  const m = stageMachine.provide({
    actors: { prepare: fromPromise<void>(async () => { throw new Error('no consumer'); }) },
  });
  const actor = createActor(m, { input: { stage: 't' } }).start();
  const end = await waitFor(actor, (x) => x.status === 'done');
  assert.ok(end.matches('failed'));
  assert.is(end.context.error, 'prepare failed: no consumer');
});

s('forwards a fault to the work loop, which fails the stage at its next step', async () => {
  let seen: StageEvent | undefined;
  const m = stageMachine.provide({
    actors: {
      work: fromCallback<StageEvent>(({ receive, sendBack }) => {
        receive((e) => {
          seen = e;
          sendBack({ type: 'WORK_ERROR', error: 'crashed mid-batch' });
        });
        return () => undefined;
      }),
    },
  });
  const actor = createActor(m, { input: { stage: 't' } }).start();
  await waitFor(actor, (x) => x.matches('running'));
  actor.send({ type: 'FAULT', reason: 'test' });
  const end = await waitFor(actor, (x) => x.status === 'done');
  assert.equal(seen, { type: 'FAULT', reason: 'test' });
  assert.ok(end.matches('failed'));
  assert.is(end.context.error, 'crashed mid-batch');
});

s('counts committed batches and stops when the work is done', async () => {
  const m = stageMachine.provide({
    actors: {
      work: fromCallback<StageEvent>(({ sendBack }) => {
        sendBack({ type: 'BATCH', processed: 3, skipped: 1, bad: 0 });
        sendBack({ type: 'BATCH', processed: 2, skipped: 0, bad: 1 });
        sendBack({ type: 'WORK_DONE' });
        return () => undefined;
      }),
    },
  });
  const actor = createActor(m, { input: { stage: 't' } }).start();
  const end = await waitFor(actor, (x) => x.status === 'done');
  assert.ok(end.matches('stopped'));
  assert.equal(
    { p: end.context.processed, s: end.context.skipped, b: end.context.bad, n: end.context.batches },
    { p: 5, s: 1, b: 1, n: 2 },
  );
});

s('waits for the drain before it is stopped', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const m = stageMachine.provide({ actors: { drain: fromPromise<void>(() => gate) } });
  const actor = createActor(m, { input: { stage: 't' } }).start();
  await waitFor(actor, (x) => x.matches('running'));
  actor.send({ type: 'STOP' });
  assert.ok(actor.getSnapshot().matches('draining'));
  release();
  const end = await waitFor(actor, (x) => x.status === 'done');
  assert.ok(end.matches('stopped'));
});

s.run();
