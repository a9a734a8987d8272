export * from './thresholds.ts';
export * from './breaker-conditions.ts';
