/**
 * The embedded nats-server runs in its own process group (so Ctrl-C does not kill it before the
 * pipeline drains). If fakeout itself is SIGKILLed, the server is left running on the store
 * directory. A pid file lets the next start find that orphan and stop it before starting a new
 * server on the same store. Only a process whose command line is nats-server with OUR store
 * directory is touched.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

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

function isOurServer(pid: number, storeDir: string): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmd.some((a) => a.endsWith('nats-server')) && cmd.includes(storeDir);
  } catch {
    return false;
  }
}

/** Stops a nats-server left running on `storeDir` by a killed fakeout; returns its pid if it did. */
export async function stopOrphanedServer(storeDir: string): Promise<number | undefined> {
  const file = pidFile(storeDir);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1 || !alive(pid) || !isOurServer(pid, storeDir)) {
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
