/**
 * CPU seconds of other processes, read from Linux /proc, so that figure (a) can say how the
 * work split between this Node process, its nats-server child and the Postgres backends.
 * Elsewhere (no /proc) every reading is undefined and the report says "n/a".
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** USER_HZ: the unit of the times in /proc/<pid>/stat (100 on every common Linux). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** user + system CPU seconds a live process has used so far; undefined if it cannot be read. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces; the fields after its ')' are fixed
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime + stime) ? (utime + stime) / ticksPerSecond() : undefined;
  } catch {
    return undefined;
  }
}

/** Pids of this process's direct children whose command name is `name`. */
export function childPids(name: string): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
      const children = readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim();
      for (const pid of children.split(/\s+/).filter(Boolean).map(Number)) {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name) out.push(pid);
      }
    }
  } catch {
    // not Linux, or a child exited while we looked
  }
  return out;
}

/** Sum of {@link processCpuSeconds} over `pids`; undefined when none could be read. */
export function totalCpuSeconds(pids: readonly number[]): number | undefined {
  let total: number | undefined;
  for (const pid of pids) {
    const s = processCpuSeconds(pid);
    if (s !== undefined) total = (total ?? 0) + s;
  }
  return total;
}
