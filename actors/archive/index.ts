export * from './raw-archiver.actor.ts';
