export * from './stage.machine.ts';
export * from './breaker.machine.ts';
export * from './gate.machine.ts';
export * from './ticker.machine.ts';
export * from './config.machine.ts';
export * from './lease.machine.ts';
