/**
 * The embedded nats-server runs in its own process group (so Ctrl-C does not kill it before the
 * pipeline drains). If fakeout itself is SIGKILLed, the server is left running on the store
 * directory. A pid file lets the next start find that orphan and stop it before starting a new
 * server on the same store. Only a process whose command line is nats-server with OUR store
 * directory is touched.
 *
 * POLICY: only the holder of the data-directory lock reaps. A server recorded in the pid file
 * is an orphan only if the fakeout that started it is gone, and holding the lock is what proves
 * that: while its owner lives, nobody else can take the lock (adapters/lock). Without it, a
 * second `fakeout start` on the same directory stopped the running one's server.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeoutError } from '../../actors/domain/errors.ts';
import type { DataDirLock } from '../lock/index.ts';

export function pidFile(storeDir: string): string {
  return join(storeDir, 'fakeout-nats-server.pid');
}

export function recordServerPid(storeDir: string, pid: number): void {
  writeFileSync(pidFile(storeDir), `${pid}\n`);
}

export function clearServerPid(storeDir: string): void {
  rmSync(pidFile(storeDir), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of a live nats-server recorded in `storeDir`'s pid file that serves that store. */
export function recordedServer(storeDir: string): number | undefined {
  const file = pidFile(storeDir);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 1 && alive(pid) && isOurServer(pid, storeDir) ? pid : undefined;
}

function isOurServer(pid: number, storeDir: string): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmd.some((a) => a.endsWith('nats-server')) && cmd.includes(storeDir);
  } catch {
    return false;
  }
}

/**
 * Stops a nats-server left running on `storeDir` by a killed fakeout; returns its pid if it did.
 * `lock` must be this process's lock on a data directory that contains `storeDir`.
 */
export async function stopOrphanedServer(storeDir: string, lock: DataDirLock): Promise<number | undefined> {
  const inside = relative(lock.dir, storeDir);
  if (inside.startsWith('..') || isAbsolute(inside) || !lock.holds()) {
    throw new FakeoutError('FAKEOUT_ERR_NATS_SERVER_START', `refusing to stop a nats-server on ${storeDir}: this process does not hold the lock on its data directory`, {
      details: { storeDir, lockDir: lock.dir },
    });
  }
  const pid = recordedServer(storeDir);
  if (pid === undefined) {
    clearServerPid(storeDir);
    return undefined;
  }
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 20 && alive(pid); i++) await sleep(100);
  clearServerPid(storeDir);
  return pid;
}
