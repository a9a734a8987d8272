import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { Supervisor } from '../../supervision/index.ts';
import type { SupervisorSpec } from '../../supervision/index.ts';
import { harness } from './supervision-fixtures.ts';
import type { Harness } from './supervision-fixtures.ts';

const s = suite('supervisor intensity, escalation and backoff');

function twoLevels(h: Harness, innerMax: number, rootMax: number): SupervisorSpec {
  return {
    kind: 'supervisor',
    id: 'root',
    strategy: 'one_for_one',
    intensity: { maxRestarts: rootMax, withinMs: 10_000 },
    backoff: { initialMs: 10, maxMs: 10, jitter: 0 },
    children: [
      h.worker('api'),
      {
        kind: 'supervisor',
        id: 'pipeline',
        strategy: 'one_for_one',
        intensity: { maxRestarts: innerMax, withinMs: 10_000 },
        backoff: { initialMs: 10, maxMs: 10, jitter: 0 },
        children: [h.worker('bars'), h.worker('scores')],
      },
    ],
  };
}

s('a child supervisor past its intensity stops its children, fails, and its parent restarts it', async () => {
  const h = harness();
  const root = new Supervisor(twoLevels(h, 1, 5), h.deps);
  await root.start();
  root.injectFault('root/pipeline/bars', 'first');
  await h.time.advance(10); // restart 1 of 1 allowed
  h.events.length = 0;
  root.injectFault('root/pipeline/bars', 'second'); // restart 2 > maxRestarts 1 → give up
  await h.time.advance(0);
  assert.equal(h.events.map((e) => `${e.type} ${e.path}`), [
    'crashed root/pipeline/bars',
    'stopped root/pipeline/scores',
    'escalated root/pipeline',
    'crashed root/pipeline',
  ]);
  const escalated = h.events.find((e) => e.type === 'escalated');
  assert.match(escalated?.reason ?? '', /more than 1 restarts within 10000 ms/);
  assert.is(h.latest('scores').getSnapshot().value, 'stopped', 'scores was shut down, not left running');
  assert.is(root.tree().children?.[1]?.status, 'restarting');
  await h.time.advance(10); // the root's backoff for its first restart of `pipeline`
  assert.equal(h.events.slice(4).map((e) => `${e.type} ${e.path}`), [
    'started root/pipeline/bars',
    'started root/pipeline/scores',
    'started root/pipeline',
    'restarted root/pipeline',
  ]);
  const pipeline = root.tree().children?.[1];
  assert.is(pipeline?.status, 'running');
  assert.is(pipeline?.restarts, 1);
  assert.is(h.actors.get('api')?.length, 1, 'one_for_one at the root left api alone');
  assert.equal(h.rootFailures, []);
  // the new incarnation of `pipeline` has a clean intensity record: one more crash is allowed
  root.injectFault('root/pipeline/bars', 'third');
  await h.time.advance(10);
  assert.is(root.tree().children?.[1]?.status, 'running');
  assert.equal(h.seen('escalated'), ['root/pipeline']);
  await root.stop();
});

s('the root past its intensity stops everything, escalates and calls onRootFailure', async () => {
  const h = harness();
  const root = new Supervisor(twoLevels(h, 5, 0), h.deps);
  await root.start();
  root.injectFault('root/api', 'fatal');
  await h.time.advance(0);
  assert.equal(h.seen('escalated'), ['root']);
  assert.equal(h.seen('stopped'), ['root/pipeline/scores', 'root/pipeline/bars', 'root/pipeline']);
  assert.is(h.rootFailures.length, 1);
  const failure = h.rootFailures[0];
  assert.ok(isFakeoutError(failure?.err, 'FAKEOUT_ERR_SUPERVISOR_INTENSITY'), String(failure?.err));
  assert.match(failure?.reason ?? '', /^root gave up: more than 0 restarts within 10000 ms \(last: root\/api, fault injected: fatal\)$/);
  const tree = root.tree();
  assert.is(tree.status, 'failed');
  assert.equal(tree.children?.map((c) => c.status), ['failed', 'stopped']);
  assert.equal(h.time.pending(), [], 'nothing is left scheduled');
  await root.stop(); // stopping a failed tree is a harmless no-op
  assert.equal(h.seen('escalated'), ['root']);
});

s('a child supervisor that keeps failing exhausts its parent, and the failure reaches the root', async () => {
  const h = harness();
  const root = new Supervisor(twoLevels(h, 0, 1), h.deps);
  await root.start();
  root.injectFault('root/pipeline/bars'); // pipeline gives up (0 allowed); root restarts it (1 of 1)
  await h.time.advance(10);
  root.injectFault('root/pipeline/bars'); // pipeline gives up again; root's 2nd restart > 1
  await h.time.advance(10);
  assert.equal(h.seen('escalated'), ['root/pipeline', 'root/pipeline', 'root']);
  assert.is(h.rootFailures.length, 1);
  assert.is(root.tree().status, 'failed');
});

s('injectFault on a supervisor path makes it give up; its parent restarts it with fresh children', async () => {
  const h = harness();
  const root = new Supervisor(twoLevels(h, 5, 5), h.deps);
  await root.start();
  assert.is(root.injectFault('root/pipeline', 'drill'), true);
  await h.time.advance(0);
  assert.equal(h.events.filter((e) => e.type === 'escalated' || e.type === 'crashed').map((e) => `${e.type} ${e.path} ${e.reason}`), [
    'escalated root/pipeline fault injected: drill',
    'crashed root/pipeline fault injected: drill',
  ]);
  await h.time.advance(10);
  assert.equal(h.starts, ['api', 'bars', 'scores', 'bars', 'scores']);
  assert.is(root.tree().children?.[1]?.status, 'running');
  assert.is(root.tree().children?.[1]?.lastError, 'fault injected: drill');
  await root.stop();
});

s('under one_for_all a nested supervisor sibling is stopped (children first) and started again', async () => {
  const h = harness();
  const root = new Supervisor({ ...twoLevels(h, 5, 5), strategy: 'one_for_all' }, h.deps);
  await root.start();
  h.events.length = 0;
  root.injectFault('root/api', 'x');
  await h.time.advance(10);
  assert.equal(h.events.map((e) => `${e.type} ${e.path}`), [
    'crashed root/api',
    'stopped root/pipeline/scores',
    'stopped root/pipeline/bars',
    'stopped root/pipeline',
    'started root/api',
    'restarted root/api',
    'started root/pipeline/bars',
    'started root/pipeline/scores',
    'started root/pipeline',
    'restarted root/pipeline',
  ]);
  await root.stop();
});

s('a listener that throws does not stop supervision', async () => {
  const h = harness();
  const root = new Supervisor(twoLevels(h, 5, 5), {
    ...h.deps,
    listener: () => {
      throw new Error('metrics are down');
    },
  });
  await root.start();
  root.injectFault('root/api', 'x');
  await h.time.advance(10);
  assert.is(h.actors.get('api')?.length, 2);
  assert.is(root.tree().children?.[0]?.restarts, 1);
  await root.stop();
});

s('restarts outside the window do not count towards the intensity', async () => {
  const h = harness();
  const root = new Supervisor(
    { ...twoLevels(h, 5, 1), intensity: { maxRestarts: 1, withinMs: 1000 } },
    h.deps,
  );
  await root.start();
  root.injectFault('root/api');
  await h.time.advance(1000); // restart at t=0 (runs at t=10); by t=1000 that restart has left the window
  root.injectFault('root/api');
  await h.time.advance(10);
  assert.equal(h.seen('escalated'), []);
  assert.is(h.actors.get('api')?.length, 3);
  await root.stop();
});

s('backoff delays double per restart within the window and are capped at maxMs', async () => {
  const h = harness();
  const root = new Supervisor(
    {
      kind: 'supervisor',
      id: 'root',
      strategy: 'one_for_one',
      intensity: { maxRestarts: 20, withinMs: 60_000 },
      backoff: { initialMs: 100, maxMs: 500, factor: 2, jitter: 0 },
      children: [h.worker('w')],
    },
    h.deps,
  );
  await root.start();
  for (let i = 0; i < 5; i++) {
    h.latest('w').send({ type: 'FAULT' });
    await h.time.advance(0);
    const wait = h.time.pending()[0] ?? -1;
    await h.time.advance(wait - 1);
    assert.is(h.actors.get('w')?.length, i + 1, `restart ${i + 1} has not happened 1 ms early`);
    await h.time.advance(1);
    assert.is(h.actors.get('w')?.length, i + 2, `restart ${i + 1} happened on time`);
  }
  // 100·2^(n−1) for n = 1..5 → 100, 200, 400, 800→500, 1600→500
  assert.equal(h.events.filter((e) => e.type === 'restarted').map((e) => e.delayMs), [100, 200, 400, 500, 500]);
  assert.equal(h.events.filter((e) => e.type === 'restarted').map((e) => e.restarts), [1, 2, 3, 4, 5]);
  await root.stop();
});

s('jitter randomises the delay through deps.random', async () => {
  const h = harness(() => 0); // the low end: −jitter
  const root = new Supervisor(
    {
      kind: 'supervisor',
      id: 'root',
      strategy: 'one_for_one',
      intensity: { maxRestarts: 3, withinMs: 60_000 },
      children: [h.worker('w')], // default backoff: 100 ms, jitter 0.2 → 100·(1−0.2) = 80
    },
    h.deps,
  );
  await root.start();
  h.latest('w').send({ type: 'FAULT' });
  await h.time.advance(0);
  assert.equal(h.time.pending(), [80]);
  await h.time.advance(80);
  assert.equal(h.events.filter((e) => e.type === 'restarted').map((e) => e.delayMs), [80]);
  await root.stop();
});

s.run();
