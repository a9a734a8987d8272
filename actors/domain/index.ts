export * from './messages.ts';
export * from './errors.ts';
