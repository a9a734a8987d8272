import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { Supervisor, systemDeps } from '../../supervision/index.ts';
import type { SupervisionEvent } from '../../supervision/index.ts';
import type { SupervisorSpec } from '../../supervision/index.ts';
import { harness } from './supervision-fixtures.ts';
import type { Harness } from './supervision-fixtures.ts';

const s = suite('supervisor lifecycle');

function nestedTree(h: Harness, extra: Partial<SupervisorSpec> = {}): SupervisorSpec {
  return {
    kind: 'supervisor',
    id: 'root',
    strategy: 'one_for_one',
    intensity: { maxRestarts: 5, withinMs: 10_000 },
    backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    children: [
      h.worker('ingest'),
      {
        kind: 'supervisor',
        id: 'pipeline',
        strategy: 'one_for_one',
        intensity: { maxRestarts: 5, withinMs: 10_000 },
        backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
        children: [h.worker('bar-builder'), h.worker('feature-engine')],
      },
      h.worker('monitor'),
    ],
    ...extra,
  };
}

s('starts children in order, nested supervisors starting theirs before the next sibling', async () => {
  const h = harness();
  const root = new Supervisor(nestedTree(h), h.deps);
  await root.start();
  assert.equal(h.starts, ['ingest', 'bar-builder', 'feature-engine', 'monitor']);
  assert.equal(h.seen('started'), [
    'root/ingest',
    'root/pipeline/bar-builder',
    'root/pipeline/feature-engine',
    'root/pipeline',
    'root/monitor',
    'root',
  ]);
  await root.stop();
});

s('stops in reverse order, a nested supervisor stopping its children first', async () => {
  const h = harness();
  const root = new Supervisor(nestedTree(h), h.deps);
  await root.start();
  await root.stop();
  assert.equal(h.seen('stopped'), [
    'root/monitor',
    'root/pipeline/feature-engine',
    'root/pipeline/bar-builder',
    'root/pipeline',
    'root/ingest',
    'root',
  ]);
  // STOP was honoured: each actor reached its final `stopped` state rather than being killed
  for (const id of ['ingest', 'bar-builder', 'feature-engine', 'monitor']) {
    assert.equal(h.latest(id).getSnapshot().value, 'stopped', id);
  }
  assert.equal(h.seen('crashed'), [], 'a shutdown is not a crash');
  assert.is(root.tree().status, 'stopped');
});

s('a worker that ignores STOP is stopped by force after its shutdownMs, recorded as a stop', async () => {
  const h = harness();
  const root = new Supervisor(
    {
      kind: 'supervisor',
      id: 'root',
      strategy: 'one_for_one',
      intensity: { maxRestarts: 1, withinMs: 1000 },
      children: [h.worker('stubborn', 'permanent', { stubborn: true, shutdownMs: 300 })],
    },
    h.deps,
  );
  await root.start();
  let done = false;
  const stopping = root.stop().then(() => (done = true));
  await h.time.advance(299);
  assert.is(done, false, 'still inside its shutdown window');
  assert.is(h.latest('stubborn').getSnapshot().status, 'active');
  await h.time.advance(1);
  await stopping;
  assert.is(h.latest('stubborn').getSnapshot().status, 'stopped');
  const stopped = h.events.find((e) => e.type === 'stopped' && e.path === 'root/stubborn');
  assert.ok(stopped?.reason?.includes('stopped by force'), stopped?.reason);
  assert.is(stopped?.at, 300);
  assert.equal(h.seen('crashed'), []);
  assert.equal(h.time.pending(), [], 'no restart was scheduled for a forced stop');
});

s('injectFault on a nested path crashes that worker with the reason and it is restarted', async () => {
  const h = harness();
  const root = new Supervisor(nestedTree(h), h.deps);
  await root.start();
  const before = root.get('root/pipeline/feature-engine');
  assert.is(root.injectFault('root/pipeline/feature-engine', 'chaos drill'), true);
  await h.time.advance(0);
  const crashed = h.events.filter((e) => e.type === 'crashed');
  assert.equal(crashed.map((e) => [e.path, e.reason]), [['root/pipeline/feature-engine', 'fault injected: chaos drill']]);
  assert.is(root.tree().children?.[1]?.children?.[1]?.status, 'restarting');
  await h.time.advance(100); // first restart waits initialMs = 100 (jitter 0)
  const after = root.get('root/pipeline/feature-engine');
  assert.ok(after && after !== before, 'a fresh incarnation');
  assert.equal(h.seen('restarted'), ['root/pipeline/feature-engine']);
  await root.stop();
});

s('a worker that ignores FAULT is stopped by force after 1 s and counted as a crash', async () => {
  const h = harness();
  const root = new Supervisor(
    {
      kind: 'supervisor',
      id: 'root',
      strategy: 'one_for_one',
      intensity: { maxRestarts: 3, withinMs: 10_000 },
      backoff: { initialMs: 50, maxMs: 50, jitter: 0 },
      children: [h.worker('deaf', 'permanent', { stubborn: true })],
    },
    h.deps,
  );
  await root.start();
  const first = h.latest('deaf');
  root.injectFault('root/deaf', 'drill');
  await h.time.advance(999);
  assert.equal(h.seen('crashed'), []);
  await h.time.advance(1);
  assert.equal(h.events.filter((e) => e.type === 'crashed').map((e) => e.reason), ['fault injected: drill']);
  assert.is(first.getSnapshot().status, 'stopped', 'the ignoring incarnation was stopped');
  await h.time.advance(50);
  assert.is(h.actors.get('deaf')?.length, 2);
  const stopping = root.stop();
  await h.time.advance(5000); // the restarted stubborn worker needs its default 5 s shutdown
  await stopping;
});

s('unknown paths throw FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD', async () => {
  const h = harness();
  const root = new Supervisor(nestedTree(h), h.deps);
  await root.start();
  for (const path of ['root/nope', 'other/ingest', 'root/pipeline/nope', 'root/ingest/deeper', '']) {
    try {
      root.injectFault(path);
      assert.unreachable(`injectFault(${path}) should throw`);
    } catch (err) {
      assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD'), `${path}: ${String(err)}`);
    }
  }
  assert.throws(() => root.get('root/pipeline'), (err: unknown) => isFakeoutError(err, 'FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD'));
  assert.throws(() => root.get('root/missing'), (err: unknown) => isFakeoutError(err, 'FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD'));
  await root.stop();
});

s('tree() is JSON with statuses, state values, restart counts and the last error', async () => {
  const h = harness();
  const root = new Supervisor(nestedTree(h), h.deps);
  await root.start();
  root.injectFault('root/pipeline/bar-builder', 'one');
  await h.time.advance(100);
  root.injectFault('root/pipeline/bar-builder', 'two');
  await h.time.advance(200); // second restart within the window waits 100·2 = 200
  const tree = root.tree();
  assert.equal(JSON.parse(JSON.stringify(tree)), tree, 'round-trips through JSON unchanged');
  assert.equal(tree, {
    id: 'root',
    path: 'root',
    kind: 'supervisor',
    strategy: 'one_for_one',
    status: 'running',
    restarts: 0,
    children: [
      { id: 'ingest', path: 'root/ingest', kind: 'worker', status: 'running', state: 'running', restarts: 0 },
      {
        id: 'pipeline',
        path: 'root/pipeline',
        kind: 'supervisor',
        strategy: 'one_for_one',
        status: 'running',
        restarts: 0,
        children: [
          {
            id: 'bar-builder',
            path: 'root/pipeline/bar-builder',
            kind: 'worker',
            status: 'running',
            state: 'running',
            restarts: 2,
            lastError: 'fault injected: two',
          },
          { id: 'feature-engine', path: 'root/pipeline/feature-engine', kind: 'worker', status: 'running', state: 'running', restarts: 0 },
        ],
      },
      { id: 'monitor', path: 'root/monitor', kind: 'worker', status: 'running', state: 'running', restarts: 0 },
    ],
  });
  await root.stop();
});

s('get() returns the current incarnation and undefined while the worker is down', async () => {
  const h = harness();
  const root = new Supervisor(nestedTree(h), h.deps);
  await root.start();
  const first = root.get('root/ingest');
  assert.is(first, h.latest('ingest'));
  root.injectFault('root/ingest', 'x');
  await h.time.advance(0);
  assert.is(root.get('root/ingest'), undefined, 'down while waiting out the backoff');
  await h.time.advance(100);
  assert.is(root.get('root/ingest'), h.latest('ingest'));
  assert.is.not(root.get('root/ingest'), first);
  await root.stop();
});

s('stop() during a pending backoff cancels the restart', async () => {
  const h = harness();
  const root = new Supervisor(nestedTree(h), h.deps);
  await root.start();
  root.injectFault('root/monitor', 'x');
  await h.time.advance(0);
  await root.stop();
  await h.time.advance(10_000);
  assert.is(h.actors.get('monitor')?.length, 1, 'never restarted');
  assert.equal(h.seen('restarted'), []);
});

s('systemDeps runs the same restart on real timers', async () => {
  const h = harness();
  const events: SupervisionEvent[] = [];
  const root = new Supervisor(
    {
      kind: 'supervisor',
      id: 'root',
      strategy: 'one_for_one',
      intensity: { maxRestarts: 2, withinMs: 1000 },
      backoff: { initialMs: 5, maxMs: 5, jitter: 0 },
      children: [h.worker('w')],
    },
    systemDeps((e) => events.push(e)),
  );
  await root.start();
  root.injectFault('root/w', 'real time');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(events.map((e) => e.type), ['started', 'started', 'crashed', 'started', 'restarted']);
  assert.ok(events.every((e) => e.at > 1_600_000_000_000), 'stamped with Date.now');
  await root.stop();
});

s.run();
