import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import {
  RestartIntensity,
  Supervisor,
  backoffDelay,
  classifySnapshot,
  restartGroup,
  shouldRestart,
  validateSupervisorSpec,
} from '../../supervision/index.ts';
import type { SupervisorSpec } from '../../supervision/index.ts';
import { harness } from './supervision-fixtures.ts';

const s = suite('restart policy (pure parts)');

s('shouldRestart follows OTP restart types', () => {
  const crash = { kind: 'crash', reason: 'x' } as const;
  const normal = { kind: 'normal' } as const;
  assert.equal(
    (['permanent', 'transient', 'temporary'] as const).map((t) => [shouldRestart(t, crash), shouldRestart(t, normal)]),
    [
      [true, true],
      [true, false],
      [false, false],
    ],
  );
});

s('restartGroup picks siblings by strategy, stopping temporary ones and skipping finished ones', () => {
  const kids = [
    { restart: 'permanent', done: false },
    { restart: 'temporary', done: false },
    { restart: 'transient', done: true },
    { restart: 'transient', done: false },
  ] as const;
  assert.equal(restartGroup('one_for_one', kids, 1), { restart: [1], stopOnly: [] });
  assert.equal(restartGroup('one_for_all', kids, 3), { restart: [0, 3], stopOnly: [1] });
  assert.equal(restartGroup('rest_for_one', kids, 0), { restart: [0, 3], stopOnly: [1] });
  assert.equal(restartGroup('rest_for_one', kids, 3), { restart: [3], stopOnly: [] });
});

s('RestartIntensity allows maxRestarts within the window and forgets older ones', () => {
  const i = new RestartIntensity(2, 1000);
  assert.equal([i.record(0), i.record(100), i.record(200)], [true, true, false]);
  // at t=1000 the restart at 0 has left the window (age 1000 is not < 1000); 100 and 200 remain
  assert.is(i.count(1000), 2);
  assert.is(i.record(1150), true, 'only 200 and 1150 are inside (1150−100 = 1050 ≥ 1000)');
  i.reset();
  assert.is(i.count(1150), 0);
});

s('backoffDelay grows by factor, caps at maxMs and jitters within ±jitter, never above the cap', () => {
  const spec = { initialMs: 100, maxMs: 1000, factor: 3, jitter: 0.5 };
  const mid = () => 0.5;
  // 100·3^(n−1): 100, 300, 900, 2700→1000
  assert.equal([1, 2, 3, 4].map((n) => backoffDelay(n, spec, mid)), [100, 300, 900, 1000]);
  assert.is(backoffDelay(2, spec, () => 0), 150, '300·(1−0.5)');
  assert.is(backoffDelay(2, spec, () => 0.999999), 450, '300·(1+0.5·0.999998) ≈ 449.9997 → 450');
  assert.is(backoffDelay(4, spec, () => 0.999999), 1000, 'jitter does not lift it above maxMs');
  assert.is(backoffDelay(4, spec, () => 0), 500, '1000·(1−0.5)');
  // defaults: 100 ms, factor 2, cap 5000, jitter 0.2
  assert.equal([1, 2, 7, 8].map((n) => backoffDelay(n, undefined, mid)), [100, 200, 5000, 5000]);
  assert.is(backoffDelay(1, undefined, () => 0), 80);
});

s('backoffDelay with firstMs: the first restart waits firstMs, the next ones grow from initialMs', () => {
  const spec = { firstMs: 5, initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.2 };
  const mid = () => 0.5;
  // By hand: n=1 → 5; n=2 → 100·2^0; n=3 → 100·2^1; n=8 → 100·2^6 = 6400 → capped 5000.
  assert.equal([1, 2, 3, 8].map((n) => backoffDelay(n, spec, mid)), [5, 100, 200, 5000]);
  assert.is(backoffDelay(1, spec, () => 0), 4, '5·(1−0.2) = 4');
  assert.is(backoffDelay(1, { ...spec, firstMs: 9_000 }, mid), 5000, 'firstMs is capped by maxMs too');
});

s('classifySnapshot tells crashes from normal exits', () => {
  assert.equal(classifySnapshot({ status: 'active', value: 'running' }), undefined);
  assert.equal(classifySnapshot({ status: 'error', error: new Error('kaput') }), { kind: 'crash', reason: 'kaput' });
  assert.equal(classifySnapshot({ status: 'active', value: 'failed', context: { error: 'disk full' } }), { kind: 'crash', reason: 'disk full' });
  assert.equal(classifySnapshot({ status: 'done', value: 'failed', context: { error: new Error('bad') } }), { kind: 'crash', reason: 'bad' });
  assert.equal(classifySnapshot({ status: 'done', value: 'stopped' }), { kind: 'normal', reason: 'exited normally' });
  assert.equal(classifySnapshot({ status: 'stopped', value: 'running' })?.kind, 'crash');
});

s('a malformed spec is rejected with FAKEOUT_ERR_CONFIG_INVALID before anything starts', () => {
  const h = harness();
  const base: SupervisorSpec = {
    kind: 'supervisor',
    id: 'root',
    strategy: 'one_for_one',
    intensity: { maxRestarts: 1, withinMs: 1000 },
    children: [h.worker('a')],
  };
  const bad: SupervisorSpec[] = [
    { ...base, children: [h.worker('a'), h.worker('a')] },
    { ...base, children: [h.worker('a/b')] },
    { ...base, id: '' },
    { ...base, intensity: { maxRestarts: -1, withinMs: 1000 } },
    { ...base, backoff: { initialMs: 10, maxMs: 100, jitter: 2 } },
    { ...base, children: [{ ...base, id: 'inner', children: [h.worker('x'), h.worker('x')] }] },
  ];
  for (const spec of bad) {
    assert.throws(() => new Supervisor(spec, h.deps), (err: unknown) => isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID'));
  }
  validateSupervisorSpec(base);
  assert.equal(h.starts, []);
});

s.run();
