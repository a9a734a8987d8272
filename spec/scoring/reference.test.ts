/**
 * The production feature engine and score against the tests' own implementation of
 * docs/scoring.md (spec/helpers/reference-scoring.ts) over real FTX BTC-PERP minutes, every
 * timeframe: each score, direction and signal equal. The end-to-end tests take their expected
 * signals from the same reference, so this is where a difference shows first and fastest.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeatureEngine } from '../../actors/features/feature-engine.ts';
import { DEFAULT_SCORING_PARAMS, scoreFeatures, toSignal } from '../../actors/scoring/score.ts';
import { expectedBars } from '../e2e/expected.ts';
import { writeFtxSlice } from '../helpers/app.ts';
import { referenceScoring } from '../helpers/reference-scoring.ts';

const s = suite('scoring against the documented rules');

s('every score, direction and signal of 6,000 FTX minutes (1m to 1h) is what docs/scoring.md gives', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-ref-'));
  try {
    const bars = [...expectedBars('BTC-PERP', writeFtxSlice(dir, 6000).rows).values()].sort((a, b) => a.openTime - b.openTime);
    const engine = new FeatureEngine({ lookback: 20, atrPeriod: 14 });
    const scores: { id: string; score: number; direction: string | null }[] = [];
    const signals: { id: string; direction: string; score: number; entry: number; stop: number; target: number }[] = [];
    for (const bar of bars) {
      const f = engine.update(bar);
      if (!f) continue;
      const sc = scoreFeatures(f, DEFAULT_SCORING_PARAMS);
      scores.push({ id: bar.id, score: sc.score, direction: sc.direction });
      const sig = toSignal(sc, DEFAULT_SCORING_PARAMS);
      if (sig) signals.push({ id: sig.id, direction: sig.direction, score: sig.score, entry: sig.entry, stop: sig.stop, target: sig.target });
    }
    const ref = referenceScoring(bars);
    const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    assert.ok(ref.signals.length > 100 && ref.scores.length > 7000, 'enough to mean something');
    assert.equal(byId(scores), ref.scores, 'scores');
    assert.equal(byId(signals), ref.signals.map(({ id, direction, score, entry, stop, target }) => ({ id, direction, score, entry, stop, target })), 'signals');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('the reference itself: the worked example of docs/scoring.md scores 88 short, stop 103.2, target 94.8', () => {
  const flat = Array.from({ length: 20 }, (_, i) => ({ id: `X:1m:${i}`, symbol: 'X', timeframe: '1m', openTime: i * 60_000, open: 100, high: 101, low: 99, close: 100, volume: 10 }));
  const bar = { id: 'X:1m:20', symbol: 'X', timeframe: '1m', openTime: 20 * 60_000, open: 100.2, high: 103, low: 99.8, close: 100.4, volume: 25 };
  const { scores, signals } = referenceScoring([...flat, bar]);
  assert.equal(scores, [{ id: 'X:1m:20', score: 88, direction: 'short' }]);
  assert.is(signals.length, 1);
  assert.equal([signals[0]!.entry, signals[0]!.stop, Math.round(signals[0]!.target * 1e9) / 1e9], [100.4, 103.2, 94.8]);
  const outside = referenceScoring([...flat, { ...bar, close: 104.6 }]);
  assert.equal(outside.scores, [{ id: 'X:1m:20', score: 0, direction: null }], 'closing outside the range is no fakeout');
});

s.run();
