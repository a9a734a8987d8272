/** Brokers: the port every venue adapter implements, and the paper broker with its book. */
export * from './broker.ts';
export * from './paper-store.ts';
export * from './paper-broker.ts';
