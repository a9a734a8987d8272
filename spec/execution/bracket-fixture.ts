/**
 * The bars and the bracket order that paper-broker-bracket.test.ts and paper-broker-kill.test.ts
 * both trade: bar 0 is the signal bar (closes at T0 + 1 min); bar 1 fills the entry; bar 2 reaches
 * the target 100.5. SPY, volume 10 000 a bar.
 */
import type { Bar } from '../../actors/domain/messages.ts';
import type { OrderRequest } from '../../adapters/broker/index.ts';

export const T0 = Date.parse('2024-03-11T14:00:00Z');
export const MIN = 60_000;

export function bar(i: number, open: number, high: number, low: number, c: number): Bar {
  const openTime = T0 + i * MIN;
  return { id: `SPY:1m:${openTime}`, symbol: 'SPY', timeframe: '1m', openTime, closeTime: openTime + MIN, open, high, low, close: c, volume: 10_000, count: 1 };
}
export const BARS: readonly Bar[] = [bar(0, 99.9, 100.1, 99.8, 100), bar(1, 100, 100.3, 99.9, 100.2), bar(2, 100.2, 100.55, 100.1, 100.45), bar(3, 100.4, 100.6, 100.3, 100.5)];
export const ORDER: OrderRequest = {
  clientOrderId: 'SPY:1m:sig:entry', symbol: 'SPY', side: 'buy', qty: 100, type: 'market',
  hints: { sigma: 0.001, referencePrice: 100, timeframe: '1m', decisionTime: T0 + MIN },
  bracket: { stop: 99, target: 100.5, timeStopBars: 20, exitClientOrderId: 'SPY:1m:sig:exit' },
};
