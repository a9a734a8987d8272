/**
 * One data directory, one fakeout. `<dataDir>/fakeout.lock` names the process that holds the
 * directory (its pid, host and kernel start time); a second fakeout on the same directory reads
 * it and refuses to start, so it never stops the holder's nats-server or opens its PGlite files.
 * A lock whose holder is gone (kill -9, power loss) is taken over; which locks are stale is
 * decided by the pure `judgeLock` (lock-verdict.ts).
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { judgeLock, parseLock, parseProcStat, serializeLock, type LockHolder, type ProcessProbe, type ProcStat } from './lock-verdict.ts';

export const LOCK_FILE = 'fakeout.lock';

/** Proof that this process holds a data directory. */
export interface DataDirLock {
  /** the absolute data directory */
  readonly dir: string;
  readonly file: string;
  readonly holder: LockHolder;
  /** true while the lock file on disk is still this acquisition's */
  holds(): boolean;
  /** removes the lock file if it is still ours; safe to call twice */
  release(): void;
}

const ATTEMPTS = 5;

/**
 * Takes the lock on `dir` (created if missing), taking over a stale one.
 *
 * @throws FakeoutError FAKEOUT_ERR_DATA_DIR_LOCKED naming the holder's pid when a live process
 *   holds it (or holds it from another host, which cannot be checked).
 */
export async function acquireDataDirLock(dir: string): Promise<DataDirLock> {
  const abs = resolve(dir);
  const file = join(abs, LOCK_FILE);
  mkdirSync(abs, { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    ...startTicksOf(process.pid),
    token: randomBytes(16).toString('hex'),
    startedAt: new Date().toISOString(),
    argv: process.argv.slice(1),
  };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (createExclusively(file, me)) return held(abs, file, me);
    const text = readIfExists(file);
    if (text === undefined) continue; // released between our attempt and the read
    const holder = parseLock(text);
    const verdict = judgeLock({ holder, hostname: me.hostname, probe: holder && probeProcess(holder.pid) });
    if (!verdict.stale) throw lockedError(abs, file, holder!, verdict.reason);
    await removeStale(file, text, me);
  }
  throw new FakeoutError('FAKEOUT_ERR_DATA_DIR_LOCKED', `${abs}: could not take ${file} after ${ATTEMPTS} attempts (other processes keep taking it); try again`, {
    details: { field: 'FAKEOUT_DATA_DIR', lockFile: file },
  });
}

function held(dir: string, file: string, me: LockHolder): DataDirLock {
  const holds = () => parseLock(readIfExists(file) ?? '')?.token === me.token;
  const release = () => {
    process.removeListener('exit', release);
    if (holds()) rmSync(file, { force: true });
  };
  // Best effort when the process exits without stop() (an uncaught error, process.exit). A
  // SIGKILL leaves the file behind: the next start finds its pid dead and takes over.
  process.on('exit', release);
  return { dir, file, holder: me, holds, release };
}

/**
 * Creates `path` holding `holder`, only if it does not exist. The content is written to a
 * private temp file first and hard-linked into place: link(2) fails with EEXIST like
 * open(O_CREAT|O_EXCL), and a reader never sees a half-written lock.
 */
function createExclusively(path: string, holder: LockHolder): boolean {
  const tmp = `${path}.${holder.token}.tmp`;
  writeFileSync(tmp, serializeLock(holder), { flag: 'wx', mode: 0o644 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Removes a lock judged stale, unless it changed since it was judged. Two starts may find the
 * same stale lock at once; without a guard, the slower one could delete the lock the faster one
 * just created. The guard is itself an exclusive file; whoever holds it re-reads the lock and
 * deletes it only if it is still the stale one.
 */
async function removeStale(file: string, staleText: string, me: LockHolder): Promise<void> {
  const guard = `${file}.takeover`;
  if (!createExclusively(guard, me)) {
    // Someone else is taking over. If that someone died mid-way, clear its guard.
    const text = readIfExists(guard);
    const holder = parseLock(text ?? '');
    if (text !== undefined && judgeLock({ holder, hostname: me.hostname, probe: holder && probeProcess(holder.pid) }).stale) {
      rmSync(guard, { force: true });
    }
    await sleep(50);
    return;
  }
  try {
    if (readIfExists(file) === staleText) unlinkSync(file);
  } finally {
    rmSync(guard, { force: true });
  }
}

function lockedError(dir: string, file: string, holder: LockHolder, reason: string): FakeoutError {
  const who = `fakeout pid ${holder.pid}` + (holder.startedAt ? ` (started ${holder.startedAt}` + (holder.argv ? `: ${holder.argv.join(' ')}` : '') + ')' : '');
  return new FakeoutError(
    'FAKEOUT_ERR_DATA_DIR_LOCKED',
    `data directory ${dir} is in use by ${who}: ${reason}. Stop that fakeout first (kill -TERM ${holder.pid}) or set FAKEOUT_DATA_DIR to another directory; ` +
      `if you are sure it is gone, delete ${file}`,
    { details: { field: 'FAKEOUT_DATA_DIR', pid: holder.pid, hostname: holder.hostname, lockFile: file } },
  );
}

function probeProcess(pid: number): ProcessProbe {
  let exists: boolean;
  try {
    process.kill(pid, 0);
    exists = true;
  } catch (err) {
    exists = (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
  const stat = procStat(pid);
  return stat ? { exists, stat } : { exists };
}

function startTicksOf(pid: number): { procStart?: string } {
  const stat = procStat(pid);
  return stat ? { procStart: stat.startTicks } : {};
}

/** undefined where there is no /proc (not Linux) or the process is gone */
function procStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
