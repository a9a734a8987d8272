export * from './stage.machine.ts';
