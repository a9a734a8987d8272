export * from './envelope.ts';
export * from './replay.actor.ts';
export * from './alert-intake.ts';
