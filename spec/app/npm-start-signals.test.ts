/**
 * `npm start` under a process manager: the manager signals the process it started, which is
 * npm. That signal must stop fakeout cleanly (exit 0) and leave no node or nats-server behind.
 * Real processes throughout: npm, the fakeout bin, its embedded nats-server, a real Postgres.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTestDatabase } from '../helpers/database.ts';
import { killPids, launch, processesWithEnv, waitForOutput, type ProcInfo } from '../helpers/process.ts';

const s = suite('npm start under a process manager');
const MARK = 'FAKEOUT_TEST_PROCESS_MARK';

async function until<T>(read: () => T, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = read();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = read();
  }
  return v;
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  s(`${signal} to the npm process stops fakeout with exit 0 and leaves no node or nats-server`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fakeout-npm-'));
    const mark = randomUUID();
    const db = await createTestDatabase('postgres');
    await db.database.close();
    let left: ProcInfo[] = [];
    try {
      // detached: its own process group and no terminal, as under systemd or a container runtime,
      // so the only signal anything gets is the one sent to npm's pid
      const npm = launch(
        'npm',
        ['start'],
        { [MARK]: mark, FAKEOUT_DATA_DIR: dataDir, PORT: '0', FAKEOUT_REPLAY: 'none', DATABASE_URL: db.url!, LOG_LEVEL: 'info' },
        { detached: true },
      );
      await waitForOutput(npm, (out) => out.includes('serving the webhook'), 120_000);
      const before = processesWithEnv(MARK, mark);
      // the control: the scan sees the tree it must later find empty
      assert.ok(before.some((p) => p.pid === npm.child.pid), JSON.stringify(before));
      assert.ok(before.some((p) => p.cmdline.includes('fakeout.mjs start')), JSON.stringify(before));
      assert.ok(before.some((p) => p.cmdline.startsWith('nats-server') && p.cmdline.includes(dataDir)), JSON.stringify(before));

      process.kill(npm.child.pid!, signal);
      const end = await Promise.race([
        npm.exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000).unref()),
      ]);
      if (end === 'timeout') throw new Error(`npm still running 60 s after ${signal}`);
      assert.is(end.code, 0, end.stderr.slice(-2000));
      assert.ok(end.stderr.includes(`${signal}: stopping intake`), 'fakeout itself received the signal');
      left = await until(() => processesWithEnv(MARK, mark), (l) => l.length === 0, 5000);
      assert.equal(left, [], `left running: ${JSON.stringify(left)}`);
    } finally {
      killPids(processesWithEnv(MARK, mark));
      await db.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

s.run();
