/**
 * Bars closed by the clock in live intake, through a whole app (real nats-server, real Postgres,
 * real HTTP): a live 1m bucket fed by the webhook is emitted once its end + grace has passed with
 * no later tick; a tick for it afterwards is late; a replayed series' last bucket stays open
 * under the same ticks (the data's clock); with FAKEOUT_BAR_CLOCK_TICK=0 nothing closes it.
 * OHLCV by hand from the posted ticks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listBars } from '../../adapters/db/index.ts';
import type { Bar } from '../../actors/domain/messages.ts';
import { startTestApp, writeFtxSlice, type FtxRow, type TestApp } from '../helpers/app.ts';

const s = suite('bar clock e2e');
const SECRET = 'test-secret-123';
const M = 60_000;
const GRACE = 500;

let t: TestApp;
let dir = '';
let url = '';
let replayed: FtxRow[] = [];

const iso = (ms: number) => new Date(ms).toISOString();
const ohlcvc = (b: Bar) => [b.timeframe, b.openTime, b.open, b.high, b.low, b.close, b.volume, b.count];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function postTick(symbol: string, ts: number, price: number, size: number): Promise<number> {
  const res = await fetch(`${url}/webhook/tradingview`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret: SECRET, symbol, time: iso(ts), price, size }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function barsOf(symbol: string, timeframe?: '1m' | '5m') {
  return (await listBars(t.app.database.db, { symbol, ...(timeframe ? { timeframe } : {}) })).map(ohlcvc);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

s.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fakeout-barclock-'));
  // 7 rows of BTC-PERP 1m input bars: the 5m bucket of the last two rows stays open (data clock)
  const slice = writeFtxSlice(dir, 7);
  replayed = slice.rows;
  t = await startTestApp({
    replay: [{ path: slice.path, symbol: 'BTC-PERP' }],
    env: { FAKEOUT_BAR_CLOCK_TICK: '1', FAKEOUT_BAR_CLOSE_GRACE: String(GRACE), FAKEOUT_TIMEFRAMES: '1m,5m' },
  });
  url = t.app.httpUrl()!;
  await t.app.waitForIdle({ timeoutMs: 60_000 });
});

s.after(async () => {
  await t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

s('a live 1m bar closes on the clock with no later tick; a tick for it afterwards is late; the replayed series stays open', async () => {
  // the minute that ended most recently: its end is now or a little before
  const S = Math.floor(Date.now() / M) * M - M;
  assert.equal(
    [await postTick('LIVE', S + 1_000, 100, 2), await postTick('LIVE', S + 20_000, 104, 1), await postTick('LIVE', S + 40_000, 97, 3)],
    [202, 202, 202],
  );
  // by hand: O 100 (first), H 104, L 97, C 97 (last), V 2 + 1 + 3 = 6, 3 ticks
  const bar = await waitFor('the clock to close LIVE 1m', async () => (await barsOf('LIVE', '1m'))[0]);
  assert.equal(bar, ['1m', S, 100, 104, 97, 97, 6, 3]);
  assert.ok(Date.now() >= S + M + GRACE, 'closed no earlier than end + grace');

  // a tick for the closed bucket is late: counted, kept in RAW, the bar unchanged
  assert.is(await postTick('LIVE', S + 59_000, 200, 1), 202);
  await waitFor('the late tick to be counted', async () => {
    const m = await (await fetch(`${url}/metrics`)).text();
    return /fakeout_bar_events_total\{outcome="late"\} [1-9]/.test(m) ? m : undefined;
  });
  assert.equal(await barsOf('LIVE', '1m'), [['1m', S, 100, 104, 97, 97, 6, 3]]);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /fakeout_bar_events_total\{outcome="clockClosed"\} [1-9]/);

  // the ticks are in RAW and in raw_events like every input
  const clocks = await t.app.database.db.selectFrom('raw_events').select(['id', 'source', 'kind', 'event_ts']).where('kind', '=', 'clock').orderBy('seq').execute();
  assert.ok(clocks.length >= 1, 'clock ticks archived');
  assert.ok(clocks.every((c) => c.source === 'clock' && c.id === `clock:${c.event_ts}`));

  // the replayed series: its last 5m bucket is open by the data, and the clock leaves it so
  const last = replayed.at(-1)!;
  const open5 = Math.floor(last.ts / (5 * M)) * (5 * M);
  assert.ok(last.ts + M < open5 + 5 * M, 'precondition: the slice ends inside a 5m bucket');
  const five = (await barsOf('BTC-PERP', '5m')).map((b) => b[1]);
  assert.ok(five.length >= 1 && !five.includes(open5), `the replayed 5m bucket ${iso(open5)} is still open (${five.map((x) => iso(x as number)).join(', ')})`);
});

s('with FAKEOUT_BAR_CLOCK_TICK=0 a live bucket stays open until a later tick closes it', async () => {
  t.env.FAKEOUT_BAR_CLOCK_TICK = '0';
  await t.restart([]);
  url = t.app.httpUrl()!;
  const S = Math.floor(Date.now() / M) * M - M;
  assert.is(await postTick('QUIET', S + 5_000, 50, 1), 202);
  await sleep(3_000);
  await t.app.waitForIdle({ timeoutMs: 30_000 });
  assert.equal(await barsOf('QUIET', '1m'), [], 'no clock: the bucket is still open');
  assert.is(await postTick('QUIET', S + M + 1_000, 51, 1), 202);
  const bar = await waitFor('the later tick to close QUIET 1m', async () => (await barsOf('QUIET', '1m'))[0]);
  assert.equal(bar, ['1m', S, 50, 50, 50, 50, 1, 1]);
});

s.run();
