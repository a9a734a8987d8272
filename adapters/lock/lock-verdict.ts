/**
 * Pure decisions about the data-directory lock: what a lock file says, what /proc says about a
 * process, and whether the holder named in a lock is still the fakeout that wrote it. No I/O and
 * no clock here: the caller (data-dir-lock.ts) gathers the facts and acts on the verdict.
 */

/** What a lock file records about the process that holds the data directory. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /**
   * The holder's start time as the kernel reports it (field 22 of /proc/<pid>/stat, clock ticks
   * since boot, kept as a string): together with the pid it names one process, even after the
   * pid is reused. Absent where /proc is not available.
   */
  procStart?: string;
  /** random per acquisition: tells our own lock from another one with the same pid */
  token: string;
  /** for people only (ISO time, the command line); never used in a decision */
  startedAt?: string;
  argv?: string[];
}

/** What the caller observed about `holder.pid` just now. */
export interface ProcessProbe {
  /** `process.kill(pid, 0)` succeeded (or failed with EPERM: it exists, owned by someone else) */
  exists: boolean;
  /** from /proc/<pid>/stat, when readable */
  stat?: ProcStat;
}

export interface ProcStat {
  /** R, S, D, Z, T, … */
  state: string;
  /** field 22, starttime */
  startTicks: string;
}

export type LockVerdict = { stale: false; reason: string } | { stale: true; reason: string };

export function serializeLock(holder: LockHolder): string {
  return JSON.stringify(holder) + '\n';
}

/** The holder recorded in a lock file, or undefined when the text is not a lock we wrote. */
export function parseLock(text: string): LockHolder | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  if (!Number.isInteger(o.pid) || (o.pid as number) <= 0) return undefined;
  if (typeof o.hostname !== 'string' || typeof o.token !== 'string' || o.token === '') return undefined;
  if (o.procStart !== undefined && typeof o.procStart !== 'string') return undefined;
  return {
    pid: o.pid as number,
    hostname: o.hostname,
    token: o.token,
    ...(typeof o.procStart === 'string' ? { procStart: o.procStart } : {}),
    ...(typeof o.startedAt === 'string' ? { startedAt: o.startedAt } : {}),
    ...(Array.isArray(o.argv) && o.argv.every((a) => typeof a === 'string') ? { argv: o.argv as string[] } : {}),
  };
}

/**
 * Parses the text of /proc/<pid>/stat. The second field is the command name in parentheses and
 * may itself contain spaces and parentheses, so fields are counted after the LAST `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") " come fields 3 (state), 4 (ppid), … ; field n is at index n - 3.
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const state = rest[0];
  const startTicks = rest[22 - 3];
  if (state === undefined || startTicks === undefined || !/^\d+$/.test(startTicks)) return undefined;
  return { state, startTicks };
}

/**
 * Is the lock left by a process that is gone (stale: take it over) or held by a live fakeout
 * (refuse to start)?
 *
 * POLICY: when in doubt, the lock is live. Taking over a live lock lets two fakeouts share one
 * NATS store and one PGlite directory (the failure this lock exists to prevent); refusing a stale
 * one only asks a person to delete a file the message names.
 */
export function judgeLock(args: { holder: LockHolder | undefined; hostname: string; probe: ProcessProbe | undefined }): LockVerdict {
  const { holder, hostname, probe } = args;
  if (holder === undefined) return { stale: true, reason: 'the lock file is not one fakeout wrote (unreadable or incomplete)' };
  if (holder.hostname !== hostname) {
    return { stale: false, reason: `it runs on another host (${holder.hostname}), which cannot be checked from here` };
  }
  if (probe === undefined || !probe.exists) return { stale: true, reason: `pid ${holder.pid} is not running` };
  if (probe.stat?.state === 'Z') return { stale: true, reason: `pid ${holder.pid} has exited (zombie)` };
  if (holder.procStart !== undefined && probe.stat !== undefined && probe.stat.startTicks !== holder.procStart) {
    return { stale: true, reason: `pid ${holder.pid} now belongs to another process (start time ${probe.stat.startTicks}, the lock says ${holder.procStart})` };
  }
  return { stale: false, reason: holder.procStart !== undefined && probe.stat !== undefined ? 'it is running (same pid, same start time)' : 'its pid is running' };
}
