export { Atr, trueRange } from './atr.ts';
export type { AtrSnapshot, HighLowClose } from './atr.ts';
export { FeatureEngine } from './feature-engine.ts';
export type { FeatureEngineOptions, FeatureEngineSnapshot, FeatureEngineStats, FeatureSeriesSnapshot } from './feature-engine.ts';
export { RollingExtremes, assertWindowSize } from './rolling-extremes.ts';
export type { RollingExtremesSnapshot } from './rolling-extremes.ts';
export { RollingMean } from './rolling-mean.ts';
export type { RollingMeanSnapshot } from './rolling-mean.ts';
