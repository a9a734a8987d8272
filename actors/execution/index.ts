/** Execution domain (pure): instruments, sizing, the mandatory cost model, liquidity, positions and P&L. */
export * from './instruments.ts';
export * from './sizing.ts';
export * from './cost-model.ts';
export * from './liquidity.ts';
export * from './position.ts';
export * from './pnl.ts';
export * from './order-messages.ts';
