/**
 * The replay key: what makes two replays of the same file the same replay (resume, skip, the
 * same envelope ids) or different ones (another symbol or format: new progress, new ids, which
 * RAW's duplicate window must not drop).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { replayEnvelope } from '../../actors/ingest/envelope.ts';
import { readReplayFile } from '../../actors/ingest/formats/index.ts';
import { writeFtxSlice } from '../helpers/app.ts';

const s = suite('replay key');
const dir = mkdtempSync(join(tmpdir(), 'fakeout-replay-key-'));
const { path } = writeFtxSlice(dir, 30, 'FTXPERP.csv');
const sha = createHash('sha256').update(readFileSync(path)).digest('hex');

s('a file read as fakeout reads it by itself keys on the sha256 of its bytes, as before', async () => {
  const own = await readReplayFile(path);
  assert.is(own.symbol, 'FTXPERP');
  assert.is(own.format, 'ohlcv-csv');
  assert.is(own.fileKey, sha);
  assert.is(own.replayKey, sha);
});

s('naming the symbol or format it would have taken anyway changes nothing', async () => {
  assert.is((await readReplayFile(path, { symbol: 'FTXPERP' })).replayKey, sha);
  assert.is((await readReplayFile(path, { format: 'ohlcv-csv' })).replayKey, sha);
  assert.is((await readReplayFile(path, { symbol: 'FTXPERP', format: 'ohlcv-csv' })).replayKey, sha);
});

s('another symbol is another replay, with its own key and envelope ids', async () => {
  const a = await readReplayFile(path, { symbol: 'AAA' });
  const b = await readReplayFile(path, { symbol: 'BBB' });
  // sha256 of "<file sha>\n<symbol>\n<format>", computed here on its own
  assert.is(a.replayKey, createHash('sha256').update(`${sha}\nAAA\nohlcv-csv`).digest('hex'));
  assert.is(b.replayKey, createHash('sha256').update(`${sha}\nBBB\nohlcv-csv`).digest('hex'));
  assert.is(a.fileKey, sha);
  const row = [...a.rows()][0]!;
  assert.ok('event' in row);
  if (!('event' in row)) return;
  const ids = [sha, a.replayKey, b.replayKey].map((k) => replayEnvelope(k, 'FTXPERP.csv', row.line, row.event, { receivedAt: 0, correctedAt: 0, offsetMs: 0 }).id);
  assert.is(ids[0], `replay:${sha.slice(0, 16)}:2`);
  assert.is(new Set(ids).size, 3, ids.join(' '));
});

s('a format other than the detected one is another replay; the detected one is not', async () => {
  // price, bid and ask: readable as ticks (tick-csv) and as quotes (quote-csv)
  const both = join(dir, 'EURX.csv');
  writeFileSync(both, 'time,price,bid,ask\n2024-01-02T10:00:00Z,1.1,1.0,1.2\n2024-01-02T10:00:01Z,1.15,1.1,1.2\n');
  const bothSha = createHash('sha256').update(readFileSync(both)).digest('hex');
  const own = await readReplayFile(both);
  assert.is(own.replayKey, bothSha);
  const other = own.format === 'tick-csv' ? 'quote-csv' : 'tick-csv';
  assert.is((await readReplayFile(both, { format: own.format })).replayKey, bothSha);
  const forced = await readReplayFile(both, { format: other });
  assert.is(forced.format, other);
  assert.is(forced.replayKey, createHash('sha256').update(`${bothSha}\nEURX\n${other}`).digest('hex'));
});

s.after(() => rmSync(dir, { recursive: true, force: true }));
s.run();
