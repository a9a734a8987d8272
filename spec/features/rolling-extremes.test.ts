import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Atr, RollingExtremes, RollingMean, type RollingExtremesSnapshot } from '../../actors/features/index.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { seededRandom } from '../bars/seeded-random.ts';

const s = suite('rolling-extremes');
const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

s('rolling extremes match brute force on a seeded random series, including partial windows', () => {
  const rnd = seededRandom(42);
  const highs: number[] = [];
  const lows: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const mid = 100 + Math.round((rnd() - 0.5) * 200) / 10; // ties are frequent on a 0.1 grid
    highs.push(mid + Math.round(rnd() * 20) / 10);
    lows.push(mid - Math.round(rnd() * 20) / 10);
  }
  for (const n of [1, 2, 7, 20, 100]) {
    let x = new RollingExtremes(n);
    assert.is(x.max, null);
    for (let i = 0; i < highs.length; i++) {
      x.update(highs[i]!, lows[i]!);
      if (i === 1500) x = RollingExtremes.restore(roundTrip(x.snapshot()) as RollingExtremesSnapshot);
      const from = Math.max(0, i - n + 1);
      assert.is(x.max, Math.max(...highs.slice(from, i + 1)), `max n=${n} i=${i}`);
      assert.is(x.min, Math.min(...lows.slice(from, i + 1)), `min n=${n} i=${i}`);
      assert.is(x.isReady, i + 1 >= n);
    }
  }
});

s('window sizes must be positive integers', () => {
  for (const make of [() => new RollingExtremes(0), () => new RollingMean(1.5), () => new Atr(-1)]) {
    try {
      make();
      assert.unreachable();
    } catch (err) {
      assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID'));
    }
  }
});

s.run();
