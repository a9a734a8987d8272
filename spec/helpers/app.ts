/**
 * Test harness for the whole app: a fresh Postgres database (or PGlite), the app's own embedded
 * nats-server (or a given NATS_URL) in a temp data directory, logs to a file there.
 * Also small slices of the bundled real data, written to temp files, so a test replays a few
 * thousand rows instead of a whole day.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger } from '../../adapters/log/index.ts';
import { loadConfig } from '../../actors/domain/config.ts';
import { startApp, type App, type StartOptions } from '../../actors/app/app.ts';
import type { ReplayRequest } from '../../actors/ingest/replay.actor.ts';
import { createTestDatabase } from './database.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const FTX_FILE = join(REPO, 'data/nautilus_ftx_btc-perp-20211231-20220201_1m.csv');

export interface FtxRow {
  line: number;
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** The first `rows` data rows of the bundled FTX 1m file, as a CSV with its header, in `dir`. */
export function writeFtxSlice(dir: string, rows: number, name = 'btc-perp-slice.csv'): { path: string; rows: FtxRow[] } {
  const lines = readFileSync(FTX_FILE, 'utf8').split('\n');
  const picked = lines.slice(0, rows + 1);
  const path = join(dir, name);
  writeFileSync(path, picked.join('\n') + '\n');
  // Parsed here independently of fakeout's parser: `YYYY-MM-DD HH:MM:SS.ffffff` in UTC.
  const parsed = picked.slice(1).map((l, i) => {
    const [t, o, h, lo, c, v] = l.split(',');
    return {
      line: i + 2,
      ts: Date.parse(`${t!.replace(' ', 'T').slice(0, 23)}Z`),
      open: Number(o),
      high: Number(h),
      low: Number(lo),
      close: Number(c),
      volume: Number(v),
    };
  });
  return { path, rows: parsed };
}

export interface TestApp {
  app: App;
  dataDir: string;
  databaseUrl: string | undefined;
  env: Record<string, string>;
  /** stop the app (if running) and remove the database and the data directory */
  cleanup(): Promise<void>;
  /** stop and start again on the same database, NATS store and data directory */
  restart(replay?: ReplayRequest[]): Promise<App>;
}

export async function startTestApp(opts: {
  kind?: 'postgres' | 'pglite';
  replay?: ReplayRequest[];
  env?: Record<string, string>;
  dataDir?: string;
  onSupervision?: StartOptions['onSupervision'];
  faultTimeoutMs?: number;
}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'fakeout-e2e-'));
  let databaseUrl: string | undefined;
  let dropDb: (() => Promise<void>) | undefined;
  if ((opts.kind ?? 'postgres') === 'postgres') {
    const t = await createTestDatabase('postgres');
    databaseUrl = t.url;
    // The app opens its own pool; the helper's is closed now and the database dropped at cleanup.
    await t.database.close();
    dropDb = () => t.cleanup();
  }
  const env: Record<string, string> = {
    FAKEOUT_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
    FAKEOUT_WEBHOOK_SECRET: 'test-secret-123',
    FAKEOUT_REPLAY: 'none',
    // no wall-clock ticks on ORDERS unless a test asks (tests count the messages they publish there)
    FAKEOUT_CLOCK_TICK: '3600',
    // no live bar clock unless a test asks: tests post hours-old webhook alerts in bursts, and a
    // tick between two posts would close their buckets (spec/e2e/bar-clock.e2e.test.ts turns it on)
    FAKEOUT_BAR_CLOCK_TICK: '0',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...opts.env,
  };
  const logStream = createWriteStream(join(dataDir, 'test.log'), { flags: 'a' });
  const log = createLogger('info', logStream);
  const launch = (replay?: ReplayRequest[]) => startApp({ config: loadConfig(env), log, replay: replay ?? opts.replay ?? [], onSupervision: opts.onSupervision, faultTimeoutMs: opts.faultTimeoutMs });
  let app: App;
  try {
    app = await launch();
  } catch (err) {
    // A refused start leaves nothing behind either: its database and data directory go.
    await dropDb?.().catch(() => undefined);
    await new Promise((r) => logStream.end(r));
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const t: TestApp = {
    app,
    dataDir,
    databaseUrl,
    env,
    async restart(replay) {
      await app.stop();
      app = await launch(replay);
      t.app = app;
      return app;
    },
    async cleanup() {
      await app.stop().catch(() => undefined);
      await dropDb?.().catch(() => undefined);
      await new Promise((r) => logStream.end(r));
      if (!opts.dataDir && !process.env.FAKEOUT_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
