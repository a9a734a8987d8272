import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COMPONENTS_LAYOUT, FEATURES_LAYOUT, SCORE_LAYOUT } from '../../actors/domain/layout-hints.ts';
import { FeatureEngine } from '../../actors/features/index.ts';
import { scoreFeatures } from '../../actors/scoring/index.ts';
import { barId, type Features } from '../../actors/domain/messages.ts';

const s = suite('layout-hints');

// A layout hint only helps V8 when its keys come in the same order as the object it stands for
// (actors/domain/layout-hints.ts); a stale hint changes no value, so only this test notices it.
s('the hints list the keys of real features, scores and components in their order', () => {
  const engine = new FeatureEngine({ lookback: 2, atrPeriod: 1 });
  let features: Features | null = null;
  for (let k = 0; k < 5; k++) {
    const openTime = Date.parse('2024-03-11T12:00:00Z') + k * 60_000;
    const up = k === 4 ? 5 : 0; // the last bar pokes above the range and closes back inside
    features = engine.update({ id: barId('ES', '1m', openTime), symbol: 'ES', timeframe: '1m', openTime, closeTime: openTime + 60_000, open: 100, high: 101 + up, low: 99, close: 100, volume: 10, count: 1 });
  }
  assert.ok(features !== null);
  const score = scoreFeatures(features);
  assert.is(score.direction, 'short');
  assert.equal(Object.keys(FEATURES_LAYOUT), Object.keys(features));
  assert.equal(Object.keys(SCORE_LAYOUT), Object.keys(score));
  assert.equal(Object.keys(COMPONENTS_LAYOUT), Object.keys(score.components));
});

s.run();
