/**
 * A deliberately warm-up-sensitive strategy for the bias checks' tests: `meanCloseSinceStart`,
 * the mean close of every bar since the first one it was given, never forgets its start, so no
 * warm-up length makes it agree with the run on all bars. No look-ahead (bars 0..i only), no
 * signals. Default export: a Strategy object, as `--strategy` modules may be.
 */
import type { Strategy } from '../../../actors/research/strategy.ts';

const warmupSensitive: Strategy = {
  name: 'warmup-sensitive-mean',
  run(bars) {
    let sum = 0;
    return bars.map((bar, i) => {
      sum += bar.close;
      return { values: { close: bar.close, meanCloseSinceStart: sum / (i + 1) }, signal: null };
    });
  },
};

export default warmupSensitive;
