import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Supervisor } from '../../supervision/index.ts';
import type { RestartType, Strategy, SupervisorSpec, WorkerSpec } from '../../supervision/index.ts';
import { harness } from './supervision-fixtures.ts';
import type { Harness } from './supervision-fixtures.ts';

const s = suite('supervisor strategies and restart types');

function flat(id: string, strategy: Strategy, children: WorkerSpec[]): SupervisorSpec {
  return {
    kind: 'supervisor',
    id,
    strategy,
    intensity: { maxRestarts: 10, withinMs: 60_000 },
    backoff: { initialMs: 10, maxMs: 10, jitter: 0 },
    children,
  };
}

/** Starts a, b, c, d under `strategy`, crashes b, lets the restart run; returns the harness. */
async function crashSecondOfFour(strategy: Strategy): Promise<{ h: Harness; root: Supervisor; firsts: Map<string, unknown> }> {
  const h = harness();
  const root = new Supervisor(flat('root', strategy, ['a', 'b', 'c', 'd'].map((id) => h.worker(id))), h.deps);
  await root.start();
  const firsts = new Map(['a', 'b', 'c', 'd'].map((id) => [id, h.latest(id)] as const));
  h.starts.length = 0;
  h.events.length = 0;
  h.latest('b').send({ type: 'FAULT', reason: 'b broke' });
  await h.time.advance(10);
  return { h, root, firsts };
}

s('one_for_one restarts only the crashed child', async () => {
  const { h, root, firsts } = await crashSecondOfFour('one_for_one');
  assert.equal(h.starts, ['b']);
  assert.equal(h.seen('stopped'), []);
  assert.equal(h.seen('restarted'), ['root/b']);
  for (const id of ['a', 'c', 'd']) assert.is(h.latest(id), firsts.get(id), `${id} untouched`);
  await root.stop();
});

s('one_for_all stops the others in reverse order, then restarts all in order', async () => {
  const { h, root, firsts } = await crashSecondOfFour('one_for_all');
  assert.equal(h.events.map((e) => `${e.type} ${e.path}`), [
    'crashed root/b',
    'stopped root/d',
    'stopped root/c',
    'stopped root/a',
    'started root/a',
    'restarted root/a',
    'started root/b',
    'restarted root/b',
    'started root/c',
    'restarted root/c',
    'started root/d',
    'restarted root/d',
  ]);
  assert.equal(h.starts, ['a', 'b', 'c', 'd']);
  for (const id of ['a', 'c', 'd']) assert.is.not(h.latest(id), firsts.get(id), `${id} is a new incarnation`);
  assert.equal(root.tree().children?.map((c) => c.restarts), [1, 1, 1, 1]);
  await root.stop();
});

s('rest_for_one stops the later children in reverse order and restarts the crashed one onwards', async () => {
  const { h, root, firsts } = await crashSecondOfFour('rest_for_one');
  assert.equal(h.seen('stopped'), ['root/d', 'root/c']);
  assert.equal(h.starts, ['b', 'c', 'd']);
  assert.is(h.latest('a'), firsts.get('a'), 'a, started before b, is untouched');
  assert.equal(root.tree().children?.map((c) => c.restarts), [0, 1, 1, 1]);
  await root.stop();
});

s('one_for_all stops a temporary sibling and never restarts it', async () => {
  const h = harness();
  const root = new Supervisor(flat('root', 'one_for_all', [h.worker('a'), h.worker('t', 'temporary'), h.worker('c')]), h.deps);
  await root.start();
  h.latest('c').send({ type: 'FAULT' });
  await h.time.advance(10);
  assert.equal(h.seen('stopped'), ['root/t', 'root/a']);
  assert.equal(h.seen('restarted'), ['root/a', 'root/c']);
  assert.is(h.actors.get('t')?.length, 1);
  assert.is(root.tree().children?.[1]?.status, 'stopped');
  await root.stop();
});

async function exitEach(how: 'crash' | 'normal'): Promise<Record<RestartType, { starts: number; status: string | undefined }>> {
  const h = harness();
  const types: RestartType[] = ['permanent', 'transient', 'temporary'];
  const root = new Supervisor(flat('root', 'one_for_one', types.map((t) => h.worker(t, t))), h.deps);
  await root.start();
  for (const t of types) h.latest(t).send(how === 'crash' ? { type: 'FAULT', reason: 'x' } : { type: 'FINISH' });
  await h.time.advance(10);
  const tree = root.tree();
  const result = Object.fromEntries(
    types.map((t, i) => [t, { starts: h.actors.get(t)?.length ?? 0, status: tree.children?.[i]?.status }]),
  ) as Record<RestartType, { starts: number; status: string | undefined }>;
  await root.stop();
  return result;
}

s('after a crash: permanent and transient restart, temporary does not', async () => {
  assert.equal(await exitEach('crash'), {
    permanent: { starts: 2, status: 'running' },
    transient: { starts: 2, status: 'running' },
    temporary: { starts: 1, status: 'failed' },
  });
});

s('after a normal exit: only permanent restarts', async () => {
  assert.equal(await exitEach('normal'), {
    permanent: { starts: 2, status: 'running' },
    transient: { starts: 1, status: 'stopped' },
    temporary: { starts: 1, status: 'stopped' },
  });
});

s('a normal exit is reported as stopped, not crashed', async () => {
  const h = harness();
  const root = new Supervisor(flat('root', 'one_for_one', [h.worker('job', 'transient')]), h.deps);
  await root.start();
  h.latest('job').send({ type: 'FINISH' });
  await h.time.advance(10);
  assert.equal(h.events.filter((e) => e.path === 'root/job').map((e) => `${e.type}:${e.reason ?? ''}`), ['started:', 'stopped:exited normally']);
  await root.stop();
});

s('an actor whose snapshot errors (a throwing action) is a crash with the error text', async () => {
  const h = harness();
  const root = new Supervisor(flat('root', 'one_for_one', [h.worker('w')]), h.deps);
  await root.start();
  h.latest('w').send({ type: 'BOOM' });
  await h.time.advance(10);
  assert.equal(h.events.filter((e) => e.type === 'crashed').map((e) => e.reason), ['boom in action']);
  assert.is(h.actors.get('w')?.length, 2);
  await root.stop();
});

s('a start that throws is a crash of that child and is retried with backoff', async () => {
  const h = harness();
  const root = new Supervisor(flat('root', 'one_for_one', [h.worker('a'), h.worker('flaky', 'permanent', { failStarts: 2 }), h.worker('c')]), h.deps);
  await root.start();
  assert.equal(h.starts, ['a', 'flaky', 'c'], 'one_for_one goes on starting the later children');
  assert.equal(h.events.filter((e) => e.type === 'crashed').map((e) => e.reason), ['start failed: cannot start flaky']);
  await h.time.advance(10); // restart 1 waits 10 (initial = max = 10), fails again
  await h.time.advance(10); // restart 2 succeeds
  assert.equal(h.starts, ['a', 'flaky', 'c', 'flaky', 'flaky']);
  assert.is(root.tree().children?.[1]?.status, 'running');
  assert.is(root.tree().children?.[1]?.restarts, 2);
  await root.stop();
});

s('under rest_for_one a failed start holds back the later children until it is up', async () => {
  const h = harness();
  const root = new Supervisor(flat('root', 'rest_for_one', [h.worker('a'), h.worker('flaky', 'permanent', { failStarts: 1 }), h.worker('c')]), h.deps);
  await root.start();
  assert.equal(h.starts, ['a', 'flaky']);
  await h.time.advance(10);
  assert.equal(h.starts, ['a', 'flaky', 'flaky', 'c']);
  assert.equal(root.tree().children?.map((c) => c.status), ['running', 'running', 'running']);
  assert.equal(root.tree().children?.map((c) => c.restarts), [0, 1, 0], 'c was never up before, so its first start is no restart');
  assert.equal(h.seen('restarted'), ['root/flaky']);
  await root.stop();
});

s.run();
