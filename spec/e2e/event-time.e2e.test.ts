/**
 * Hostile event times through a whole app (real nats-server, real Postgres, real HTTP): far
 * future then normal, far past (epoch 0), out of order, re-sends with other content, through the
 * webhook and through a replay file. Implausible times are refused (400 naming `time`, or a bad
 * row with its line) and never reach RAW; late events are counted and logged; the bars are the
 * ones worked out by hand below.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listBars } from '../../adapters/db/index.ts';
import type { Bar } from '../../actors/domain/messages.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const s = suite('event time e2e');
const SECRET = 'test-secret-123';
const M = 60_000;
const H = 3_600_000;
const DAY = 86_400_000;

let t: TestApp;
let dir = '';
let url = '';
// An hour boundary between 2 and 3 hours ago: every bar below has closed and is well inside the 7-day age limit.
const T0 = Math.floor((Date.now() - 2 * H) / H) * H;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

async function post(alert: Record<string, unknown>) {
  const res = await fetch(`${url}/webhook/tradingview`, { method: 'POST', body: JSON.stringify({ secret: SECRET, ...alert }), headers: { 'content-type': 'application/json' } });
  return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string; field?: string }; id?: string; duplicate?: boolean } };
}

const bar1m = (id: string, ts: number, o: number, h: number, l: number, c: number, v: number) =>
  ({ id, symbol: 'WHK', interval: '1', time: iso(ts), open: o, high: h, low: l, close: c, volume: v });

const ohlcvc = (b: Bar) => [b.timeframe, b.openTime, b.open, b.high, b.low, b.close, b.volume, b.count];

async function bars(symbol: string) {
  return (await listBars(t.app.database.db, { symbol })).map(ohlcvc);
}

async function rawOf(symbol: string) {
  return t.app.database.db.selectFrom('raw_events').select(['id', 'event_ts', 'envelope']).where('symbol', '=', symbol).orderBy('seq').execute();
}

// Replay file: ohlcv-csv, 1m bars of RPL on 2022-01-03, with hostile rows in between.
const R0 = Date.UTC(2022, 0, 3, 10);
const REPLAY_ROWS = [
  'time,open,high,low,close,volume',
  '2022-01-03 10:00:00,100,101,99,100.5,10', //  2 good
  '2099-01-01 00:00:00,1,1,1,1,1', //             3 far future: after the intake clock -> bad row
  '2022-01-03 10:01:00,100.5,102,100,101.5,20', // 4 good (the future row did not block it)
  '1970-01-01 00:00:00,1,1,1,1,1', //             5 epoch 0: before the floor -> bad row
  '2023-01-03 10:02:00,5,5,5,5,5', //             6 a year typo: 365 days after the file -> bad row
  '2022-01-03 10:03:00,101.5,103,101,102.5,30', // 7 good
  '2022-01-03 10:02:00,101,104,100.5,101.2,25', // 8 out of order: its 1m bar's turn is over -> late
  '2022-01-03 10:03:00,101.5,110,101,102.9,99', // 9 same bar, other content: already emitted -> late
  '2022-01-03 10:04:00,102.5,103.5,102,103,40', // 10 good: completes the 5m bar 10:00
  '2022-01-03 10:05:00,103,104,102.5,103.5,50', // 11 good: opens 10:05, stays open
];

s.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fakeout-time-'));
  const file = join(dir, 'rpl_1m.csv');
  writeFileSync(file, REPLAY_ROWS.join('\n') + '\n');
  t = await startTestApp({ replay: [{ path: file, symbol: 'RPL' }] });
  url = t.app.httpUrl()!;
  await t.app.waitForIdle({ timeoutMs: 60_000 });
});

s.after(async () => {
  await t.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

s('replay: implausible rows are bad rows with their line, never in RAW; late rows are kept in RAW but build nothing', async () => {
  const progress = (await t.app.database.db.selectFrom('ingest_progress').selectAll().execute()).find((p) => p.file_name === 'rpl_1m.csv')!;
  assert.is(Number(progress.bad_rows), 3);
  const log = readFileSync(join(t.dataDir, 'test.log'), 'utf8').split('\n').filter((l) => l.includes('bad row skipped')).map((l) => JSON.parse(l) as { line: number; reason: string });
  assert.equal(log.map((l) => l.line), [3, 5, 6]);
  assert.match(log[0]!.reason, /^line 3: the 1m bar 2099-01-01T00:00:00.000Z–2099-01-01T00:01:00.000Z ends after now .*FAKEOUT_TIME_SKEW_SECONDS/);
  assert.match(log[1]!.reason, /^line 5: 1970-01-01T00:00:00.000Z is before 1980-01-01.*FAKEOUT_TIME_FLOOR/);
  assert.match(log[2]!.reason, /^line 6: 2023-01-03T10:02:00.000Z is more than 31 d after .*FAKEOUT_REPLAY_MAX_GAP_DAYS/);

  const raw = await rawOf('RPL');
  assert.equal(raw.map((r) => (r.envelope as { origin: { line: number } }).origin.line), [2, 4, 7, 8, 9, 10, 11], 'every good row, late ones too; no refused row');
  assert.ok(raw.every((r) => Number(r.event_ts) >= R0 && Number(r.event_ts) <= R0 + 5 * M));

  // By hand: each 1m input is its own 1m bar, except lines 8 and 9 (late). The 5m bar 10:00 is
  // lines 2, 4, 7, 10: O 100 (10:00), H max(101, 102, 103, 103.5) = 103.5, L min(99, 100, 101, 102) = 99,
  // C 103 (10:04), V 10 + 20 + 30 + 40 = 100, 4 inputs. 10:05 opens the next 5m bucket, which stays open.
  assert.equal(await bars('RPL'), [
    ['1m', R0, 100, 101, 99, 100.5, 10, 1],
    ['5m', R0, 100, 103.5, 99, 103, 100, 4],
    ['1m', R0 + M, 100.5, 102, 100, 101.5, 20, 1],
    ['1m', R0 + 3 * M, 101.5, 103, 101, 102.5, 30, 1],
    ['1m', R0 + 4 * M, 102.5, 103.5, 102, 103, 40, 1],
    ['1m', R0 + 5 * M, 103, 104, 102.5, 103.5, 50, 1],
  ]);
});

s('webhook: implausible times are refused with 400 naming time and stored nowhere; later bars still build', async () => {
  const refusals: [string, Record<string, unknown>][] = [
    ['far future', bar1m('whk-f', Date.now() + 365 * DAY, 1, 1, 1, 1, 1)],
    ['epoch 0', { ...bar1m('whk-z', 0, 1, 1, 1, 1, 1), time: '1970-01-01T00:00:00Z' }],
    ['older than 7 days', bar1m('whk-o', T0 - 8 * DAY, 1, 1, 1, 1, 1)],
    // today's daily bar ends at midnight: it has not closed (only the last minute of a UTC day would let it through)
    ['a bar that has not closed', { ...bar1m('whk-d', Math.floor(Date.now() / DAY) * DAY, 1, 1, 1, 1, 1), interval: '1D' }],
    ['a tick from the future', { id: 'tck-f', symbol: 'TCK', time: iso(Date.now() + 10 * M), price: 1 }],
  ];
  const statuses: [string, number, string | undefined, string | undefined][] = [];
  const accepted: [string, number][] = [];
  // Far future first, then a normal bar: the future one must not block it.
  statuses.push(['far future', ...(await post(refusals[0]![1]).then((r) => [r.status, r.json.error?.code, r.json.error?.field] as const))]);
  accepted.push(['T0', (await post(bar1m('whk-0', T0, 100, 101, 99, 100.5, 10))).status]);
  for (const [name, alert] of refusals.slice(1)) {
    const r = await post(alert);
    statuses.push([name, r.status, r.json.error?.code, r.json.error?.field]);
    assert.match(r.json.error?.message ?? '', /^time: /, `${name}: the message starts with the field`);
  }
  assert.equal(statuses, refusals.map(([name]) => [name, 400, 'FAKEOUT_ERR_WEBHOOK_INVALID', 'time']));

  accepted.push(['T0+1m', (await post(bar1m('whk-1', T0 + M, 100.5, 102, 100, 101.5, 20))).status]);
  accepted.push(['T0+3m', (await post(bar1m('whk-3', T0 + 3 * M, 101.5, 103, 101, 102.5, 30))).status]);
  accepted.push(['T0+2m out of order', (await post(bar1m('whk-2', T0 + 2 * M, 101, 104, 100.5, 101.2, 25))).status]);
  const corrected = await post(bar1m('whk-1', T0 + M, 100.5, 102, 100, 101.9, 21));
  assert.is(corrected.json.duplicate, false, 'same alert id, other content: a new event, kept');
  const retry = await post(bar1m('whk-0', T0, 100, 101, 99, 100.5, 10));
  assert.is(retry.json.duplicate, true, 'an identical retry is a duplicate');
  accepted.push(['T0+4m', (await post(bar1m('whk-4', T0 + 4 * M, 102.5, 103.5, 102, 103, 40))).status]);
  assert.equal(accepted, [['T0', 202], ['T0+1m', 202], ['T0+3m', 202], ['T0+2m out of order', 202], ['T0+4m', 202]]);
  await t.app.waitForIdle({ timeoutMs: 60_000 });

  const raw = await rawOf('WHK');
  assert.is(raw.length, 6, 'T0, T0+1m, T0+3m, T0+2m, the corrected T0+1m, T0+4m; no refused alert, no retry');
  assert.ok(raw.every((r) => Number(r.event_ts) >= T0 && Number(r.event_ts) <= T0 + 4 * M), 'nothing refused reached RAW');
  assert.is((await rawOf('TCK')).length, 0);
  assert.is(raw.filter((r) => r.id.startsWith('tv:whk-1:')).length, 2, 'both versions of whk-1 are in RAW');

  // By hand, as in the replay: T0+2m came after T0+3m was emitted, and the corrected T0+1m after
  // T0+1m was: both late. The 5m bar T0 is T0, T0+1m (first version), T0+3m, T0+4m.
  assert.equal(await bars('WHK'), [
    ['1m', T0, 100, 101, 99, 100.5, 10, 1],
    ['5m', T0, 100, 103.5, 99, 103, 100, 4],
    ['1m', T0 + M, 100.5, 102, 100, 101.5, 20, 1],
    ['1m', T0 + 3 * M, 101.5, 103, 101, 102.5, 30, 1],
    ['1m', T0 + 4 * M, 102.5, 103.5, 102, 103, 40, 1],
  ]);
});

s('webhook ticks: a re-sent alert for the open bucket is applied; one for a closed bar is late and logged', async () => {
  const tick = (id: string, ts: number, price: number, size: number) => post({ id, symbol: 'TCK', time: iso(ts), price, size });
  const statuses = [
    (await tick('tck-1', T0 + 10_000, 100, 1)).status,
    (await tick('tck-2', T0 + 20_000, 101, 2)).status,
    (await tick('tck-1', T0 + 10_000, 100.4, 1)).status, // same id, other price, bucket still open: folded in
    (await tick('tck-3', T0 + 70_000, 102, 1)).status, // closes the 1m bucket T0
    (await tick('tck-4', T0 + 30_000, 99, 1)).status, // the 1m bar T0 is emitted: late
  ];
  assert.equal(statuses, [202, 202, 202, 202, 202]);
  await t.app.waitForIdle({ timeoutMs: 60_000 });
  // 1m bar T0 by hand: ticks 100 @+10 s, 101 x2 @+20 s, 100.4 @+10 s. O = earliest time, first
  // arrival: 100. H 101, L 100, C = latest time: 101. V 1 + 2 + 1 = 4, 3 ticks. The late 99 is not in it.
  assert.equal(await bars('TCK'), [['1m', T0, 100, 101, 100, 101, 4, 3]]);
  assert.is((await rawOf('TCK')).length, 5, 'the late tick is kept in RAW');

  const late = readFileSync(join(t.dataDir, 'test.log'), 'utf8').split('\n').filter((l) => l.includes('late event dropped')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const tck = late.find((l) => l.symbol === 'TCK')!;
  assert.equal(
    { eventTime: tck.eventTime, bar: tck.bar, seriesOpenFrom: tck.seriesOpenFrom, level: tck.level },
    { eventTime: new Date(T0 + 30_000).toISOString(), bar: `TCK:1m:${T0}`, seriesOpenFrom: new Date(T0 + M).toISOString(), level: 40 },
  );
  assert.equal(late.map((l) => `${l.symbol} ${l.eventTime}`).sort(), [
    `RPL ${new Date(R0 + 2 * M).toISOString()}`,
    `RPL ${new Date(R0 + 3 * M).toISOString()}`,
    `TCK ${new Date(T0 + 30_000).toISOString()}`,
    `WHK ${new Date(T0 + M).toISOString()}`,
    `WHK ${new Date(T0 + 2 * M).toISOString()}`,
  ]);

  const metrics = await (await fetch(`${url}/metrics`)).text();
  // late: RPL lines 8, 9; WHK T0+2m and the corrected T0+1m; TCK +30 s = 5.
  // applied: RPL 5 rows; WHK 4 alerts; TCK 4 ticks = 13.
  assert.match(metrics, /fakeout_bar_events_total\{outcome="late"\} 5\n/);
  assert.match(metrics, /fakeout_bar_events_total\{outcome="applied"\} 13\n/);
  assert.match(metrics, /fakeout_bar_events_total\{outcome="ignored"\} 0\n/);
  assert.match(metrics, /fakeout_ingested_total\{source="tradingview",outcome="bad_row"\} 5\n/);
  assert.match(metrics, /fakeout_ingested_total\{source="replay",outcome="bad_row"\} 3\n/);
});

s.run();
