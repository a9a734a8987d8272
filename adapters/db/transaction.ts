import type { Db } from './schema.ts';

/**
 * Runs `fn` in a transaction: the caller's, when `db` already is one (its commit decides), else
 * a new one. Lets a repository function be atomic on its own and still compose into a larger unit.
 */
export async function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute(fn);
}

/** Splits `items` into arrays of at most `size`, so one INSERT stays under the 65 535 bind-parameter limit. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
