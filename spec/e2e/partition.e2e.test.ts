/**
 * Two pipeline processes on disjoint partitions (FAKEOUT_PARTITION=0/2 and 1/2) over one real
 * nats-server and one Postgres database end with the same bars, scores and signals as one
 * unpartitioned pipeline on the same replay, and each partition did only its own symbols' work.
 *
 * The two "processes" are two startApp instances in this test's process, each with its own data
 * directory, its own NATS connections (NATS_URL and the nats.conf users' passwords, as a
 * deployment runs them) and its own database pool, so the server sees two clients per user and
 * the consumers, checkpoints and stages of each partition are their own.
 *
 * Three symbols, three slices of the bundled FTX 1m file, replayed under BTC-PERP, ETH-PERP and
 * SOL-PERP: by FNV-1a mod 2 (worked out in spec/domain/partition.test.ts) the first two are
 * partition 0's and SOL-PERP is partition 1's. The replay is split across the processes against
 * that grain (partition 1 replays ETH-PERP, partition 0 SOL-PERP), so RAW must carry each event
 * to the other process.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startApp, type App } from '../../actors/app/app.ts';
import { loadConfig } from '../../actors/domain/config.ts';
import type { ReplayRequest } from '../../actors/ingest/replay.actor.ts';
import { loadCheckpoint, verifyRawChain } from '../../adapters/db/index.ts';
import { createLogger } from '../../adapters/log/index.ts';
import { FTX_FILE } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { natsPasswordEnv, startTestNats, type TestNats } from '../helpers/nats-server.ts';
import { dumpState } from './expected.ts';

const s = suite('partitioned pipeline processes');
const ROWS = 500;
const SYMBOLS = [
  { symbol: 'BTC-PERP', from: 0, partition: 0 },
  { symbol: 'ETH-PERP', from: 5_000, partition: 0 },
  { symbol: 'SOL-PERP', from: 10_000, partition: 1 },
] as const;

/** ROWS data rows of the FTX file from row `from`, with its header. */
function writeSlice(dir: string, from: number, name: string): string {
  const lines = readFileSync(FTX_FILE, 'utf8').split('\n');
  const path = join(dir, name);
  writeFileSync(path, [lines[0]!, ...lines.slice(1 + from, 1 + from + ROWS)].join('\n') + '\n');
  return path;
}

interface World {
  nats: TestNats;
  db: TestDatabase;
  dirs: string[];
  apps: App[];
  logs: import("node:fs").WriteStream[];
}

async function world(): Promise<World> {
  const nats = await startTestNats();
  const db = await createTestDatabase('postgres');
  await db.database.close();
  return { nats, db, dirs: [], apps: [], logs: [] };
}

async function pipeline(w: World, replay: ReplayRequest[], partition?: string): Promise<App> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fakeout-part-'));
  w.dirs.push(dataDir);
  const env: Record<string, string> = {
    FAKEOUT_ROLE: 'pipeline',
    FAKEOUT_DATA_DIR: dataDir,
    NATS_URL: w.nats.url,
    ...natsPasswordEnv(w.nats.users),
    DATABASE_URL: w.db.url!,
    PORT: '0',
    FAKEOUT_WEBHOOK_SECRET: 'test-secret-123',
    FAKEOUT_REPLAY: 'none',
    FAKEOUT_BAR_CLOCK_TICK: '0',
    FAKEOUT_INTEGRITY_EVERY: '0',
    ...(partition === undefined ? {} : { FAKEOUT_PARTITION: partition }),
  };
  const logStream = createWriteStream(join(dataDir, 'test.log'), { flags: 'a' });
  w.logs.push(logStream);
  const app = await startApp({ config: loadConfig(env), log: createLogger('info', logStream), replay });
  w.apps.push(app);
  return app;
}

async function teardown(w: World): Promise<void> {
  await Promise.all(w.apps.map((app) => app.stop().catch(() => undefined)));
  w.apps.length = 0;
  for (const l of w.logs) await new Promise<void>((r) => l.end(() => r()));
  await w.db.cleanup().catch(() => undefined);
  await w.nats.cleanup().catch(() => undefined);
  for (const d of w.dirs) rmSync(d, { recursive: true, force: true });
}

/** Work flows both ways between partitions (RAW), and SCORES to partition 0's liquidity monitor: idle twice in a row, all of them. */
async function allIdle(apps: App[]): Promise<void> {
  for (let round = 0; round < 2; round++) for (const app of apps) await app.waitForIdle({ timeoutMs: 40_000, pollMs: 100 });
}

/** A counter of this process's /metrics for one stage. */
async function processed(app: App, stage: string): Promise<number> {
  const text = await app.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith('fakeout_stage_messages_total{') && l.includes(`stage="${stage}"`) && l.includes('outcome="processed"'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

s('0/2 and 1/2 together give the same bars, scores and signals as one process, each doing only its own symbols', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-part-data-'));
  const files = Object.fromEntries(SYMBOLS.map((x) => [x.symbol, { path: writeSlice(dir, x.from, `${x.symbol}.csv`), symbol: x.symbol }]));
  let one: World | undefined = await world();
  let two: World | undefined;
  try {
    // One unpartitioned pipeline: today's consumer names, every symbol.
    const single = await pipeline(one, SYMBOLS.map((x) => files[x.symbol]!));
    await allIdle([single]);
    const want = await dumpState(single);
    await teardown(one);
    one = undefined;
    two = await world();

    // started together, as a deployment would: both apply their topology and migrate the one database at once
    const [p0, p1] = await Promise.all([pipeline(two, [files['BTC-PERP']!, files['SOL-PERP']!], '0/2'), pipeline(two, [files['ETH-PERP']!], '1/2')]);
    await allIdle([p0, p1]);
    const got = await dumpState(p0);

    assert.is(want.rawEvents, 3 * ROWS);
    assert.ok(want.scores.length > 0 && want.signals.length > 0, 'the slices score bars and raise signals');
    for (const x of SYMBOLS) assert.ok(want.bars.some((b) => b.symbol === x.symbol), `${x.symbol} has bars`);
    assert.is(got.rawEvents, 3 * ROWS, 'every raw event archived once (partition 0 archives all of RAW)');
    assert.equal(await verifyRawChain(p0.database.db), { ok: true, rows: 3 * ROWS });
    assert.equal(got.bars, want.bars, 'the same bars');
    assert.equal(got.scores, want.scores, 'the same scores');
    assert.equal(got.signals, want.signals, 'the same signals');
    assert.equal([...got.signalMessages].sort(), [...want.signalMessages].sort(), 'SIGNALS holds each signal once');

    // Each partition built exactly its symbols: disjoint, and together everything.
    const rowsOf = (p: number) => SYMBOLS.filter((x) => x.partition === p).length * ROWS;
    assert.is(await processed(p0, 'bar-builder-0of2'), rowsOf(0), 'partition 0 applied the raw events of BTC-PERP and ETH-PERP');
    assert.is(await processed(p1, 'bar-builder-1of2'), rowsOf(1), 'partition 1 applied the raw events of SOL-PERP');
    assert.is(await processed(p1, 'bar-builder-0of2'), 0);
    for (const p of [0, 1]) {
      const cp = await loadCheckpoint<{ series: { symbol: string }[] }>(p0.database.db, `bar-builder-${p}of2`);
      assert.equal([...new Set(cp!.state.series.map((x) => x.symbol))].sort(), SYMBOLS.filter((x) => x.partition === p).map((x) => x.symbol), `bar-builder-${p}of2 holds its symbols only`);
    }
    assert.is(await loadCheckpoint(p0.database.db, 'bar-builder'), undefined, 'no unpartitioned checkpoint');
    // the singletons run in partition 0 only
    const ids = (app: App) => JSON.stringify(app.tree());
    assert.ok(ids(p0).includes('"raw-archiver"') && ids(p0).includes('"liquidity-monitor"'));
    assert.not.ok(ids(p1).includes('"raw-archiver"') || ids(p1).includes('"liquidity-monitor"'));
  } finally {
    if (one) await teardown(one);
    if (two) await teardown(two);
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
