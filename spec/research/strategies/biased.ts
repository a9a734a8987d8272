/**
 * A deliberately biased strategy for the bias checks' tests: the shipped strategy plus one
 * feature, `nextClose`, that reads the NEXT bar's close (null on the last bar). Its signals are
 * the shipped ones, so `fakeout check lookahead` must name `nextClose` and nothing else.
 * Default export: a function of the config, as `--strategy` modules may be.
 */
import type { Config } from '../../../actors/domain/config.ts';
import { shippedStrategy, type Strategy } from '../../../actors/research/strategy.ts';

export default function biased(config: Readonly<Config>): Strategy {
  const shipped = shippedStrategy(config);
  return {
    name: 'biased-next-close',
    run(bars) {
      return shipped.run(bars).map((step, i) => ({ ...step, values: { ...step.values, nextClose: bars[i + 1]?.close ?? null } }));
    },
  };
}
