/**
 * Kill the whole process mid-replay (SIGKILL: no drain, no nak, no goodbye), start it again:
 * the final state is the same as an uninterrupted run. Then SIGTERM: a clean exit 0.
 * NATS and Postgres outlive the killed process here, as they would in production.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { listBars, openDatabase, verifyRawChain, type Database } from '../../adapters/db/index.ts';
import { jetstream, streamMessages } from '../../adapters/nats/index.ts';
import type { Signal } from '../../actors/domain/messages.ts';
import { REPO, writeFtxSlice } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { natsPasswordEnv, startTestNats } from '../helpers/nats-server.ts';
import { expectedBars, expectedSignals, sameBar } from './expected.ts';

const s = suite('kill and restart');
const ROWS = 6000;

function startProcess(env: Record<string, string>): { child: ChildProcess; stdout: () => string; exited: Promise<number | null> } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'actors/app/cli.ts'), 'start'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => process.env.RESTART_DEBUG && process.stderr.write(d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stdout: () => out, exited };
}

async function until(what: string, ms: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

s('a process killed mid-replay and started again ends in the same state as one that was not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-kill-'));
  const nats = await startTestNats();
  const pg = await createTestDatabase('postgres');
  await pg.database.close();
  let db: Database | undefined;
  const children: ChildProcess[] = [];
  try {
    const slice = writeFtxSlice(dir, ROWS, 'btc-perp-20211231-20220201_1m.csv');
    const env = {
      NATS_URL: nats.url,
      ...natsPasswordEnv(nats.users),
      DATABASE_URL: pg.url!,
      FAKEOUT_DATA_DIR: join(dir, 'data'),
      FAKEOUT_REPLAY: slice.path,
      FAKEOUT_WEBHOOK_SECRET: 'kill-test',
      // The pipeline role: every assertion is about what the pipeline stores; the execution side
      // following SIGNALS costs several times the pipeline's CPU in a replay, and its own kill test
      // is gateway-process.e2e.
      FAKEOUT_ROLE: 'pipeline',
      PORT: '0',
      LOG_LEVEL: process.env.RESTART_LOG_LEVEL ?? 'warn',
    };
    db = await openDatabase({ databaseUrl: pg.url!, dataDir: dir });
    const rawCount = async () => (await sql<{ n: number }>`select count(*)::int as n from raw_events`.execute(db!.db)).rows[0]!.n;

    const first = startProcess(env);
    children.push(first.child);
    await until('the replay to be under way', 120_000, async () => (await rawCount()) >= 1500);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await rawCount();
    assert.ok(atKill < ROWS, `killed mid-replay (${atKill} of ${ROWS} archived)`);

    const second = startProcess(env);
    children.push(second.child);
    await until('the summary', 240_000, () => second.stdout().includes('=== fakeout summary ==='));
    second.child.kill('SIGTERM');
    assert.is(await second.exited, 0, 'SIGTERM drains and exits 0');

    const want = expectedBars('BTC-PERP', slice.rows);
    const bars = await listBars(db.db);
    assert.is(bars.length, want.size);
    for (const bar of bars) assert.ok(sameBar(bar, want.get(bar.id)!), `bar ${bar.id}`);
    assert.is(await rawCount(), ROWS, 'each row archived exactly once');
    assert.equal(await verifyRawChain(db.db), { ok: true, rows: ROWS });
    const signals = expectedSignals(want.values()).map((x) => x.id).sort();
    const stored = (await db.db.selectFrom('signals').select('id').orderBy('id').execute()).map((r) => r.id);
    assert.equal(stored, signals, 'the expected signals');
    const nc = await nats.connect();
    const onStream = (await streamMessages(jetstream(nc), 'SIGNALS')).map((m) => (m.value as Signal).id).sort();
    assert.equal(onStream, signals, 'SIGNALS holds each signal exactly once');
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await db?.close();
    await nats.cleanup();
    await pg.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
