/** The storage adapter: opening the database, its schema, the hash chain and one repository per table. */
export * from './database.ts';
export * from './schema.ts';
export * from './hash-chain.ts';
export * from './db-errors.ts';
export { migrateToLatest, knownMigrations } from './migrate.ts';
export * from './raw-events.repo.ts';
export * from './bars.repo.ts';
export * from './scores.repo.ts';
export * from './signals.repo.ts';
export * from './checkpoints.repo.ts';
export * from './ingest-progress.repo.ts';
export * from './orders.repo.ts';
export * from './positions.repo.ts';
export * from './broker-orders.repo.ts';
export { inTransaction } from './transaction.ts';
export * from './users.repo.ts';
export * from './audit-log.repo.ts';
export * from './monitors.repo.ts';
