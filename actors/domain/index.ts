export * from './messages.ts';
export * from './errors.ts';
export * from './config.ts';
