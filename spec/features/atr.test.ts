import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Atr, trueRange, type AtrSnapshot } from '../../actors/features/index.ts';
import { seededRandom } from '../bars/seeded-random.ts';

const s = suite('atr');
const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

s('true range uses the previous close across a gap', () => {
  assert.is(trueRange({ high: 10, low: 8, close: 9 }, null), 2); // no previous bar: high - low
  assert.is(trueRange({ high: 15, low: 14, close: 14.5 }, 11), 4); // gap up: |15 - 11| = 4 beats 1
  assert.is(trueRange({ high: 14, low: 12, close: 13 }, 14.5), 2.5); // |12 - 14.5| = 2.5 beats 2
});

s('Wilder ATR matches a hand-computed example', () => {
  // period 3. TRs (hand-computed):
  //   b1 H10 L8 C9                 TR 2 (first bar: high - low)
  //   b2 H12 L9 C11    prevC 9     TR max(3, 3, 0) = 3
  //   b3 H11.5 L10.5 C11 prevC 11  TR max(1, .5, .5) = 1     ATR = (2+3+1)/3 = 2
  //   b4 H15 L14 C14.5 prevC 11    TR max(1, 4, 3) = 4       ATR = (2*2 + 4)/3 = 8/3
  //   b5 H14 L12 C13 prevC 14.5    TR max(2, .5, 2.5) = 2.5  ATR = (8/3*2 + 2.5)/3 = 47/18
  const bars = [
    { high: 10, low: 8, close: 9 },
    { high: 12, low: 9, close: 11 },
    { high: 11.5, low: 10.5, close: 11 },
    { high: 15, low: 14, close: 14.5 },
    { high: 14, low: 12, close: 13 },
  ];
  const atr = new Atr(3);
  const values = bars.map((b) => {
    atr.update(b);
    return atr.value;
  });
  assert.equal(values.slice(0, 2), [null, null]);
  assert.is(values[2], 2);
  assert.ok(Math.abs(values[3]! - 8 / 3) < 1e-12);
  assert.ok(Math.abs(values[4]! - 47 / 18) < 1e-12);
  assert.ok(atr.isReady);
});

s('ATR restored from a snapshot continues identically', () => {
  const rnd = seededRandom(3);
  const a = new Atr(14);
  let b: Atr | null = null;
  let close = 100;
  for (let i = 0; i < 500; i++) {
    const high = close + rnd() * 2;
    const low = close - rnd() * 2;
    close = low + (high - low) * rnd();
    a.update({ high, low, close });
    if (i === 7) b = Atr.restore(roundTrip(a.snapshot()) as AtrSnapshot); // mid-seed
    else b?.update({ high, low, close });
  }
  assert.is(b!.value, a.value);
});

s.run();
