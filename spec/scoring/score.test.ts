import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SCORING_PARAMS, scoreFeatures, toSignal, validateScoringParams } from '../../actors/scoring/index.ts';
import { FeatureEngine } from '../../actors/features/index.ts';
import { barId, type Bar, type Features } from '../../actors/domain/messages.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';

const s = suite('score');

const H = 1_699_999_200_000;
const M = 60_000;
const near = (a: number, b: number, msg: string) => assert.ok(Math.abs(a - b) < 1e-9, `${msg}: got ${a}, expected ${b}`);

function bar(k: number, o: number, h: number, l: number, c: number, v: number): Bar {
  const openTime = H + k * M;
  return { id: barId('ES', '1m', openTime), symbol: 'ES', timeframe: '1m', openTime, closeTime: openTime + M, open: o, high: h, low: l, close: c, volume: v, count: 1 };
}

/** Features of `last` after 20 flat bars O100 H101 L99 C100 V10 (range 99..101, ATR 2, mean volume 10). */
function afterFlatRange(last: Bar): Features {
  const engine = new FeatureEngine();
  for (let k = 0; k < 20; k++) engine.update(bar(k, 100, 101, 99, 100, 10));
  const f = engine.update(last);
  assert.ok(f);
  return f;
}

/** Hand-built features; only the fields scoring reads matter. */
function features(over: Partial<Features>): Features {
  return {
    id: 'X:1m:0', symbol: 'X', timeframe: '1m', openTime: 0, close: 55, high: 56, low: 54, rangeHigh: 60, rangeLow: 50, atr: 2,
    upperWickRatio: 0, lowerWickRatio: 0, breakoutUpAtr: 0, breakoutDownAtr: 0, closeBackInsideUpAtr: 0, closeBackInsideDownAtr: 0,
    volumeRatio: 0, volume: 0, lookback: 20, regime: { session: 'off_hours', volatility: null, trend: null }, atrPercentile: null, trendSlopeAtr: null, ...over,
  };
}

s('scores a textbook failed upside break and signals a short', () => {
  // O100.2 H103 L99.8 C100.4 V25 (see feature-engine.test.ts for the features):
  // breakout 1 ATR -> min(1/1, 1)*25 = 25; back inside 0.3 ATR -> min(0.3/0.5, 1)*30 = 18;
  // upper wick 0.8125 -> min(0.8125/0.5, 1)*25 = 25; volume 2.5x -> min(2.5/1.5, 1)*20 = 20; total 88
  const score = scoreFeatures(afterFlatRange(bar(20, 100.2, 103, 99.8, 100.4, 25)), DEFAULT_SCORING_PARAMS);
  assert.is(score.direction, 'short');
  assert.equal(score.components, { breakout: 25, rejection: 18, wick: 25, volume: 20 });
  assert.is(score.score, 88);
  assert.is(score.id, 'ES:1m:' + String(H + 20 * M));

  const signal = toSignal(score, DEFAULT_SCORING_PARAMS);
  assert.ok(signal);
  assert.is(signal.direction, 'short');
  assert.is(signal.id, score.id);
  // entry = close 100.4; stop = high 103 + 0.1 * ATR 2 = 103.2; risk 2.8; target = 100.4 - 2 * 2.8 = 94.8
  near(signal.entry, 100.4, 'entry');
  near(signal.stop, 103.2, 'stop');
  near(signal.target, 94.8, 'target');
});

s('the score and the signal carry the bar\'s regime tags through their features', () => {
  // bar 20 opens 2023-11-14 22:20Z, a Tuesday: New York closed at 17:00 EST = 22:00Z, Tokyo opens
  // at 00:00Z, so off hours; 20 previous bars are too few for the ATR window (100) or the trend (50 + 10)
  const score = scoreFeatures(afterFlatRange(bar(20, 100.2, 103, 99.8, 100.4, 25)), DEFAULT_SCORING_PARAMS);
  const signal = toSignal(score, DEFAULT_SCORING_PARAMS);
  assert.ok(signal);
  for (const f of [score.features, signal.features]) {
    assert.equal(f.regime, { session: 'off_hours', volatility: null, trend: null });
    assert.is(f.atrPercentile, null);
    assert.is(f.trendSlopeAtr, null);
  }
});

s('scores a clean breakout that closed outside the range as 0 with no signal', () => {
  const score = scoreFeatures(afterFlatRange(bar(20, 100.5, 105, 100.3, 104.6, 30)), DEFAULT_SCORING_PARAMS);
  assert.is(score.score, 0);
  assert.is(score.direction, null);
  assert.equal(score.components, { breakout: 0, rejection: 0, wick: 0, volume: 0 });
  assert.is(toSignal(score, DEFAULT_SCORING_PARAMS), null);
});

s('components of a bar without a failed break are zeros in the usual key order and cannot be written', () => {
  const quiet = scoreFeatures(features({}), DEFAULT_SCORING_PARAMS);
  const failed = scoreFeatures(features({ high: 61, close: 59, breakoutUpAtr: 0.5, closeBackInsideUpAtr: 0.5, upperWickRatio: 0.3 }), DEFAULT_SCORING_PARAMS);
  assert.is(quiet.direction, null);
  assert.is(failed.direction, 'short');
  assert.equal(JSON.stringify(quiet.components), '{"breakout":0,"rejection":0,"wick":0,"volume":0}');
  assert.equal(Object.keys(quiet.components), Object.keys(failed.components));
  // one bar's consumer must not be able to change another bar's score (the zeros may be shared)
  assert.throws(() => { quiet.components.breakout = 1; }, TypeError);
  assert.is(scoreFeatures(features({}), DEFAULT_SCORING_PARAMS).components.breakout, 0);
});

s('gives partial credit below the thresholds and no signal under the trigger', () => {
  // breakout 0.4/1*25 = 10; rejection 0.2/0.5*30 = 12; wick 0.3/0.5*25 = 15; volume 0.9/1.5*20 = 12; total 49
  const score = scoreFeatures(features({ high: 61, close: 59.6, breakoutUpAtr: 0.4, closeBackInsideUpAtr: 0.2, upperWickRatio: 0.3, volumeRatio: 0.9 }));
  assert.is(score.direction, 'short');
  assert.equal(score.components, { breakout: 10, rejection: 12, wick: 15, volume: 12 });
  assert.is(score.score, 49);
  assert.is(toSignal(score), null);
  assert.ok(toSignal(score, { ...DEFAULT_SCORING_PARAMS, triggerScore: 49 }), 'score == trigger signals');
});

s('a failed downside break signals a long with stop below the wick', () => {
  // breakout 0.8 -> 20; back inside 0.5 -> 30; lower wick 0.45 -> 22.5; volume 1.2 -> 16; total 88.5
  const f = features({ high: 52, low: 48.4, close: 51, breakoutDownAtr: 0.8, closeBackInsideDownAtr: 0.5, lowerWickRatio: 0.45, volumeRatio: 1.2 });
  const score = scoreFeatures(f);
  assert.is(score.direction, 'long');
  assert.equal(score.components, { breakout: 20, rejection: 30, wick: 22.5, volume: 16 });
  assert.is(score.score, 88.5);
  const signal = toSignal(score)!;
  // entry 51; stop = 48.4 - 0.1 * 2 = 48.2; risk 2.8; target = 51 + 2 * 2.8 = 56.6
  assert.is(signal.direction, 'long');
  near(signal.stop, 48.2, 'stop');
  near(signal.target, 56.6, 'target');
});

s('an outside bar that failed both ways takes the higher-scoring side', () => {
  // up:   breakout 1 -> 25, back inside 2.5 -> 30, upper wick 0.2 -> 10, volume 1.5 -> 20 = 85
  // down: breakout 1 -> 25, back inside 2.5 -> 30, lower wick 0.4 -> 20, volume 1.5 -> 20 = 95
  const f = features({ high: 62, low: 48, close: 55, breakoutUpAtr: 1, breakoutDownAtr: 1, closeBackInsideUpAtr: 2.5, closeBackInsideDownAtr: 2.5, upperWickRatio: 0.2, lowerWickRatio: 0.4, volumeRatio: 1.5 });
  const score = scoreFeatures(f);
  assert.is(score.direction, 'long');
  assert.is(score.score, 95);
  const mirrored = scoreFeatures({ ...f, upperWickRatio: 0.4, lowerWickRatio: 0.2 });
  assert.is(mirrored.direction, 'short');
  assert.is(mirrored.score, 95);
});

s('components add up to the score, rounded to 2 decimals', () => {
  // breakout 0.333/1*25 = 8.325 (8.325000000000001 in floating point) -> 8.33; rejection 0.1/0.5*30 = 6; wick 0.123/0.5*25 = 6.15; volume 1/1.5*20 = 13.333 -> 13.33
  const score = scoreFeatures(features({ high: 61, close: 59.8, breakoutUpAtr: 0.333, closeBackInsideUpAtr: 0.1, upperWickRatio: 0.123, volumeRatio: 1 }));
  const sum = Object.values(score.components).reduce((a, b) => a + b, 0);
  near(sum, score.score, 'sum of components');
  assert.equal(score.components, { breakout: 8.33, rejection: 6, wick: 6.15, volume: 13.33 });
  assert.is(score.score, 33.81); // 8.33 + 6 + 6.15 + 13.33
  assert.is(score.score, Math.round(score.score * 100) / 100);
});

s('validateScoringParams fills defaults, freezes, and names the bad field', () => {
  const p = validateScoringParams({ triggerScore: 80 });
  assert.equal({ ...p }, { ...DEFAULT_SCORING_PARAMS, triggerScore: 80 });
  assert.ok(Object.isFrozen(p));
  assert.ok(Object.isFrozen(DEFAULT_SCORING_PARAMS));

  const bad: [unknown, string][] = [
    [{ triggerScore: 101 }, 'triggerScore'],
    [{ triggerScore: -1 }, 'triggerScore'],
    [{ wickThreshold: 0 }, 'wickThreshold'],
    [{ wickThreshold: 1.5 }, 'wickThreshold'],
    [{ volumeThreshold: Number.NaN }, 'volumeThreshold'],
    [{ targetR: '2' }, 'targetR'],
    [{ stopBufferAtr: Number.POSITIVE_INFINITY }, 'stopBufferAtr'],
    [{ stopBufferAtr: -0.1 }, 'stopBufferAtr'],
    [{ trigerScore: 70 }, 'trigerScore'],
    [null, 'scoring'],
  ];
  for (const [input, field] of bad) {
    try {
      validateScoringParams(input);
      assert.unreachable(`accepted ${JSON.stringify(input)}`);
    } catch (err) {
      assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID'), String(err));
      assert.is(err.info['field'], field);
      assert.ok(err.message.includes(field));
    }
  }
});

s.run();
