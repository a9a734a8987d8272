/**
 * Running fakeout as a real process, the way a person or a process manager does, and finding
 * every process it left behind. Processes are found through /proc by an environment marker
 * (every child inherits the environment, the embedded nats-server included, even after its parent
 * is gone), and stopped by pid only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { REPO } from './app.ts';

export const FAKEOUT_BIN = `${REPO}/actors/app/fakeout.mjs`;

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A finished run as an assertion message: its exit code and the tails of stdout and stderr. */
export const showRun = (r: Finished, outChars = 2000, errChars = 2000): string => `exit ${r.code}\nstdout:\n${r.stdout.slice(-outChars)}\nstderr:\n${r.stderr.slice(-errChars)}`;

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Finished>;
}

/** Starts `command args` in the repository with `env` added to this process's environment. */
export function launch(command: string, args: readonly string[], env: Record<string, string>, opts: { detached?: boolean } = {}): Running {
  let out = '';
  let err = '';
  const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<Finished>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs the `fakeout` bin to completion (killed with SIGKILL after `timeoutMs`). */
export async function runFakeout(args: readonly string[], env: Record<string, string>, timeoutMs = 120_000): Promise<Finished> {
  const r = launch(process.execPath, [FAKEOUT_BIN, ...args], env);
  const timer = setTimeout(() => r.child.kill('SIGKILL'), timeoutMs);
  try {
    return await r.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `predicate(stdout, stderr)` holds; rejects after `timeoutMs` or if the process ends first. */
export async function waitForOutput(r: Running, predicate: (out: string, err: string) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  void r.exited.then(() => (ended = true));
  while (!predicate(r.stdout(), r.stderr())) {
    if (ended) throw new Error(`process ended before the expected output; stderr:\n${r.stderr().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`expected output not seen after ${timeoutMs} ms; stderr:\n${r.stderr().slice(-3000)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  cmdline: string;
}

/** Every live process whose environment holds `NAME=value` exactly. */
export function processesWithEnv(name: string, value: string): ProcInfo[] {
  const want = `${name}=${value}`;
  const found: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(want)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue; // a zombie has exited; only its parent's wait is missing
      found.push({ pid: Number(entry), ppid: Number(fields[1]), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').join(' ').trim() });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** SIGKILLs each listed pid (cleanup after a failed test: pids we started, nothing by name). */
export function killPids(procs: readonly ProcInfo[]): void {
  for (const p of procs) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** A TCP port nothing listens on right now (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}
