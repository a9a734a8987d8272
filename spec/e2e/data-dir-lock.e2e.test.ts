/**
 * One data directory, one fakeout, with the real CLI as child processes on embedded NATS and
 * embedded PGlite: a second `start` or `replay` on a directory a running fakeout holds exits at
 * once naming the holder's pid, and the holder keeps serving with the same nats-server; a
 * directory left locked by a SIGKILLed fakeout is taken over, its orphaned server stopped.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedNats } from '../../actors/app/messaging.ts';
import { acquireDataDirLock } from '../../adapters/lock/index.ts';
import { createLogger } from '../../adapters/log/index.ts';
import { REPO, writeFtxSlice } from '../helpers/app.ts';

const s = suite('data-dir lock e2e');
const SECRET = 'lock-test-secret';
const children: ChildProcess[] = [];
const natsPids: number[] = [];
let dir = '';

interface Cli {
  child: ChildProcess;
  pid: number;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function cli(args: string[], dataDir: string): Cli {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FAKEOUT_DATA_DIR: dataDir,
    PORT: '0',
    FAKEOUT_REPLAY: 'none',
    FAKEOUT_WEBHOOK_SECRET: SECRET,
    LOG_LEVEL: 'info',
  };
  for (const k of ['DATABASE_URL', 'NATS_URL', 'NATS_USER', 'NATS_PASSWORD', 'NATS_CREDS', 'FAKEOUT_ROLE']) delete env[k];
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'actors/app/cli.ts'), ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, pid: child.pid!, out: () => out, err: () => err, exited };
}

async function until<T>(what: string, ms: number, check: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits for `fakeout is up: <url>/actors` on stderr. */
async function upUrl(c: Cli): Promise<string> {
  return until(`fakeout pid ${c.pid} to serve`, 120_000, () => {
    if (c.child.exitCode !== null) throw new Error(`fakeout exited ${c.child.exitCode}:\n${c.err().slice(-3000)}`);
    return /fakeout is up: (http:\/\/\S+)\/actors/.exec(c.err())?.[1];
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function natsPid(dataDir: string): number {
  const pid = Number(readFileSync(join(dataDir, 'nats', 'fakeout-nats-server.pid'), 'utf8').trim());
  natsPids.push(pid);
  return pid;
}

function lockPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'fakeout.lock');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid : undefined;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
  await gone;
  clearTimeout(timer);
}

s.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fakeout-lock-e2e-'));
});

s.after(async () => {
  await Promise.all(children.map(stopChild));
  // A server orphaned on purpose (or by a failed test) is stopped by its pid, never by name.
  for (const pid of natsPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

s('a second start or replay on a held data directory exits at once naming the running pid; the first keeps serving', async () => {
  const dataDir = join(dir, 'held');
  const slice = writeFtxSlice(dir, 30);
  const first = cli(['start'], dataDir);
  const url = await upUrl(first);
  const server = natsPid(dataDir);
  assert.is(lockPid(dataDir), first.pid);

  const t0 = performance.now();
  const second = cli(['start'], dataDir);
  const replay = cli(['replay', slice.path], dataDir);
  const [secondCode, replayCode] = await Promise.all([second.exited, replay.exited]);
  const seconds = (performance.now() - t0) / 1000;
  for (const [name, c, code] of [['start', second, secondCode], ['replay', replay, replayCode]] as const) {
    assert.is(code, 1, `second ${name} exits 1`);
    // Its only output is the refusal: it stopped before it logged, opened or started anything.
    const lines = c.err().trim().split('\n');
    assert.is(lines.length, 1, c.err());
    assert.match(lines[0]!, `fakeout: FAKEOUT_ERR_DATA_DIR_LOCKED: data directory ${dataDir} is in use by fakeout pid ${first.pid}`);
    assert.is(c.out(), '');
  }
  // Wall time is mostly two node + tsx start-ups on a shared, loaded 2-core machine (a bare
  // `fakeout help` took 10 s there); the refusal itself is one file read and one kill(pid, 0).
  assert.ok(seconds < 60, `refused within ${seconds.toFixed(1)} s`);

  assert.ok(alive(first.pid), 'the first fakeout runs');
  assert.ok(alive(server), `its nats-server ${server} runs`);
  assert.is(natsPid(dataDir), server, 'the same server is recorded');
  assert.is(lockPid(dataDir), first.pid, 'the lock is still the first one');
  assert.is((await fetch(`${url}/healthz`)).status, 200);
  // a closed 5m bar from two hours ago: inside the webhook's event-time window
  const barOpen = new Date(Math.floor((Date.now() - 2 * 3_600_000) / 300_000) * 300_000).toISOString();
  const alert = { secret: SECRET, symbol: 'BTCUSDT', exchange: 'BINANCE', interval: '5', time: barOpen, open: 100, high: 110, low: 95, close: 101, volume: 12.5 };
  const res = await fetch(`${url}/webhook/tradingview`, { method: 'POST', body: JSON.stringify(alert), headers: { 'content-type': 'application/json' } });
  assert.is(res.status, 202, 'the first still accepts a webhook');

  first.child.kill('SIGTERM');
  assert.is(await first.exited, 0, 'clean stop');
  assert.is(lockPid(dataDir), undefined, 'the lock is released on a clean stop');
  assert.not.ok(alive(server), 'its server stopped with it');
});

s('a data directory left locked by a SIGKILLed fakeout is taken over and its orphaned nats-server stopped', async () => {
  const dataDir = join(dir, 'stale');
  const killed = cli(['start'], dataDir);
  await upUrl(killed);
  const orphan = natsPid(dataDir);
  killed.child.kill('SIGKILL');
  await killed.exited;
  assert.is(lockPid(dataDir), killed.pid, 'a SIGKILL leaves the lock behind');
  assert.ok(alive(orphan), 'and the server running');

  const next = cli(['start'], dataDir);
  const url = await upUrl(next);
  assert.is(lockPid(dataDir), next.pid, 'the lock was taken over');
  assert.not.ok(alive(orphan), `the orphaned server ${orphan} was stopped`);
  const server = natsPid(dataDir);
  assert.is.not(server, orphan);
  assert.ok(alive(server));
  assert.is((await fetch(`${url}/healthz`)).status, 200);
  next.child.kill('SIGTERM');
  assert.is(await next.exited, 0);
  assert.is(lockPid(dataDir), undefined);
});

s('the lock holder restarts its own killed nats-server on the same store and port, the lock still held', async () => {
  // The path the supervisor takes when the embedded server dies (EmbeddedNats.ensure), without
  // the minute the whole tree spends draining stages that lost their server.
  const dataDir = join(dir, 'own-restart');
  const lock = await acquireDataDirLock(dataDir);
  const embedded = new EmbeddedNats(dataDir, createLogger('silent', process.stderr), lock);
  try {
    await embedded.ensure();
    const url = embedded.url;
    const killed = natsPid(dataDir);
    const gone = new Promise<void>((r) => embedded.hooks().exited().then(() => r()));
    process.kill(killed, 'SIGKILL');
    await gone;
    await embedded.ensure();
    const server = natsPid(dataDir);
    assert.is.not(server, killed);
    assert.ok(alive(server), `restarted server ${server} runs`);
    assert.is(embedded.url, url, 'same port');
    assert.ok(lock.holds(), 'the lock is still held');
  } finally {
    await embedded.stop();
    lock.release();
  }
  assert.is(lockPid(dataDir), undefined);
});

s.run();
