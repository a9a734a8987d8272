/**
 * Turns driver errors into FakeoutErrors, classified by SQLSTATE or by the Node error code,
 * never by message text. The original error is always the `cause`.
 */
import { FakeoutError } from '../../actors/domain/errors.ts';

/**
 * The SQLSTATE the append-only triggers raise. A custom code (class `FK`, unused by Postgres)
 * rather than the generic `P0001`, so no other `RAISE EXCEPTION` can be mistaken for it.
 */
export const APPEND_ONLY_SQLSTATE = 'FKA01';

/** Node socket errors that mean "the server is not there" rather than "the statement failed". */
const CONNECT_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** The SQLSTATE (or Node errno code) carried by a pg error, if any. */
export function errorCode(err: unknown): string | undefined {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** Whether `err` means the connection is unusable (class 08, 57P0x shutdowns, socket errors). */
export function isConnectionError(err: unknown): boolean {
  const code = errorCode(err);
  if (code === undefined) return false;
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || CONNECT_ERRNOS.has(code);
}

/**
 * Wraps a driver error. Already-classified FakeoutErrors pass through unchanged.
 * `action` says what fakeout was doing ("insert bars"), for the message.
 */
export function toDbError(err: unknown, action: string): FakeoutError {
  if (err instanceof FakeoutError) return err;
  const sqlstate = errorCode(err);
  const details = sqlstate === undefined ? {} : { sqlstate };
  const reason = err instanceof Error ? err.message : String(err);
  if (sqlstate === APPEND_ONLY_SQLSTATE) {
    return new FakeoutError('FAKEOUT_ERR_DB_APPEND_ONLY', `${action}: ${reason}`, { cause: err, details });
  }
  if (isConnectionError(err)) {
    return new FakeoutError('FAKEOUT_ERR_DB_CONNECT', `${action}: lost the database connection: ${reason}`, { cause: err, details });
  }
  return new FakeoutError('FAKEOUT_ERR_DB_QUERY', `${action}: ${reason}`, { cause: err, details });
}

/** Runs `fn`, rethrowing any failure through {@link toDbError}. */
export async function withDbErrors<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toDbError(err, action);
  }
}
