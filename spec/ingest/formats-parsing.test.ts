/**
 * Replay formats on small crafted files: bad rows, file-level errors, detection and options.
 * Each test writes what it needs into one temp dir, removed after the suites.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, strToU8, zipSync } from 'fflate';
import { isFakeoutError, type ErrorCode } from '../../actors/domain/errors.ts';
import { FORMAT_NAMES, detectFormat, readReplayFile, symbolFromFileName, type FormatName, type ParsedRow, type ReadReplayOptions } from '../../actors/ingest/formats/index.ts';

/** One temp dir for the whole file; `cleanup()` runs after the last suite. */
function tempDir(): { write(name: string, content: string | Uint8Array): string; zip(name: string, entries: Record<string, string>): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-formats-'));
  return {
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    zip(name, entries) {
      const files = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, strToU8(v)]));
      const path = join(dir, name);
      writeFileSync(path, zipSync(files));
      return path;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Good rows as [line, event] and bad rows as [line, field, reason]. */
function split(rows: Iterable<ParsedRow>): { good: [number, unknown][]; bad: [number, unknown, string][] } {
  const good: [number, unknown][] = [];
  const bad: [number, unknown, string][] = [];
  for (const r of rows) {
    if ('error' in r) {
      bad.push([r.line, r.error.info.field, String(r.error.info.reason)]);
      if (r.error.code !== 'FAKEOUT_ERR_INGEST_BAD_ROW' || r.error.info.line !== r.line) throw new Error(`bad error row ${JSON.stringify(r.error)}`);
    } else good.push([r.line, r.event]);
  }
  return { good, bad };
}

const tmp = tempDir();
const s = suite('formats: bad rows');

const T0 = Date.parse('2024-01-02T00:00:00Z');
const M = 60_000;

s('an OHLCV CSV reports each bad row with its line and reason and still yields the good rows', async () => {
  // CRLF line endings on purpose; line 5 is blank (skipped, but still counted as a physical line)
  const csv = [
    'time,open,high,low,close,volume', //                 1 header
    '2024-01-02T00:00:00Z,10,11,9,10.5,100', //           2 good
    '2024-01-02T00:01:00Z,10,9.5,9,10.5,100', //          3 high 9.5 < max(10, 10.5)
    '2024-01-02T00:02:00Z,10,11,10.2,10.5,100', //        4 low 10.2 > min(10, 10.5)
    '', //                                                5 blank
    'not-a-time,10,11,9,10,1', //                         6 time
    '2024-01-02T00:04:00Z,abc,11,9,10,1', //              7 open not a number
    '2024-01-02T00:05:00Z,10,11,9,10,-1', //              8 volume < 0
    '2024-01-02T00:06:00Z,10,11,9', //                    9 too few columns
    '2024-01-02T00:07:00Z,0,11,9,10,1', //                10 open not > 0
    '2024-01-02T00:08:00Z,10,12,9,11,5', //               11 good
    '2024-01-02T00:09:00Z,10,11,9,10,', //                12 volume blank is not 0
  ].join('\r\n');
  const file = await readReplayFile(tmp.write('ES_1m.csv', csv));
  assert.is(file.format, 'ohlcv-csv');
  assert.is(file.symbol, 'ES');
  const { good, bad } = split(file.rows());
  assert.equal(good, [
    [2, { kind: 'bar', symbol: 'ES', ts: T0, timeframe: '1m', open: 10, high: 11, low: 9, close: 10.5, volume: 100 }],
    [11, { kind: 'bar', symbol: 'ES', ts: T0 + 8 * M, timeframe: '1m', open: 10, high: 12, low: 9, close: 11, volume: 5 }],
  ]);
  assert.equal(bad.map(([line, field]) => [line, field]), [
    [3, 'high'],
    [4, 'low'],
    [6, 'time'],
    [7, 'open'],
    [8, 'volume'],
    [9, undefined],
    [10, 'open'],
    [12, 'volume'],
  ]);
  const reason = new Map(bad.map(([line, , r]) => [line, r]));
  assert.match(reason.get(3)!, 'high 9.5 is below max(open 10, close 10.5');
  assert.match(reason.get(4)!, 'low 10.2 is above min(open 10, close 10.5)');
  assert.match(reason.get(6)!, 'not-a-time');
  assert.match(reason.get(7)!, 'open is not a number: "abc"');
  assert.match(reason.get(8)!, 'volume must be >= 0, got -1');
  assert.match(reason.get(9)!, 'expected at least 6 columns, found 4');
  assert.match(reason.get(10)!, 'open must be > 0, got 0');
});

s('a Lean trade zip reports bad rows and refuses suspicious prints', async () => {
  const rows = [
    '34200000,1674100,100,P,1,0', //   1 09:30:00.000 EDT = 13:30Z, 167.41
    'abc,1674100,100,P,1,0', //        2 time
    '34200001,-5,100,P,1,0', //        3 price
    '34200002,1674100,x,P,1,0', //     4 size
    '34200003,1674200,200,P,1,1', //   5 suspicious
    '86400000,1674100,100,P,1,0', //   6 time outside the day
    '34200004,1674300', //             7 columns
    '34200005,1674400,300,Q,1,0', //   8 good
  ].join('\n');
  const file = await readReplayFile(tmp.zip('20131007_trade.zip', { '20131007_spy_Trade_Tick.csv': `${rows}\n` }));
  const { good, bad } = split(file.rows());
  assert.equal(good, [
    [1, { kind: 'tick', symbol: 'SPY', ts: Date.parse('2013-10-07T13:30:00Z'), price: 167.41, size: 100 }],
    [8, { kind: 'tick', symbol: 'SPY', ts: Date.parse('2013-10-07T13:30:00.005Z'), price: 167.44, size: 300 }],
  ]);
  assert.equal(bad.map(([line, field]) => [line, field]), [[2, 'time'], [3, 'price'], [4, 'size'], [5, 'suspicious'], [6, 'time'], [7, undefined]]);
});

s('a Lean quote zip keeps crossed quotes and refuses non-positive or non-numeric prices', async () => {
  const rows = ['1000,1.39150,1.39149', '2000,0,1.39149', '3000,1.39150,abc', '4000,1.39150,1.39152'].join('\r\n');
  const file = await readReplayFile(tmp.zip('20140508_quote.zip', { '20140508_eurusd_tick_quote.csv': rows }));
  const { good, bad } = split(file.rows());
  // 00:00:01 at UTC-5 = 05:00:01Z; mid of the crossed quote = (1.39150 + 1.39149) / 2
  assert.equal(good, [
    [1, { kind: 'tick', symbol: 'EURUSD', ts: Date.parse('2014-05-08T05:00:01Z'), price: (1.3915 + 1.39149) / 2, size: 1 }],
    [4, { kind: 'tick', symbol: 'EURUSD', ts: Date.parse('2014-05-08T05:00:04Z'), price: (1.3915 + 1.39152) / 2, size: 1 }],
  ]);
  assert.equal(bad.map(([line, field]) => [line, field]), [[2, 'bid'], [3, 'ask']]);
});

s('a freqtrade JSON reports bad elements by their 1-based index', async () => {
  const json = JSON.stringify([[T0, 1, 2, 0.5, 1.5, 10], 'oops', [T0 + 5 * M, 1, 2, 0.5], [T0 + 10 * M, 1, 0.9, 0.5, 1.5, 10], [T0 + 15 * M, 1, 2, 0.5, 1.5, 0]]);
  const file = await readReplayFile(tmp.write('ETH_BTC-5m.json', json));
  assert.is(file.symbol, 'ETH/BTC');
  const { good, bad } = split(file.rows());
  assert.equal(good.map(([line]) => line), [1, 5]);
  assert.equal(bad.map(([line, field]) => [line, field]), [[2, undefined], [3, undefined], [4, 'high']]);
});

s('tick and quote CSVs report bad rows the same way', async () => {
  const ticks = await readReplayFile(tmp.write('btcusdt_trades.csv', 'timestamp,price,qty\n1700000000000,100.5,2\n1700000000001,,1\n1700000000002,100.6,-1\n1700000000003,100.7,3\n'), { symbol: 'BTCUSDT' });
  const t = split(ticks.rows());
  assert.equal(t.good.map(([line]) => line), [2, 5]);
  assert.equal(t.bad.map(([line, field]) => [line, field]), [[3, 'price'], [4, 'size']]);
  const quotes = await readReplayFile(tmp.write('gbpusd_quotes.csv', 'time,bid,ask\n2012-02-01 00:00:00,1.5,1.5002\n2012-02-01 00:00:01,-1,1.5\n'));
  const q = split(quotes.rows());
  assert.equal(q.good, [[2, { kind: 'tick', symbol: 'GBPUSD', ts: Date.parse('2012-02-01T00:00:00Z'), price: (1.5 + 1.5002) / 2, size: 1 }]]);
  assert.equal(q.bad.map(([line, field]) => [line, field]), [[3, 'bid']]);
});

s.run();

const f = suite('formats: files, detection and options');
f.after(() => tmp.cleanup());

async function refused(path: string, code: ErrorCode, opts: ReadReplayOptions = {}): Promise<Error> {
  try {
    await readReplayFile(path, opts);
  } catch (err) {
    assert.ok(isFakeoutError(err, code), `expected ${code}, got ${String(err)}`);
    return err as Error;
  }
  throw assert.unreachable(`${path} was accepted`);
}

f('an unrecognisable file is FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT listing the formats that exist', async () => {
  const err = await refused(tmp.write('notes.txt', 'hello world\nthis is not market data\n'), 'FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT');
  for (const f of FORMAT_NAMES) assert.match(err.message, f);
});

f('an unknown format option is FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT', async () => {
  const path = tmp.write('x.csv', 'time,price\n1700000000000,1\n');
  await refused(path, 'FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT', { format: 'parquet' as FormatName });
});

f('a bad zip, a zip with two files, an empty zip and a missing file are FAKEOUT_ERR_INGEST_FILE', async () => {
  const garbage = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.match((await refused(tmp.write('broken.zip', garbage), 'FAKEOUT_ERR_INGEST_FILE')).message, 'broken.zip');
  await refused(tmp.write('not-a-zip.zip', 'plain text'), 'FAKEOUT_ERR_INGEST_FILE');
  await refused(tmp.zip('two.zip', { 'a.csv': 'x', 'b.csv': 'y' }), 'FAKEOUT_ERR_INGEST_FILE');
  await refused(tmp.zip('empty.zip', {}), 'FAKEOUT_ERR_INGEST_FILE');
  assert.match((await refused(tmp.write('x', '') + '-missing.csv', 'FAKEOUT_ERR_INGEST_FILE')).message, 'no such file');
  await refused(tmp.write('bad.json', '[[1, 2,'), 'FAKEOUT_ERR_INGEST_FILE', { format: 'freqtrade-json', symbol: 'X', timeframe: '5m' });
});

f('a file that lacks what its format needs says what to pass', async () => {
  // no close column
  const a = await refused(tmp.write('a_1m.csv', 'time,open,high,low\n1,1,1,1\n'), 'FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT', { format: 'ohlcv-csv' });
  assert.match(a.message, 'no close column');
  // 2-minute spacing is not a timeframe
  const b = await refused(tmp.write('b.csv', 'time,open,high,low,close\n2024-01-01T00:00Z,1,1,1,1\n2024-01-01T00:02Z,1,1,1,1\n'), 'FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT');
  assert.match(b.message, 'smallest spacing is 120000 ms');
  // a Lean entry whose name does not carry the date
  await refused(tmp.zip('c.zip', { 'spy.csv': '1,1674100,1,P,1,0\n' }), 'FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT', { format: 'lean-trade-tick' });
  // an invalid symbol option, and an unknown zone option
  await refused(tmp.write('d.csv', 'time,price\n1700000000000,1\n'), 'FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT', { symbol: 'BAD SYMBOL' });
  await refused(tmp.write('e.csv', 'time,price\n1700000000000,1\n'), 'FAKEOUT_ERR_TIME_INVALID', { zone: 'Atlantis/Capital' });
});

f('maps OHLCV columns by name in any order and case, reading zone-less times in the zone option', async () => {
  const csv = 'Volume,Close,Low,High,Open,Date\n5,10.5,9,11,10,2024-03-11 09:30:00\n6,10.6,9,11,10.5,2024-03-11 10:30:00\n';
  const file = await readReplayFile(tmp.write('aapl.csv', csv), { zone: 'America/New_York' });
  const { good, bad } = split(file.rows());
  assert.is(bad.length, 0);
  // 09:30 EDT (the US changed on 03-10) = 13:30Z; spacing 1 h -> '1h'
  assert.equal(good[0], [2, { kind: 'bar', symbol: 'AAPL', ts: Date.parse('2024-03-11T13:30:00Z'), timeframe: '1h', open: 10, high: 11, low: 9, close: 10.5, volume: 5 }]);
});

f('takes symbol and timeframe options over what the file name says', async () => {
  const file = await readReplayFile(tmp.write('BTC_USDT-5m.json', JSON.stringify([[1_700_000_000_000, 1, 2, 0.5, 1.5, 3]])), { symbol: 'XBT', timeframe: '1h' });
  const { good } = split(file.rows());
  assert.equal(good[0]?.[1], { kind: 'bar', symbol: 'XBT', ts: 1_700_000_000_000, timeframe: '1h', open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 });
});

f('lean formats keep their own data zone whatever the general zone option says', async () => {
  const path = tmp.zip('20131007_trade.zip', { '20131007_spy_Trade_Tick.csv': '34200000,1674100,100,P,1,0\n' });
  const ny = split((await readReplayFile(path, { zone: 'UTC' })).rows()).good[0]?.[1] as { ts: number };
  assert.is(new Date(ny.ts).toISOString(), '2013-10-07T13:30:00.000Z', '09:30 New York (EDT)');
  const utc = split((await readReplayFile(path, { dataZone: 'UTC' })).rows()).good[0]?.[1] as { ts: number };
  assert.is(new Date(utc.ts).toISOString(), '2013-10-07T09:30:00.000Z', 'dataZone overrides');
});

f('reads gzip files too', async () => {
  const file = await readReplayFile(tmp.write('eurusd_ticks.csv.gz', gzipSync(strToU8('time,price\n2024-01-01T00:00:00Z,1.1\n'))));
  assert.is(file.format, 'tick-csv');
  assert.equal(split(file.rows()).good, [[2, { kind: 'tick', symbol: 'EURUSD', ts: Date.parse('2024-01-01T00:00:00Z'), price: 1.1, size: 1 }]]);
});

f('detectFormat recognises each format from name and head', () => {
  assert.is(detectFormat('20131007_spy_Trade_Tick.csv', '14400464,1674100,100,P,20002000,0'), 'lean-trade-tick');
  assert.is(detectFormat('20140508_eurusd_tick_quote.csv', '17007,1.39147,1.39148'), 'lean-quote-tick');
  assert.is(detectFormat('btc-perp-20211231-20220201_1m.csv', 'timestamp,open,high,low,close,volume\n2021-12-31 23:01:00.000000,1,1,1,1,1'), 'ohlcv-csv');
  assert.is(detectFormat('x.csv', '\uFEFF"Open_Time";"Open";"High";"Low";"Close"\n'), 'ohlcv-csv');
  assert.is(detectFormat('BTC_USDT-5m.json', '[[1606780800000,19695.87,'), 'freqtrade-json');
  assert.is(detectFormat('t.csv', 'Timestamp,Price,Size\n'), 'tick-csv');
  assert.is(detectFormat('q.csv', 'time,bid,ask\n'), 'quote-csv');
  assert.is(detectFormat('q.csv', 'bid,ask\n'), undefined, 'no time column');
  assert.is(detectFormat('notes.txt', 'hello'), undefined);
});

f('symbolFromFileName guesses the instrument and ignores prefixes, dates, timeframes and content words', () => {
  assert.is(symbolFromFileName('btc-perp-20211231-20220201_1m.csv'), 'BTC-PERP');
  assert.is(symbolFromFileName('nautilus_ftx_btc-perp-20211231-20220201_1m.csv'), 'BTC-PERP');
  assert.is(symbolFromFileName('nfi_binance_BTC_USDT-5m.json'), 'BTC/USDT');
  assert.is(symbolFromFileName('BTC_USDT_USDT-1h-futures.json'), 'BTC/USDT:USDT');
  assert.is(symbolFromFileName('EURUSD_1h.csv'), 'EURUSD');
  assert.is(symbolFromFileName('2024_01.csv'), undefined);
});

f.run();
