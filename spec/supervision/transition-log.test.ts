/**
 * The transition log (supervision/transition-log.ts) fed by a real supervisor over the test
 * machines: what the Actors tab shows per actor (state changes, restarts, uptime) and the
 * sequence a live stream resumes from. Expected values are read off the test tree by hand.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Supervisor, TransitionLog } from '../../supervision/index.ts';
import type { SupervisorSpec } from '../../supervision/index.ts';
import { harness, type Harness } from './supervision-fixtures.ts';

const s = suite('transition log');

function tree(h: Harness): SupervisorSpec {
  return {
    kind: 'supervisor',
    id: 'root',
    strategy: 'one_for_one',
    intensity: { maxRestarts: 5, withinMs: 10_000 },
    backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    children: [h.worker('a'), h.worker('b')],
  };
}

function wired(h: Harness, opts: { perActor?: number; total?: number } = {}) {
  const log = new TransitionLog({ now: () => h.time.now, ...opts });
  const listener = h.deps.listener;
  const root = new Supervisor(tree(h), {
    ...h.deps,
    listener: (e) => {
      listener(e);
      log.record(e);
    },
    onIncarnation: (path, actor) => log.watch(path, actor),
  });
  return { log, root };
}

s('records each incarnation: its first state, started, the fault state, crashed, restarted', async () => {
  const h = harness();
  const { log, root } = wired(h);
  await root.start();
  await h.time.advance(1000);
  root.injectFault('root/b', 'drill');
  await h.time.advance(0);
  await h.time.advance(100); // backoff initialMs
  const b = log.view(root.tree()).children!.find((c) => c.id === 'b')!;
  assert.equal(
    b.transitions.map((t) => [t.kind, t.state ?? t.reason ?? null, t.at]),
    [
      ['state', 'running', 0],
      ['started', null, 0],
      ['state', 'failed', 1000],
      ['crashed', 'fault injected: drill', 1000],
      ['state', 'running', 1100],
      ['started', null, 1100],
      ['restarted', null, 1100],
    ],
  );
  assert.is(b.transitions[2]!.from, 'running');
  assert.is(b.transitions[6]!.restarts, 1);
  assert.is(b.restarts, 1);
  await root.stop();
});

s('uptime counts from the current incarnation on the injected clock, and is null while down', async () => {
  const h = harness();
  const { log, root } = wired(h);
  await root.start();
  await h.time.advance(5000);
  let view = log.view(root.tree());
  assert.is(view.children![0]!.uptimeMs, 5000);
  assert.is(view.uptimeMs, 5000, 'the supervisor itself came up at 0');
  root.injectFault('root/a', 'x');
  await h.time.advance(0);
  view = log.view(root.tree());
  assert.is(view.children![0]!.uptimeMs, null, 'restarting: not up');
  assert.is(view.children![0]!.startedAt, null);
  await h.time.advance(100);
  await h.time.advance(250);
  view = log.view(root.tree());
  assert.is(view.children![0]!.startedAt, 5100);
  assert.is(view.children![0]!.uptimeMs, 250);
  assert.is(view.children![1]!.uptimeMs, 5350, 'a sibling under one_for_one kept running');
  await root.stop();
});

s('the rings are bounded per actor and overall; since(seq) resumes after a seen transition', async () => {
  const h = harness();
  const { log, root } = wired(h, { perActor: 3, total: 5 });
  await root.start();
  // a: state, started; b: state, started; root: started = 5 transitions, seq 1..5
  assert.is(log.lastSeq, 5);
  assert.equal(log.since(3).map((t) => t.seq), [4, 5]);
  root.injectFault('root/a', 'x');
  await h.time.advance(0); // a: state failed (6), crashed (7)
  const a = log.view(root.tree()).children![0]!;
  assert.equal(a.transitions.map((t) => t.seq), [2, 6, 7], 'only the last 3 of a');
  assert.equal(log.since(0).map((t) => t.seq), [3, 4, 5, 6, 7], 'only the last 5 overall');
  await root.stop();
});

s('subscribers hear every transition as it is recorded; a throwing one does not stop the others', async () => {
  const h = harness();
  const { log, root } = wired(h);
  const heard: string[] = [];
  log.subscribe(() => {
    throw new Error('broken stream');
  });
  const off = log.subscribe((t) => heard.push(`${t.seq}:${t.kind}:${t.path}`));
  await root.start();
  off();
  root.injectFault('root/a', 'x');
  await h.time.advance(0);
  assert.equal(heard, ['1:state:root/a', '2:started:root/a', '3:state:root/b', '4:started:root/b', '5:started:root']);
  await root.stop();
});

s('an observer that throws does not keep the actor from starting', async () => {
  const h = harness();
  const root = new Supervisor(tree(h), {
    ...h.deps,
    onIncarnation: () => {
      throw new Error('inspector down');
    },
  });
  await root.start();
  assert.equal(h.seen('started'), ['root/a', 'root/b', 'root']);
  assert.equal(h.seen('crashed'), []);
  await root.stop();
});

s.run();
