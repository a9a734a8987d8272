/**
 * The data-directory lock against real processes: a live holder (a real child process) is
 * refused and its lock left untouched, a dead or recycled pid is taken over, and of several
 * processes starting at the same moment on a stale lock exactly one wins.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { acquireDataDirLock, LOCK_FILE, serializeLock, type LockHolder } from '../../adapters/lock/index.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { REPO } from '../helpers/app.ts';

const s = suite('data-dir lock');
let scratch = '';
const children: ChildProcess[] = [];

s.before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'fakeout-lock-'));
});
s.after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

/** A real process that stays alive until killed. */
function sleeper(): ChildProcess {
  const c = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

/** The kernel start time of `pid`, read by `cut` (the comm of `sleep` has no spaces), not by fakeout's parser. */
function startTicks(pid: number): string {
  return execFileSync('cut', ['-d', ' ', '-f', '22', `/proc/${pid}/stat`], { encoding: 'utf8' }).trim();
}

function seedLock(dir: string, holder: Partial<LockHolder> & { pid: number }): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  writeFileSync(file, serializeLock({ hostname: hostname(), token: 'seeded', startedAt: '2024-05-01T12:00:00.000Z', argv: ['cli.ts', 'start'], ...holder }));
  return file;
}

async function deadPid(): Promise<number> {
  const c = spawn('true', { stdio: 'ignore' });
  await new Promise((r) => c.once('exit', r));
  return c.pid!;
}

s('a free directory is locked with this pid, and release() removes the lock', async () => {
  const dir = join(scratch, 'free');
  const lock = await acquireDataDirLock(dir);
  const onDisk = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
  assert.is(onDisk.pid, process.pid);
  assert.is(onDisk.procStart, startTicks(process.pid));
  assert.ok(lock.holds());
  lock.release();
  assert.not.ok(existsSync(join(dir, LOCK_FILE)));
  lock.release(); // twice is harmless
  assert.is(readdirNames(dir).length, 0, 'no temp or guard file left behind');
});

s('a lock held by a running process is refused, naming its pid, and left exactly as it was', async () => {
  const dir = join(scratch, 'live');
  const holder = sleeper();
  await new Promise((r) => holder.once('spawn', r));
  const file = seedLock(dir, { pid: holder.pid!, procStart: startTicks(holder.pid!) });
  const before = readFileSync(file, 'utf8');
  try {
    await acquireDataDirLock(dir);
    assert.unreachable('should refuse');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_DATA_DIR_LOCKED'), String(err));
    assert.match(err.message, `pid ${holder.pid}`);
    assert.match(err.message, file);
    assert.is(err.info.pid, holder.pid);
    assert.is(err.info.field, 'FAKEOUT_DATA_DIR');
  }
  assert.is(readFileSync(file, 'utf8'), before);
});

s('a second lock on the same directory in the same process is refused too', async () => {
  const dir = join(scratch, 'twice');
  const first = await acquireDataDirLock(dir);
  try {
    await acquireDataDirLock(dir);
    assert.unreachable('should refuse');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_DATA_DIR_LOCKED'), String(err));
    assert.match(err.message, `pid ${process.pid}`);
  }
  assert.ok(first.holds(), 'the first keeps it');
  first.release();
});

s('a lock left by a pid that is no longer running is taken over', async () => {
  const dir = join(scratch, 'dead');
  const pid = await deadPid();
  seedLock(dir, { pid, procStart: '1' });
  const lock = await acquireDataDirLock(dir);
  assert.is(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
  lock.release();
});

s('a lock whose pid now belongs to another process (another start time) is taken over', async () => {
  const dir = join(scratch, 'recycled');
  const other = sleeper();
  await new Promise((r) => other.once('spawn', r));
  // The pid runs, but not since the time the lock recorded: the kernel reused it.
  seedLock(dir, { pid: other.pid!, procStart: String(Number(startTicks(other.pid!)) - 1) });
  const lock = await acquireDataDirLock(dir);
  assert.ok(lock.holds());
  lock.release();
});

s('release() does not remove a lock that is no longer ours', async () => {
  const dir = join(scratch, 'not-ours');
  const lock = await acquireDataDirLock(dir);
  const file = seedLock(dir, { pid: process.pid, token: 'someone-else' });
  assert.not.ok(lock.holds());
  lock.release();
  assert.ok(existsSync(file));
});

s('of four processes starting together on a stale lock, exactly one gets it', async () => {
  const dir = join(scratch, 'race');
  seedLock(dir, { pid: await deadPid(), procStart: '1' });
  const go = join(scratch, 'race-go');
  // Each child loads the module, says "ready", spins until the go file appears, then tries.
  const script = `
    import { existsSync } from 'node:fs';
    import { acquireDataDirLock } from ${JSON.stringify(join(REPO, 'adapters/lock/index.ts'))};
    process.stdout.write('ready\\n');
    while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 1));
    try {
      const lock = await acquireDataDirLock(${JSON.stringify(dir)});
      process.stdout.write('won\\n');
      process.stdin.resume();
      process.stdin.on('end', () => { lock.release(); process.exit(0); });
    } catch (err) {
      process.stdout.write((err.code === 'FAKEOUT_ERR_DATA_DIR_LOCKED' ? 'refused' : 'error ' + err.message) + '\\n');
      process.exit(0);
    }`;
  const racers = Array.from({ length: 4 }, () => {
    const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(c);
    let out = '';
    c.stdout!.on('data', (d) => (out += d));
    return { c, out: () => out };
  });
  const until = async (what: string, check: () => boolean) => {
    const deadline = Date.now() + 60_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${racers.map((r) => JSON.stringify(r.out())).join(' ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await until('all ready', () => racers.every((r) => r.out().includes('ready')));
  writeFileSync(go, '');
  await until('all decided', () => racers.every((r) => /won|refused|error/.test(r.out())));
  const outcomes = racers.map((r) => r.out().split('\n').filter(Boolean).pop());
  assert.is(outcomes.filter((o) => o === 'won').length, 1, outcomes.join(', '));
  assert.is(outcomes.filter((o) => o === 'refused').length, 3, outcomes.join(', '));
  for (const r of racers) r.c.stdin!.end();
  await Promise.all(racers.map((r) => (r.c.exitCode !== null ? undefined : new Promise((res) => r.c.once('exit', res)))));
  assert.not.ok(existsSync(join(dir, LOCK_FILE)), 'the winner released it');
});

function readdirNames(dir: string): string[] {
  return execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

s.run();
