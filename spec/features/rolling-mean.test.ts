import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RollingMean, type RollingMeanSnapshot } from '../../actors/features/index.ts';
import { seededRandom } from '../bars/seeded-random.ts';

const s = suite('rolling-mean');
const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

s('rolling mean keeps the mean of the last N values', () => {
  const m = new RollingMean(3);
  assert.is(m.value, null);
  m.update(1);
  m.update(2);
  assert.is(m.value, 1.5); // partial: (1+2)/2
  assert.not.ok(m.isReady);
  m.update(3);
  assert.is(m.value, 2); // (1+2+3)/3
  m.update(4);
  assert.is(m.value, 3); // (2+3+4)/3
  const restored = RollingMean.restore(roundTrip(m.snapshot()) as RollingMeanSnapshot);
  m.update(10);
  restored.update(10);
  assert.is(m.value, 17 / 3); // (3+4+10)/3
  assert.is(restored.value, m.value);
});

s('rolling mean does not drift over a long seeded series', () => {
  const rnd = seededRandom(9);
  const values = Array.from({ length: 100_000 }, () => rnd() * 1e6);
  const m = new RollingMean(20);
  for (const v of values) m.update(v);
  const exact = values.slice(-20).reduce((a, b) => a + b, 0) / 20;
  assert.ok(Math.abs(m.value! - exact) < 1e-9 * exact);
});

s.run();
