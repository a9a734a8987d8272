/**
 * The paper broker's cache of the stored bars it read (StoredBarsCache): a range up to the newest
 * bar a read returned is answered from memory; a range past it (a bar not visible at the read) is
 * read again. Expected calls and bars by hand: 1-minute bars at T0 + i min.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bar } from '../../actors/domain/messages.ts';
import { BARS_AHEAD, StoredBarsCache } from '../../adapters/broker/paper-book-cache.ts';

const T0 = Date.parse('2024-03-11T14:00:00Z');
const MIN = 60_000;
const bar = (i: number): Bar => ({ id: `SPY:1m:${T0 + i * MIN}`, symbol: 'SPY', timeframe: '1m', openTime: T0 + i * MIN, closeTime: T0 + (i + 1) * MIN, open: 100, high: 101, low: 99, close: 100, volume: 1, count: 1 });

const s = suite('paper broker: stored bars cache');

s('a read reaches BARS_AHEAD bars on; what it holds is served, a bar past its newest is read again', async () => {
  const stored = [0, 1, 2].map(bar); // bars 0..2 stored so far
  const calls: [number, number][] = [];
  const storedBars = async (_s: string, _tf: string, from: number, to: number) => {
    calls.push([from, to]);
    return stored.filter((b) => b.openTime >= from && b.openTime <= to);
  };
  const c = new StoredBarsCache();
  const ids = (bars: Bar[]) => bars.map((b) => b.openTime);
  assert.equal(ids(await c.read(storedBars, 'SPY', '1m', T0, T0 + MIN)), [T0, T0 + MIN]);
  assert.equal(calls, [[T0, T0 + MIN + BARS_AHEAD * MIN]]);
  // bars 1..2 were in that read: no new call
  assert.equal(ids(await c.read(storedBars, 'SPY', '1m', T0 + 1, T0 + 2 * MIN)), [T0 + MIN, T0 + 2 * MIN]);
  assert.is(calls.length, 1);
  // bar 3 is stored after the read: a range to bar 3 reaches past the newest bar read (2), so it is read again
  stored.push(bar(3));
  assert.equal(ids(await c.read(storedBars, 'SPY', '1m', T0 + 2 * MIN + 1, T0 + 3 * MIN)), [T0 + 3 * MIN]);
  assert.equal(calls[1], [T0 + 2 * MIN + 1, T0 + 3 * MIN + BARS_AHEAD * MIN]);
  // a range starting before the cached one is read again too
  assert.equal(ids(await c.read(storedBars, 'SPY', '1m', T0, T0 + MIN)), [T0, T0 + MIN]);
  assert.is(calls.length, 3);
  // another series is its own
  await c.read(storedBars, 'SPY', '5m', T0, T0);
  assert.is(calls.length, 4);
  c.clear();
  await c.read(storedBars, 'SPY', '1m', T0, T0 + MIN);
  assert.is(calls.length, 5, 'after clear() every range is read again');
});

s.run();
