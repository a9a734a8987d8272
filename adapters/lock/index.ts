/** The data-directory lock: one fakeout per FAKEOUT_DATA_DIR. */
export { acquireDataDirLock, LOCK_FILE } from './data-dir-lock.ts';
export type { DataDirLock } from './data-dir-lock.ts';
export { judgeLock, parseLock, parseProcStat, serializeLock } from './lock-verdict.ts';
export type { LockHolder, LockVerdict, ProcessProbe, ProcStat } from './lock-verdict.ts';
