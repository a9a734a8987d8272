export * from './stage.actor.ts';
export * from './batch-plan.ts';
export type * from './ports.ts';
