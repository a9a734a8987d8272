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

/** A reconnect the test resolves or rejects by hand; `calls` counts how often the machine started one. */
function manualReconnect() {
  const r = { calls: 0, resolve: () => undefined as void, reject: (_e: Error) => undefined as void };
  const actor = fromPromise<void>(
    () =>
      new Promise<void>((res, rej) => {
        r.calls++;
        r.resolve = () => res();
        r.reject = rej;
      }),
  );
  return { r, actor };
}

s('a lost connection is the reconnecting state, not a failure: the loop stops, and it runs again once reconnected', async () => {
  const { r, actor: reconnect } = manualReconnect();
  let loops = 0;
  let stopped = 0;
  const m = stageMachine.provide({
    actors: {
      reconnect,
      work: fromCallback<StageEvent>(() => {
        loops++;
        return () => void stopped++;
      }),
    },
  });
  const actor = createActor(m, { input: { stage: 't' } }).start();
  await waitFor(actor, (x) => x.matches('running'));
  actor.send({ type: 'CONNECTION_LOST', reason: 'NATS connection lost' });
  assert.ok(actor.getSnapshot().matches('reconnecting'));
  assert.is(stopped, 1, 'the work loop is asked to stop');
  // the interrupted batch's error arrives late: ignored, not a crash
  actor.send({ type: 'WORK_ERROR', error: 'request timed out' });
  assert.ok(actor.getSnapshot().matches('reconnecting'));
  assert.is(actor.getSnapshot().status, 'active');
  r.resolve();
  await waitFor(actor, (x) => x.matches('running'));
  assert.is(loops, 2, 'a new work loop after the reconnect');
  assert.equal({ n: actor.getSnapshot().context.reconnects, why: actor.getSnapshot().context.lastDisconnect }, { n: 1, why: 'NATS connection lost' });
  // and again: each loss is counted
  actor.send({ type: 'CONNECTION_LOST', reason: 'second' });
  r.resolve();
  await waitFor(actor, (x) => x.matches('running'));
  assert.is(actor.getSnapshot().context.reconnects, 2);
  assert.is(r.calls, 2);
});

s('a reconnect that gives up fails the stage with its reason', async () => {
  const { r, actor: reconnect } = manualReconnect();
  const actor = createActor(stageMachine.provide({ actors: { reconnect } }), { input: { stage: 't' } }).start();
  await waitFor(actor, (x) => x.matches('running'));
  actor.send({ type: 'CONNECTION_LOST', reason: 'gone' });
  r.reject(new Error('JetStream unavailable for 60 s'));
  const end = await waitFor(actor, (x) => x.status === 'done');
  assert.ok(end.matches('failed'));
  assert.is(end.context.error, 'reconnect failed: JetStream unavailable for 60 s');
});

s('STOP while reconnecting drains (the interrupted batch) and stops; a lost connection outside running is ignored', async () => {
  const { actor: reconnect } = manualReconnect();
  const actor = createActor(stageMachine.provide({ actors: { reconnect } }), { input: { stage: 't' } }).start();
  await waitFor(actor, (x) => x.matches('running'));
  actor.send({ type: 'PAUSE' });
  actor.send({ type: 'CONNECTION_LOST', reason: 'while paused' });
  assert.ok(actor.getSnapshot().matches('paused'));
  actor.send({ type: 'RESUME' });
  actor.send({ type: 'CONNECTION_LOST', reason: 'x' });
  assert.ok(actor.getSnapshot().matches('reconnecting'));
  actor.send({ type: 'STOP' });
  const end = await waitFor(actor, (x) => x.status === 'done');
  assert.ok(end.matches('stopped'));
});

s.run();
