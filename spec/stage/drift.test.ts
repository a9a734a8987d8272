import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BarBuilder } from '../../actors/bars/bar-builder.ts';
import { barBuilderStage } from '../../actors/bars/bar-builder.actor.ts';
import { FeatureEngine } from '../../actors/features/feature-engine.ts';
import { featureEngineStage } from '../../actors/features/feature-engine.actor.ts';

const s = suite('checkpoint settings vs config');

s('the bar-builder names FAKEOUT_TIMEFRAMES when the checkpoint builds other timeframes', () => {
  const snap = new BarBuilder({ timeframes: ['1m', '5m'] }).snapshot();
  assert.is(barBuilderStage(['5m', '1m']).drift!(snap), undefined, 'same set in another order is no drift');
  assert.is(barBuilderStage(['1m', '5m', '1h']).drift!(snap), 'FAKEOUT_TIMEFRAMES=1m,5m,1h but the checkpoint builds 1m,5m');
});

s('the feature-engine names FAKEOUT_LOOKBACK and FAKEOUT_ATR_PERIOD when they differ from the checkpoint', () => {
  const snap = new FeatureEngine({ lookback: 20, atrPeriod: 14 }).snapshot();
  assert.is(featureEngineStage({ lookback: 20, atrPeriod: 14 }).drift!(snap), undefined);
  assert.is(
    featureEngineStage({ lookback: 30, atrPeriod: 10 }).drift!(snap),
    'FAKEOUT_LOOKBACK=30 but the checkpoint uses 20; FAKEOUT_ATR_PERIOD=10 but the checkpoint uses 14',
  );
});

s.run();
