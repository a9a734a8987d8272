/**
 * The `fakeout` bin as a person or a script runs it: exit status and what it says on stderr.
 * Real processes, a real nats-server (the app's embedded one) and a real Postgres database.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase } from '../../adapters/db/index.ts';
import { writeFtxSlice } from '../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort, runFakeout, type Finished, showRun } from '../helpers/process.ts';

const s = suite('fakeout cli');
const ROWS = 120;

const show = (r: Finished) => showRun(r, 1500, 3000);

s('an unknown flag is refused with the usage and exit 2, for every command', async () => {
  for (const args of [['start', '--port', '1'], ['replay', 'x.csv', '--symbl', 'A'], ['actors', '--ur', 'http://x'], ['replay', 'x.csv', '--symbol']]) {
    const r = await runFakeout(args, {}, 30_000);
    assert.is(r.code, 2, show(r));
    assert.ok(r.stderr.startsWith(`fakeout ${args[0]}: `), show(r));
    assert.ok(r.stderr.includes('usage:\n  fakeout start'), show(r));
    assert.is(r.stdout, '');
  }
  const unknown = await runFakeout(['frobnicate'], {}, 30_000);
  assert.is(unknown.code, 2, show(unknown));
  assert.ok(unknown.stderr.startsWith('fakeout: unknown command "frobnicate"\n'), show(unknown));
});

s('fakeout help prints the usage on stdout and exits 0', async () => {
  const r = await runFakeout(['help'], {}, 30_000);
  assert.is(r.code, 0, show(r));
  assert.ok(r.stdout.includes('fakeout replay FILE [--symbol SYMBOL] [--format FORMAT]'), show(r));
});

s('fakeout actors with nothing running says exactly "no fakeout running at URL" and exits 1', async () => {
  const port = await freePort();
  const byFlag = await runFakeout(['actors', '--url', `http://127.0.0.1:${port}`], {}, 30_000);
  assert.is(byFlag.code, 1, show(byFlag));
  assert.is(byFlag.stderr, `no fakeout running at http://127.0.0.1:${port}\n`);
  const byEnv = await runFakeout(['actors'], { HOST: '127.0.0.1', PORT: String(port) }, 30_000);
  assert.is(byEnv.code, 1, show(byEnv));
  assert.is(byEnv.stderr, `no fakeout running at http://127.0.0.1:${port}\n`);
});

/** One data directory and one database shared by the replays below, run one after the other. */
let dataDir = '';
let db: TestDatabase | undefined;
const env = () => ({ FAKEOUT_DATA_DIR: dataDir, DATABASE_URL: db!.url!, PORT: '0', FAKEOUT_REPLAY: 'none', FAKEOUT_TIMEFRAMES: '1m,5m' });

s.before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fakeout-cli-'));
  db = await createTestDatabase('postgres');
  await db.database.close();
});

s.after(async () => {
  await db?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

s('replay exits 1 and says why for a missing file, an unknown format and a file with no good row', async () => {
  const missing = await runFakeout(['replay', join(dataDir, 'nope.csv')], env());
  assert.is(missing.code, 1, show(missing));
  assert.match(missing.stderr, /fakeout: replay of \S*\/nope\.csv failed: FAKEOUT_ERR_INGEST_FILE: cannot read replay file nope\.csv: no such file\n/);

  const notes = join(dataDir, 'notes.txt');
  writeFileSync(notes, 'hello\nworld\n');
  const unknown = await runFakeout(['replay', notes], env());
  assert.is(unknown.code, 1, show(unknown));
  assert.match(unknown.stderr, /fakeout: replay of \S*\/notes\.txt failed: FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT: /);

  const bad = join(dataDir, 'BAD.csv');
  writeFileSync(bad, 'timestamp,open,high,low,close,volume\n' + [0, 1, 2].map((m) => `2024-01-02 10:0${m}:00,x,1,1,1,1`).join('\n') + '\n');
  const noRows = await runFakeout(['replay', bad], env());
  assert.is(noRows.code, 1, show(noRows));
  assert.match(noRows.stderr, /fakeout: replay of BAD\.csv failed: no good rows \(4 lines read, 3 bad\)\n/);
});

s('a file replayed under symbol A and then B produces events for both; A again is skipped', async () => {
  const { path } = writeFtxSlice(dataDir, ROWS, 'slice.csv');
  const a = await runFakeout(['replay', path, '--symbol', 'AAA'], env());
  assert.is(a.code, 0, show(a));
  const b = await runFakeout(['replay', path, '--symbol=BBB'], env());
  assert.is(b.code, 0, show(b));
  const again = await runFakeout(['replay', path, '--symbol', 'AAA'], env());
  assert.is(again.code, 0, show(again));
  assert.ok(again.stderr.includes(`replay slice.csv: already replayed (${ROWS + 1} lines, published ${ROWS}) — skipped`), show(again));

  const database = await openDatabase({ databaseUrl: db!.url!, dataDir });
  try {
    const raw = await sql<{ symbol: string; n: string }>`select symbol, count(*) as n from raw_events group by symbol order by symbol`.execute(database.db);
    // one raw event per data row of the slice, under each symbol, and nothing twice
    assert.equal(raw.rows.map((r) => [r.symbol, Number(r.n)]), [['AAA', ROWS], ['BBB', ROWS]]);
    const bars = await sql<{ symbol: string; n: string }>`select symbol, count(*) as n from bars group by symbol order by symbol`.execute(database.db);
    assert.is(bars.rows.length, 2, JSON.stringify(bars.rows));
    assert.is(bars.rows[0]!.n, bars.rows[1]!.n, 'the same bars for both symbols');
    assert.ok(Number(bars.rows[0]!.n) > 0);
  } finally {
    await database.close();
  }
});

s.run();
